"""ClusterClient reads every node of a lab over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

import asyncssh
import pytest

from uccert.cluster import ClusterClient, snapshot_clusters
from uccert.lab.servers.runtime import RunningLab, running_lab
from uccert.lab.state import Fault, FaultKind
from uccert.model import Product, Role, Snapshot
from uccert.transport import KnownHostsStore
from uccert.transport.tls_pins import TlsPinStore

from .conftest import cluster_of, pin_lab

pytestmark = pytest.mark.timeout(60)

IMP_UNITS = {"cup", "cup-xmpp", "cup-xmpp-s2s", "ipsec", "tomcat"}


def client(lab: RunningLab, concurrency: int = 4) -> ClusterClient:
    config, creds = cluster_of(lab)
    return ClusterClient(config, creds, lab.inventory.parent, concurrency)


def lab_serials(lab: RunningLab, node: str) -> dict[str, str]:
    return {o.unit: format(o.cert.serial_number, "x") for o in lab.lab.own_certs(node)}


def assert_matches_lab(snap: Snapshot, lab: RunningLab) -> None:
    assert [n.node.name for n in snap.nodes] == lab.lab.node_names()
    for n in snap.nodes:
        assert n.error is None, n.error
        assert {c.unit: c.serial for c in n.identities} == lab_serials(lab, n.node.name)
        trusts = {(t.store, f"{t.store}/{t.file}", t.cert.serial) for t in n.trusts}
        expected = {
            (t.store, t.file, format(t.cert.serial_number, "x"))
            for t in lab.lab.trust_certs(n.node.name)
        }
        assert trusts == expected
        assert n.node.version == lab.lab.display_version(n.node.name)


async def test_cli_path_reads_every_node_with_the_labs_serials(demo_lab: RunningLab) -> None:
    snap = await client(demo_lab).snapshot()
    assert_matches_lab(snap, demo_lab)
    roles = {n.node.name: (n.node.product, n.node.role) for n in snap.nodes}
    assert roles["cucm-pub"] == (Product.CUCM, Role.PUBLISHER)
    assert roles["imp-pub"] == (Product.IMP, Role.PUBLISHER)
    assert roles["imp-sub2"] == (Product.IMP, Role.SUBSCRIBER)
    for n in snap.nodes:
        if n.node.product is Product.IMP:
            assert {c.unit for c in n.identities} >= IMP_UNITS
            assert any(s.name == "Cisco XCP Router" for s in n.services)


async def test_unreachable_and_unpinned_nodes_are_reported_and_the_rest_read(
    demo_lab: RunningLab,
) -> None:
    """An unreachable node, or a publisher (it needs the CLI: HA states, replication) whose host
    key is not the pinned one, is that node's error. A 14 subscriber needs no SSH: with its SSH
    login refused it is still read."""
    demo_lab.lab.inject_fault(Fault(FaultKind.NODE_UNREACHABLE, "imp-pub", None, 1000))
    demo_lab.lab.inject_fault(Fault(FaultKind.LOGIN_REFUSED, "imp-sub3", None, 1000))
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    KnownHostsStore(demo_lab.inventory.parent).pin("127.0.0.1", demo_lab.ports["cucm-pub"], other)
    snap = await client(demo_lab).snapshot()
    by_name = {n.node.name: n for n in snap.nodes}
    assert by_name["imp-pub"].error and not by_name["imp-pub"].identities
    assert "uccert pin" in (by_name["cucm-pub"].error or "")
    others = [n for n in snap.nodes if n.node.name not in ("imp-pub", "cucm-pub")]
    assert len(others) == 4
    for n in others:
        assert n.error is None
        assert {c.unit: c.serial for c in n.identities} == lab_serials(demo_lab, n.node.name)


async def test_unreachable_publisher_gives_one_node_with_the_error(demo_lab: RunningLab) -> None:
    # SSH is down and AXL cannot be asked either (its TLS pin is gone): no node list at all.
    demo_lab.lab.inject_fault(Fault(FaultKind.NODE_UNREACHABLE, "cucm-pub", None, 1000))
    TlsPinStore(demo_lab.inventory.parent).unpin(demo_lab.lab.spec("cucm-pub").fqdn)
    snap = await client(demo_lab).snapshot()
    assert [(n.node.name, n.node.role) for n in snap.nodes] == [("cucm-pub", Role.PUBLISHER)]
    error = snap.nodes[0].error or ""
    assert "cannot list the cluster's nodes" in error
    assert "AXL discovery failed" in error and "show network cluster failed too" in error


async def test_publisher_ssh_down_still_lists_nodes_over_axl(demo_lab: RunningLab) -> None:
    demo_lab.lab.inject_fault(Fault(FaultKind.LOGIN_REFUSED, "cucm-pub", None, 1000))
    snap = await client(demo_lab).snapshot()
    assert [n.node.name for n in snap.nodes] == demo_lab.lab.node_names()
    by_name = {n.node.name: n for n in snap.nodes}
    assert by_name["cucm-pub"].error
    assert all(n.error is None for n in snap.nodes if n.node.name != "cucm-pub")


async def test_a_12_5_cluster_reads_the_same_over_the_cli(tmp_path: Path) -> None:
    async with running_lab(
        preset_name="minimal", version="12.5", time_scale=0, state_dir=tmp_path
    ) as lab:
        pin_lab(lab)
        snap = await client(lab).snapshot()
    assert_matches_lab(snap, lab)
    assert all(n.node.version.startswith("12.5") for n in snap.nodes)
    # before 14 everything is read over the CLI: one login per node, reused for every read
    assert dict(lab.ssh_logins) == dict.fromkeys(lab.lab.node_names(), 1)


async def test_clusters_share_one_bound(tmp_path: Path) -> None:
    async with running_lab(preset_name="minimal", time_scale=0, state_dir=tmp_path) as lab:
        pin_lab(lab)
        config, creds = cluster_of(lab)
        bound = asyncio.Semaphore(1)
        clients = [ClusterClient(config, creds, lab.inventory.parent, bound) for _ in range(2)]
        first, second = await snapshot_clusters(clients)
    assert_matches_lab(first, lab)
    assert [n.node for n in first.nodes] == [n.node for n in second.nodes]


async def test_concurrency_must_be_positive(demo_lab: RunningLab) -> None:
    with pytest.raises(ValueError, match="concurrency"):
        client(demo_lab, concurrency=0)


@pytest.mark.parametrize(
    ("preset", "expected"),
    [("demo", {"sip-federation", "xmpp-federation"}), ("minimal", set())],
)
async def test_federation_is_in_use_where_its_connection_manager_is_activated(
    tmp_path: Path, preset: Literal["demo", "minimal"], expected: set[str]
) -> None:
    """The planner restarts a federation connection manager only when the snapshot says the
    federation is in use (the demo lab activates both, the minimal lab neither)."""
    async with running_lab(preset_name=preset, time_scale=0, state_dir=tmp_path) as lab:
        pin_lab(lab)
        snap = await client(lab).snapshot()
    assert set(snap.features) == expected


async def test_https_clients_honour_the_inventorys_connect_timeout(tmp_path: Path) -> None:
    async with running_lab(preset_name="minimal", time_scale=0, state_dir=tmp_path) as lab:
        text = lab.inventory.read_text()
        lab.inventory.write_text(
            text.replace("[clusters.lab.timing]", "[clusters.lab.timing]\nconnect_timeout = 3.5")
        )
        targets = client(lab).targets
        for http in (targets.axl_http(), targets.soap_http("imp-pub", "imp-pub.lab.example")):
            async with http:
                assert http.timeout.connect == 3.5
                assert (await http.get("/axl/")).status_code < 500  # pinned TLS still works


def ed25519_ca_pem() -> str:
    """A CA cert with an Ed25519 key: one a trust store may hold but uccert cannot describe
    (CUCM and IM/P certs are RSA or EC)."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.x509.oid import NameOID

    key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Odd Ed25519 CA")])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x4D2)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, None)
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


@pytest.mark.parametrize("prefer_rest", [True, False], ids=["rest", "cli"])
async def test_a_cert_uccert_cannot_describe_is_a_warning_and_the_fleet_is_read(
    demo_lab: RunningLab, prefer_rest: bool
) -> None:
    """It once raised out of the node's read and ended every cluster's read with a traceback:
    one cert is now one warning on its node, and every node of both clusters is read."""
    demo_lab.lab.import_trust("imp-sub1", "tomcat-trust", ed25519_ca_pem(), via="lab")
    config, creds = cluster_of(demo_lab)
    bound = asyncio.Semaphore(8)
    clients = [
        ClusterClient(config, creds, demo_lab.inventory.parent, bound, prefer_rest=prefer_rest)
        for _ in range(2)
    ]
    for snap in await snapshot_clusters(clients):
        assert [n.error for n in snap.nodes] == [None] * len(demo_lab.lab.node_names())
        odd = next(n for n in snap.nodes if n.node.name == "imp-sub1")
        [warning] = [w for w in odd.warnings if "Ed25519" in w]
        assert warning.startswith("tomcat-trust/")
        assert "not read" in warning
        assert not any("Odd Ed25519 CA" in t.cert.subject_cn for t in odd.trusts)
        assert len(odd.trusts) >= 1  # its other trust certs were read
        assert all(
            not n.warnings for n in snap.nodes if n.node.name not in ("imp-sub1", "cucm-pub")
        )


def services_of(snap: Snapshot) -> dict[str, set[tuple[object, ...]]]:
    return {
        n.node.name: {(s.name, s.state, s.activated, s.reason, s.started_at) for s in n.services}
        for n in snap.nodes
    }


async def test_a_14_read_logs_in_only_where_the_cli_is_needed(demo_lab: RunningLab) -> None:
    """On 14 and later version and services come from Control Center and certs from REST; only
    the publishers are logged in to (HA states, replication, the DRF master's time zone), once
    each. The services read the same as over the CLI."""
    https = await client(demo_lab).snapshot()
    assert_matches_lab(https, demo_lab)
    assert dict(demo_lab.ssh_logins) == {"cucm-pub": 1, "imp-pub": 1}
    pub = next(n for n in https.nodes if n.node.name == "imp-pub")
    assert pub.ha_states and pub.replication
    demo_lab.ssh_logins.clear()
    over_cli = await ClusterClient(
        *cluster_of(demo_lab), demo_lab.inventory.parent, 4, prefer_rest=False
    ).snapshot()
    assert dict(demo_lab.ssh_logins) == dict.fromkeys(demo_lab.lab.node_names(), 1)
    assert services_of(https) == services_of(over_cli)
    drf = [s for n in https.nodes for s in n.services if s.started_at is not None]
    assert drf, "the DRF master's start time is read (drf-restart-pending compares it)"


async def test_a_node_whose_control_center_fails_is_read_over_ssh(demo_lab: RunningLab) -> None:
    demo_lab.lab.inject_fault(
        Fault(FaultKind.CONTROLCENTER_FAILS, "imp-sub2", "getProductInformationList", 1)
    )
    snap = await client(demo_lab).snapshot()
    assert_matches_lab(snap, demo_lab)
    assert dict(demo_lab.ssh_logins) == {"cucm-pub": 1, "imp-pub": 1, "imp-sub2": 1}
