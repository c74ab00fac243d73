"""`uccert export --client-bundle`: a bundle openssl and cryptography load, holding exactly
what Jabber devices must trust."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

from uccert.cli import main
from uccert.lab.ca import init_ca, load_csr, sign_csr
from uccert.lab.servers.runtime import RunningLab, running_lab
from uccert.lab.state import Fault, FaultKind

pytestmark = pytest.mark.timeout(90)

CLIENT_UNITS = {"tomcat", "tomcat-ECDSA", "cup-xmpp", "cup-xmpp-ECDSA"}


async def uccert(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


async def export(lab: RunningLab, out: Path) -> int:
    return await uccert("export", "--client-bundle", str(out), "--inventory", str(lab.inventory))


@pytest.fixture
async def lab(tmp_path: Path) -> AsyncIterator[RunningLab]:
    async with running_lab(
        preset_name="minimal", version="14.0", time_scale=0, state_dir=tmp_path / "lab"
    ) as running:
        yield running


def fp(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def bundle_certs(directory: Path) -> list[x509.Certificate]:
    """The .p7b as openssl reads it (when present) and as cryptography reads it; the PEM
    bundle holds the same certs (PKCS#7 is a DER SET OF: its order is not ours)."""
    der = (directory / "uccert-client-bundle.p7b").read_bytes()
    certs = pkcs7.load_der_pkcs7_certificates(der)
    openssl = shutil.which("openssl")
    if openssl is not None:
        printed = subprocess.run(
            [openssl, "pkcs7", "-inform", "DER", "-print_certs"],
            input=der,
            capture_output=True,
            check=True,
        ).stdout
        assert [fp(c) for c in x509.load_pem_x509_certificates(printed)] == [fp(c) for c in certs]
    pem = (directory / "uccert-client-bundle.pem").read_bytes()
    assert sorted(fp(c) for c in x509.load_pem_x509_certificates(pem)) == sorted(
        fp(c) for c in certs
    )
    return certs


async def test_self_signed_cluster_bundle_is_every_nodes_tomcat_and_cup_xmpp(
    lab: RunningLab, tmp_path: Path
) -> None:
    out = tmp_path / "bundle"
    assert await export(lab, out) == 0
    expected = {
        fp(o.cert)
        for n in lab.lab.node_names()
        for o in lab.lab.own_certs(n)
        if o.unit in CLIENT_UNITS
    }
    assert {fp(c) for c in bundle_certs(out)} == expected
    readme = (out / "README.txt").read_text()
    assert "Trusted Root Certification Authorities" in readme and "group policy" in readme


async def test_a_ca_signed_tomcat_brings_the_root_and_intermediate_instead(
    lab: RunningLab, tmp_path: Path
) -> None:
    ca = init_ca(tmp_path / "ca")
    state = lab.lab
    leaf = sign_csr(ca, load_csr(state.generate_csr("imp-pub", "tomcat").encode(), "csr"))
    for c in (ca.root, ca.intermediate):
        state.import_trust("imp-pub", "tomcat-trust", c.public_bytes(Encoding.PEM).decode(), "lab")
    state.import_own("imp-pub", "tomcat", leaf.public_bytes(Encoding.PEM).decode(), "lab")
    out = tmp_path / "bundle"
    assert await export(lab, out) == 0
    got = {fp(c) for c in bundle_certs(out)}
    assert {fp(ca.root), fp(ca.intermediate)} <= got
    assert fp(leaf) not in got
    assert "uccert Lab Issuing CA — intermediate CA" in (out / "README.txt").read_text()


async def test_an_unreadable_node_writes_nothing_and_exits_1(
    lab: RunningLab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lab.lab.inject_fault(Fault(FaultKind.NODE_UNREACHABLE, "imp-sub1", None, 1000))
    out = tmp_path / "bundle"
    assert await export(lab, out) == 1
    assert "imp-sub1" in capsys.readouterr().err
    assert not out.exists()
