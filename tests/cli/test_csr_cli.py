"""`uccert csr` against a lab on loopback: REST on 14.0, `set csr gen` over SSH on 12.5."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from cryptography import x509

from uccert.ca.keys import public_key_sha256
from uccert.ca.names import dns_names
from uccert.cli import main
from uccert.lab.servers.runtime import RunningLab

pytestmark = pytest.mark.timeout(90)

OpenLab = Callable[[str], Awaitable[RunningLab]]


async def uccert(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


def generated(lab: RunningLab) -> list[tuple[str, str, object]]:
    return [
        (e.node, str(e.data["unit"]), e.data["via"])
        for e in lab.lab.events
        if e.kind == "csr-generated"
    ]


async def test_single_node_tomcat_on_14_is_one_csr_per_node_over_rest(
    open_lab: OpenLab, tmp_path: Path
) -> None:
    lab = await open_lab("14.0")
    out = tmp_path / "csrs"
    code = await uccert(
        "csr", "--unit", "tomcat", "--out", str(out), "--inventory", str(lab.inventory)
    )
    assert code == 0
    assert generated(lab) == [(n, "tomcat", "rest") for n in ("cucm-pub", "imp-pub", "imp-sub1")]
    for node in ("cucm-pub", "imp-pub", "imp-sub1"):
        pem = (out / f"tomcat-{node}.csr").read_text()
        assert pem.strip() == (lab.lab.pending_csr(node, "tomcat") or "").strip()
        request = x509.load_pem_x509_csr(pem.encode())
        fqdn = lab.lab.spec(node).fqdn
        assert dns_names(request) == (fqdn,)
        side = json.loads((out / f"tomcat-{node}.csr.json").read_text())
        assert side["node"] == node and side["unit"] == "tomcat" and side["via"] == "rest"
        assert side["public_key_sha256"] == public_key_sha256(request.public_key())
        assert side["covers_fqdns"] == [fqdn] and side["generated_at"].endswith("Z")


async def test_multi_server_cup_xmpp_on_14_is_one_csr_naming_every_imp_node(
    open_lab: OpenLab, tmp_path: Path
) -> None:
    lab = await open_lab("14.0")
    out = tmp_path / "csrs"
    code = await uccert(
        "csr",
        "--unit", "cup-xmpp",
        "--distribution", "multi",
        "--out", str(out),
        "--inventory", str(lab.inventory),
    )  # fmt: skip
    assert code == 0
    assert generated(lab) == [("imp-pub", "cup-xmpp", "rest")]
    request = x509.load_pem_x509_csr((out / "cup-xmpp-multi-imp-pub.csr").read_bytes())
    fqdns = {lab.lab.spec(n).fqdn for n in ("imp-pub", "imp-sub1")}
    assert set(dns_names(request)) == fqdns
    side = json.loads((out / "cup-xmpp-multi-imp-pub.csr.json").read_text())
    assert side["distribution"] == "multi" and side["covers"] == ["imp-pub", "imp-sub1"]


async def test_single_node_tomcat_on_12_5_goes_over_ssh(open_lab: OpenLab, tmp_path: Path) -> None:
    lab = await open_lab("12.5")
    out = tmp_path / "csrs"
    code = await uccert(
        "csr", "--unit", "tomcat", "--out", str(out), "--inventory", str(lab.inventory)
    )
    assert code == 0
    assert generated(lab) == [(n, "tomcat", "ssh") for n in ("cucm-pub", "imp-pub", "imp-sub1")]
    pem = (out / "tomcat-imp-pub.csr").read_text()
    assert pem.strip() == (lab.lab.pending_csr("imp-pub", "tomcat") or "").strip()
    assert json.loads((out / "tomcat-imp-pub.csr.json").read_text())["via"] == "ssh"


@pytest.mark.parametrize(
    ("version", "args", "says"),
    [
        ("12.5", ("--unit", "cup-xmpp", "--distribution", "multi"), "need Certificate Management"),
        ("14.0", ("--unit", "tomcat", "--san", "*.lab.example"), "wildcard"),
        ("14.0", ("--unit", "cup", "--distribution", "multi"), "no multi-server"),
        ("14.0", ("--unit", "tomcat", "--key", "ec384"), "takes RSA"),
    ],
)
async def test_a_bad_request_is_refused_before_any_csr_is_generated(
    open_lab: OpenLab,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    version: str,
    args: tuple[str, ...],
    says: str,
) -> None:
    lab = await open_lab(version)
    out = tmp_path / "csrs"
    code = await uccert("csr", *args, "--out", str(out), "--inventory", str(lab.inventory))
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: CSR request refused, nothing was changed") and says in err
    assert err.count("\n") == 1
    assert generated(lab) == []
    assert list(out.iterdir()) == []


def test_an_unknown_key_or_distribution_is_exit_2_before_reading_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "none.toml")
    args = ("csr", "--unit", "tomcat", "--out", str(tmp_path / "o"), "--inventory", missing)
    assert main([*args, "--key", "rsa8192"]) == 2
    assert "rsa2048, rsa3072, rsa4096, ec256, ec384" in capsys.readouterr().err
    assert main([*args, "--distribution", "both"]) == 2
    assert "use single" in capsys.readouterr().err
