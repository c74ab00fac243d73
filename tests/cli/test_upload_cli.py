"""The CA-signed route over a lab on loopback: `uccert csr` -> `uccert lab ca sign` ->
`uccert upload --no-restart`, then (restarts simulated on the lab) the wire shows the new
chain."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from uccert.ca.chain import Chain, build_chain
from uccert.ca.upload_checks import UploadPlan
from uccert.cli import main
from uccert.cluster import NodeTargets
from uccert.cluster.verify_wire import WireCheck, verify_on_wire
from uccert.config import load_inventory, resolve_credentials
from uccert.lab.ca import LabCa, init_ca, load_csr, sign_csr, write_cert
from uccert.lab.servers.runtime import RunningLab
from uccert.lab.state import Fault, FaultKind
from uccert.model import Distribution, Node, Product, Role

pytestmark = pytest.mark.timeout(120)

OpenLab = Callable[[str], Awaitable[RunningLab]]
CHANGES = ("trust-added", "cert-uploaded")


async def uccert(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


def changes(lab: RunningLab) -> list[tuple[str, str]]:
    return [(e.node, e.kind) for e in lab.lab.events if e.kind in CHANGES]


async def csr_and_sign(
    lab: RunningLab, tmp: Path, unit: str, node: str, distribution: str = "single"
) -> tuple[Path, LabCa]:
    out = tmp / "csrs"
    args = ("--unit", unit, "--distribution", distribution, "--out", str(out))
    assert await uccert("csr", *args, "--inventory", str(lab.inventory)) == 0
    ca = init_ca(tmp / "ca")
    name = f"{unit}-multi-{node}" if distribution == "multi" else f"{unit}-{node}"
    assert (
        await uccert("lab", "ca", "sign", str(out / f"{name}.csr"), "--dir", str(ca.directory)) == 0
    )
    return out / f"{name}.pem", ca


async def upload(lab: RunningLab, unit: str, cert: Path, chain: Path, *extra: str) -> int:
    """Store only (--no-restart): these tests drive the lab's restarts themselves; the run
    that restarts after an upload is tested in tests/run/test_upload_apply.py."""
    return await uccert(
        "upload", "--unit", unit, "--cert", str(cert), "--chain", str(chain),
        "--inventory", str(lab.inventory), "--no-restart", *extra,
    )  # fmt: skip


def targets_of(lab: RunningLab) -> NodeTargets:
    config = load_inventory(lab.inventory).clusters["lab"]
    creds = resolve_credentials(config.credentials, cluster="lab", environ={})
    return NodeTargets(config, creds, lab.inventory.parent)


def nodes_of(lab: RunningLab) -> dict[str, Node]:
    return {
        n.name: Node(n.name, n.fqdn, Product(n.product), Role(n.role), n.version)
        for n in lab.lab.topology.nodes
    }


def plan_of(unit: str, leaf: x509.Certificate, ca: LabCa, covers: tuple[str, ...]) -> UploadPlan:
    chain, problems = build_chain(leaf, [ca.intermediate, ca.root])
    assert problems == []
    dist = Distribution.MULTI if len(covers) > 1 else Distribution.SINGLE
    return UploadPlan("lab", unit, dist, covers[0], True, covers, (), chain, ())


async def restart(lab: RunningLab, node: str, service: str) -> None:
    """Restart ``service`` on the lab, then have each of the node's listeners look at the lab
    once: on their own they look every 20 ms, which a loaded machine may not have done yet
    when the test reads the wire."""
    lab.lab.control_service(node, service, "restart", via="lab")
    lab.clock.settle()
    for listener in (lab.https_listeners[node], *lab.tls_listeners.get(node, {}).values()):
        await listener.sync()


async def wire(lab: RunningLab, plan: UploadPlan) -> tuple[WireCheck, ...]:
    return await verify_on_wire(targets_of(lab), plan, nodes_of(lab))


async def test_single_node_tomcat_on_14_uploads_trust_then_identity_over_rest(
    open_lab: OpenLab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lab = await open_lab("14.0")
    signed, ca = await csr_and_sign(lab, tmp_path, "tomcat", "imp-pub")
    leaf = x509.load_pem_x509_certificate(signed.read_bytes())
    capsys.readouterr()
    assert await upload(lab, "tomcat", signed, ca.chain_path, "--yes") == 0
    out = capsys.readouterr().out
    assert changes(lab) == [
        ("imp-pub", "trust-added"),
        ("imp-pub", "trust-added"),
        ("imp-pub", "cert-uploaded"),
    ]
    stored = {
        n: o for n in lab.lab.node_names() for o in lab.lab.own_certs(n) if o.unit == "tomcat"
    }
    assert stored["imp-pub"].cert == leaf
    assert stored["imp-pub"].description == "Certificate Signed by uccert Lab Issuing CA"
    assert stored["imp-sub1"].description.startswith("Self-signed")
    assert "imp-pub: Cisco Tomcat — `utils service restart Cisco Tomcat`" in out
    assert "Cisco Intercluster Sync Agent" in out  # CA certs reached the IM/P publisher
    plan = plan_of("tomcat", leaf, ca, ("imp-pub",))
    (before,) = await wire(lab, plan)
    assert not before.ok and "restart Cisco Tomcat" in before.detail
    await restart(lab, "imp-pub", "Cisco Tomcat")
    (after,) = await wire(lab, plan)
    assert after.ok, after.detail
    other = init_ca(tmp_path / "other-ca")
    wrong_root = replace(plan, chain=Chain((leaf, other.root), complete=True))
    (refused,) = await wire(lab, wrong_root)
    assert not refused.ok and "does not validate against the uploaded root" in refused.detail


async def test_multi_server_cup_xmpp_on_14_is_uploaded_once_and_every_imp_node_has_it(
    open_lab: OpenLab, tmp_path: Path
) -> None:
    lab = await open_lab("14.0")
    signed, ca = await csr_and_sign(lab, tmp_path, "cup-xmpp", "imp-pub", "multi")
    leaf = x509.load_pem_x509_certificate(signed.read_bytes())
    assert await upload(lab, "cup-xmpp", signed, ca.chain_path, "--yes") == 0
    uploads = [e for e in lab.lab.events if e.kind == "cert-uploaded"]
    assert [(e.node, e.data["via"]) for e in uploads] == [("imp-pub", "rest"), ("imp-sub1", "rest")]
    for node in ("imp-pub", "imp-sub1"):
        (own,) = [o for o in lab.lab.own_certs(node) if o.unit == "cup-xmpp"]
        assert own.cert == leaf
    plan = plan_of("cup-xmpp", leaf, ca, ("imp-pub", "imp-sub1"))
    for node in ("imp-pub", "imp-sub1"):
        await restart(lab, node, "Cisco XCP Router")
    checks = await wire(lab, plan)
    assert [c.ok for c in checks] == [True, True], checks


async def test_single_node_tomcat_on_12_5_goes_over_ssh_one_login_per_node(
    open_lab: OpenLab, tmp_path: Path
) -> None:
    """Before 14 everything goes over the admin CLI: each command (the read, the pending CSRs,
    two CA certs, the identity, the read-back) logs in to each node once (10-15 s each)."""
    lab = await open_lab("12.5")
    every_node_once = {name: 1 for name in lab.lab.node_names()}
    lab.ssh_logins.clear()
    signed, ca = await csr_and_sign(lab, tmp_path, "tomcat", "imp-sub1")
    assert dict(lab.ssh_logins) == every_node_once  # `uccert csr`
    lab.ssh_logins.clear()
    assert await upload(lab, "tomcat", signed, ca.chain_path, "--yes") == 0
    assert dict(lab.ssh_logins) == every_node_once  # `uccert upload`
    assert [(e.node, e.kind, e.data["via"]) for e in lab.lab.events if e.kind in CHANGES] == [
        ("imp-sub1", "trust-added", "ssh"),
        ("imp-sub1", "trust-added", "ssh"),
        ("imp-sub1", "cert-uploaded", "ssh"),
    ]
    (own,) = [o for o in lab.lab.own_certs("imp-sub1") if o.unit == "tomcat"]
    assert own.cert == x509.load_pem_x509_certificate(signed.read_bytes())


async def test_a_second_upload_skips_cas_already_in_the_trust_store(
    open_lab: OpenLab, tmp_path: Path
) -> None:
    lab = await open_lab("14.0")
    signed, ca = await csr_and_sign(lab, tmp_path, "tomcat", "imp-pub")
    assert await upload(lab, "tomcat", signed, ca.chain_path, "--yes") == 0
    csr = load_csr(lab.lab.generate_csr("imp-pub", "tomcat").encode(), "csr")
    again = tmp_path / "again.pem"
    write_cert(again, sign_csr(ca, csr))
    before = len(changes(lab))
    assert await upload(lab, "tomcat", again, ca.chain_path, "--yes") == 0
    assert changes(lab)[before:] == [("imp-pub", "cert-uploaded")]


async def test_a_node_refusing_the_identity_says_what_was_already_uploaded(
    open_lab: OpenLab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lab = await open_lab("12.5")
    signed, ca = await csr_and_sign(lab, tmp_path, "tomcat", "imp-sub1")
    fault = Fault(FaultKind.COMMAND_FAILS, "imp-sub1", "set cert import own", 1)
    lab.lab.inject_fault(fault)
    capsys.readouterr()
    assert await upload(lab, "tomcat", signed, ca.chain_path, "--yes") == 1
    err = capsys.readouterr().err
    assert "already uploaded: imp-sub1 tomcat-trust" in err and err.count("\n") == 1
    assert "uccert upload` again" in err
    # running it again skips the CA certs already there and installs the identity
    assert await upload(lab, "tomcat", signed, ca.chain_path, "--yes") == 0
    assert [e.kind for e in lab.lab.events if e.kind in CHANGES] == [
        "trust-added",
        "trust-added",
        "cert-uploaded",
    ]


def _foreign_csr(fqdn: str) -> x509.CertificateSigningRequest:
    key = rsa.generate_private_key(65537, 2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, fqdn)])
    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(name)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(fqdn)]), critical=False)
        .sign(key, hashes.SHA256())
    )


async def test_each_bad_leaf_is_refused_with_its_reason_before_any_change(
    open_lab: OpenLab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lab = await open_lab("14.0")
    ca = init_ca(tmp_path / "ca")
    state = lab.lab
    fqdn = state.spec("imp-pub").fqdn
    pending = load_csr(state.generate_csr("imp-pub", "tomcat").encode(), "csr")
    now = dt.datetime.now(dt.UTC)
    root_only = tmp_path / "root-only.pem"
    write_cert(root_only, ca.root)
    cases = {
        "key does not match": (sign_csr(ca, _foreign_csr(fqdn)), ca.chain_path, "matches no CSR"),
        "chain does not build": (sign_csr(ca, pending), root_only, "the chain does not build"),
        "wildcard": (
            sign_csr(ca, pending, extra_names=["*.lab.example"]),
            ca.chain_path,
            "refuse wildcard",
        ),
        "expired": (
            sign_csr(ca, pending, not_before=now - dt.timedelta(days=10), days=1),
            ca.chain_path,
            "the certificate expired on",
        ),
    }
    for label, (leaf, chain, reason) in cases.items():
        cert = tmp_path / f"{label}.pem"
        cert.write_bytes(leaf.public_bytes(Encoding.PEM))
        capsys.readouterr()
        code = await upload(lab, "tomcat", cert, chain, "--yes")
        err = capsys.readouterr().err
        assert code == 2, label
        assert err.startswith("error: upload refused, nothing was changed"), (label, err)
        assert reason in err and err.count("\n") == 1, (label, err)
        assert changes(lab) == [], label
        assert state.pending_csr("imp-pub", "tomcat") is not None


async def test_without_yes_and_without_a_terminal_nothing_is_uploaded(
    open_lab: OpenLab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lab = await open_lab("14.0")
    signed, ca = await csr_and_sign(lab, tmp_path, "tomcat", "imp-pub")
    capsys.readouterr()
    assert await upload(lab, "tomcat", signed, ca.chain_path) == 2
    assert "pass --yes" in capsys.readouterr().err
    assert changes(lab) == []


def test_a_file_that_is_not_pem_is_exit_2_before_reading_the_cluster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "leaf.pem"
    bad.write_text("hello")
    code = main(["upload", "--unit", "tomcat", "--cert", str(bad), "--inventory", "/nonexistent"])
    assert code == 2 and "holds no PEM certificate" in capsys.readouterr().err
