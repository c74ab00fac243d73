"""The HTTPS clients against a running lab (real sockets on 127.0.0.1, pinned TLS)."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from uccert.errors import ClusterError
from uccert.lab.servers.runtime import RunningLab, running_lab
from uccert.protocols.axl import AxlFault
from uccert.protocols.csr import csr_body
from uccert.transport.axl_client import AxlClient
from uccert.transport.certmgr_client import CertMgrClient, CertMgrRefused
from uccert.transport.controlcenter_client import ControlCenterClient
from uccert.transport.errors import (
    AuthenticationFailed,
    HttpConnectFailed,
    TlsPinMismatch,
    TlsPinUnknown,
)
from uccert.transport.http import HttpTarget, http_client
from uccert.transport.pinning import KnownHostsStore, fingerprint
from uccert.transport.tls_pins import TlsPinStore, cert_fingerprint, fetch_presented_cert

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def lab(tmp_path: Path) -> AsyncIterator[RunningLab]:
    async with running_lab(preset_name="minimal", state_dir=tmp_path) as running:
        yield running


def target(lab: RunningLab, node: str, pem: str | None = None) -> HttpTarget:
    entry = next(n for n in lab.ready["nodes"] if n["name"] == node)
    pinned = pem if pem is not None else TlsPinStore(lab.state_dir).pinned(entry["fqdn"])
    assert pinned is not None
    return HttpTarget(entry["fqdn"], entry["address"], entry["ports"]["https"], pinned)


def app_admin(lab: RunningLab) -> tuple[str, str]:
    return lab.credentials.app_admin.username, lab.credentials.app_admin.password


async def test_lab_pin_files_load_with_the_clients_stores(lab: RunningLab) -> None:
    pins = TlsPinStore(lab.state_dir)
    for n in lab.lab.topology.nodes:
        pem = pins.pinned(n.fqdn)
        assert pem is not None
        cert = x509.load_pem_x509_certificate(pem.encode())
        assert cert == lab.lab.presented_cert(n.name, "tomcat")
        [key] = KnownHostsStore(lab.state_dir).pinned("127.0.0.1", lab.ports[n.name])
        assert key.fingerprint == fingerprint(lab.host_public_key)
    for name in ("tls_pins.json", "known_hosts"):
        assert stat.S_IMODE((lab.state_dir / name).stat().st_mode) == 0o600


async def test_axl_lists_nodes_groups_and_turns_ha_off_and_on(lab: RunningLab) -> None:
    async with http_client(target(lab, "cucm-pub"), app_admin(lab)) as http:
        client = AxlClient(http, "14.0")
        assert await client.ccm_version() == lab.lab.display_version("cucm-pub")
        nodes = {n.name: n.role for n in await client.list_process_nodes()}
        assert nodes == {
            n.fqdn: ("cucm" if n.product == "cucm" else "imp") for n in lab.lab.topology.nodes
        }
        [group] = await client.list_groups()
        assert (group.name, group.ha_enabled) == ("DefaultCUPSubcluster", True)
        assert group.server1 == lab.lab.spec("imp-pub").fqdn
        await client.set_ha(group.name, False)
        assert not (await client.get_group(group.name)).ha_enabled
        await client.set_ha(group.name, True)
        with pytest.raises(AxlFault) as caught:
            await client.get_group("NoSuchGroup")
        assert caught.value.code == 5007
    changes = [(e.data["enabled"], e.data["via"]) for e in lab.lab.events if e.kind == "ha-changed"]
    assert changes == [(False, "axl"), (True, "axl")]


async def test_control_center_status_and_sip_proxy_restart(lab: RunningLab) -> None:
    fqdn = lab.lab.spec("imp-pub").fqdn
    seq = lab.lab.events[-1].seq if lab.lab.events else 0
    async with http_client(target(lab, "imp-pub"), app_admin(lab)) as http:
        client = ControlCenterClient(http, fqdn)
        status = (await client.status(["Cisco SIP Proxy"])).by_name()["Cisco SIP Proxy"]
        assert status.status == "Started" and status.start_time
        reply = await client.control(["Cisco SIP Proxy"], "Restart")
        assert reply.ok and reply.services[0].reason_code == -1
        everything = await client.status()
        assert "Cisco Tomcat" in everything.by_name()
    states = [
        (e.data["state"], e.data["via"])
        for e in lab.lab.events
        if e.seq > seq and e.kind == "service-state" and e.data["service"] == "Cisco SIP Proxy"
    ]
    assert states == [(s, "soap") for s in ("Stopping", "Stopped", "Starting", "Started")]


async def test_rest_snapshot_is_the_nodes_own_certs(lab: RunningLab) -> None:
    admin = lab.credentials.os_admin
    async with http_client(target(lab, "imp-pub"), (admin.username, admin.password)) as http:
        snap = await CertMgrClient(http).snapshot()
    assert snap.server == lab.lab.spec("imp-pub").fqdn
    assert [(i.service, i.certificate) for i in snap.identities] == [
        (o.unit, o.pem) for o in lab.lab.own_certs("imp-pub")
    ]
    files = {f for t in snap.trusts for f, _ in t.certificates}
    assert len(files) == len(lab.lab.trust_certs("imp-pub"))


async def test_another_nodes_cert_is_refused_before_anything_is_sent(lab: RunningLab) -> None:
    other = TlsPinStore(lab.state_dir).pinned(lab.lab.spec("imp-pub").fqdn)
    events = len(lab.lab.events)
    async with http_client(target(lab, "cucm-pub", pem=other), app_admin(lab)) as http:
        with pytest.raises(TlsPinMismatch) as caught:
            await AxlClient(http, "14.0").list_groups()
    message = str(caught.value)
    assert "uccert pin" in message and "\n" not in message
    assert caught.value.exit_code == 2
    assert len(lab.lab.events) == events


async def test_right_cert_for_the_wrong_name_is_refused(lab: RunningLab) -> None:
    t = target(lab, "cucm-pub")
    wrong = HttpTarget("imp-pub.elsewhere.example", t.address, t.port, t.pinned_pem)
    async with http_client(wrong, app_admin(lab)) as http:
        with pytest.raises(TlsPinMismatch):
            await AxlClient(http, "14.0").ccm_version()


async def test_wrong_password_is_authentication_failed(lab: RunningLab) -> None:
    async with http_client(target(lab, "cucm-pub"), ("ccmadministrator", "wrong")) as http:
        with pytest.raises(AuthenticationFailed, match="401"):
            await AxlClient(http, "14.0").ccm_version()


async def test_no_pin_is_refused_before_connecting() -> None:
    t = HttpTarget("x.example", "127.0.0.1", 1, "")
    with pytest.raises(TlsPinUnknown, match="uccert pin"):
        http_client(t, ("u", "p"))  # nothing pinned: refused before any connection


async def test_connection_refused_is_typed(lab: RunningLab) -> None:
    t = target(lab, "cucm-pub")
    async with http_client(HttpTarget(t.node_fqdn, t.address, 1, t.pinned_pem), ("u", "p")) as h:
        with pytest.raises(HttpConnectFailed):
            await h.get("/")


async def test_pin_probe_shows_the_presented_fingerprint(lab: RunningLab) -> None:
    t = target(lab, "imp-pub")
    cert = await fetch_presented_cert(t.address, t.port, t.node_fqdn)
    expected = lab.lab.presented_cert("imp-pub", "tomcat")
    assert expected is not None and cert_fingerprint(cert) == cert_fingerprint(expected)


async def test_pin_probe_of_a_closed_port_names_the_address_and_the_fix() -> None:
    with pytest.raises(ClusterError, match=r"127\.0\.0\.1:1\).*check the address, port"):
        await fetch_presented_cert("127.0.0.1", 1, "imp-pub.lab.example", timeout=5)


async def test_rest_csr_calls_and_a_refused_upload_says_what_the_node_said(
    lab: RunningLab,
) -> None:
    admin = lab.credentials.os_admin
    fqdn = lab.lab.spec("imp-pub").fqdn
    body = csr_body(
        "tomcat",
        multi_server=False,
        common_name=fqdn,
        key_type=None,
        key_length=None,
        alt_names=(),
    )
    stranger = lab.lab.own_certs("imp-sub1")[0].pem  # not signed from the pending CSR's key
    async with http_client(target(lab, "imp-pub"), (admin.username, admin.password)) as http:
        client = CertMgrClient(http)
        assert await client.pending_csr("tomcat") is None
        made = await client.generate_csr(body)
        subject = x509.load_pem_x509_csr(made.encode()).subject
        assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == fqdn
        assert await client.pending_csr("tomcat") == made
        events = len(lab.lab.events)
        with pytest.raises(CertMgrRefused) as refused:
            await client.add_identity("tomcat", stranger)
    assert refused.value.status == 500  # the lab answers a key mismatch as a node does
    assert "POST identity/certificates (tomcat) answered HTTP 500" in str(refused.value)
    assert "does not match a pending CSR for tomcat" in str(refused.value)
    assert [e.kind for e in lab.lab.events[events:]] == []
