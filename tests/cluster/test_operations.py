"""ClusterOps against the demo lab over loopback: every action the executor takes, checked
against the lab's own record of what happened (its events and state), not against our parsers.

One lab serves the module; each test works on its own node or service so the order does not
matter. Time is scaled (1 real second = 250 simulated ones) so restarts take about a second,
and the lab's clock starts a day back so the certs it issues are already valid by our clock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace

import pytest
import pytest_asyncio

from uccert.catalog import ServiceAction
from uccert.cluster.operations import (
    ClusterOps,
    OperationFailed,
    OperationTransient,
    ServiceFailed,
)
from uccert.config import ClusterCredentials, Secret
from uccert.lab.servers.runtime import RunningLab, running_lab
from uccert.lab.state import Event, Fault, FaultKind
from uccert.model import RunState, Via
from uccert.transport.tls_pins import TlsPinStore

from .conftest import cluster_of

pytestmark = [pytest.mark.timeout(90), pytest.mark.asyncio(loop_scope="module")]

TIME_SCALE = 0.004
WAIT = 30.0  # real seconds: a generous bound for any restart at this scale
POLL = 0.02
WIRE_UNITS = ("tomcat", "cup", "cup-xmpp", "cup-xmpp-s2s")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def lab(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningLab]:
    state_dir = tmp_path_factory.mktemp("ops-lab")
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)
    async with running_lab(
        preset_name="demo", time_scale=TIME_SCALE, state_dir=state_dir, start=start
    ) as running:
        yield running


def make_ops(lab: RunningLab, credentials: ClusterCredentials | None = None) -> ClusterOps:
    config, creds = cluster_of(lab)
    nodes = {n.name: n.fqdn for n in lab.lab.topology.nodes}
    return ClusterOps(config, credentials or creds, lab.inventory.parent, nodes)


@pytest_asyncio.fixture(loop_scope="module")
async def ops(lab: RunningLab) -> AsyncIterator[ClusterOps]:
    async with make_ops(lab) as opened:
        yield opened


@pytest.fixture(autouse=True)
def no_faults_left(lab: RunningLab) -> Iterator[None]:
    yield
    lab.lab.clear_faults()


def events_since(lab: RunningLab, mark: int, kind: str, node: str) -> list[Event]:
    return [e for e in lab.lab.events[mark:] if e.kind == kind and e.node == node]


def states(events: list[Event], service: str) -> list[tuple[object, object]]:
    return [(e.data["state"], e.data["via"]) for e in events if e.data["service"] == service]


def serial(lab: RunningLab, node: str, unit: str) -> str:
    own = {o.unit: o.cert for o in lab.lab.own_certs(node)}
    return format(own[unit].serial_number, "x")


async def eventually(check: Callable[[], bool], what: str, limit: float = WAIT) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"not within {limit} s: {what}")
        await asyncio.sleep(POLL)


def settled(lab: RunningLab, node: str, service: str, state: str) -> Callable[[], bool]:
    return lambda: lab.lab.service_state(node, service).state == state


# -- certificates ------------------------------------------------------------------------------


async def test_regenerate_changes_the_serial_and_the_lab_logs_one_regeneration(
    lab: RunningLab, ops: ClusterOps
) -> None:
    node = "cucm-sub1"
    before = await ops.identity(node, "tomcat")
    assert before.serial == serial(lab, node, "tomcat")
    mark = len(lab.lab.events)
    await ops.regenerate(node, "tomcat")
    after = await ops.identity(node, "tomcat")
    assert after.serial != before.serial
    assert after.serial == serial(lab, node, "tomcat")
    regenerated = events_since(lab, mark, "cert-regenerated", node)
    assert [(e.data["unit"], e.data["old_serial"], e.data["new_serial"]) for e in regenerated] == [
        ("tomcat", before.serial, after.serial)
    ]
    assert regenerated[0].data["via"] == "ssh"
    assert after.self_signed and after.subject_cn == "cucm-sub1.lab.example"


async def test_a_drop_after_regen_is_transient_but_the_node_did_regenerate(
    lab: RunningLab, ops: ClusterOps
) -> None:
    node = "imp-sub2"
    old = serial(lab, node, "cup")
    lab.lab.inject_fault(Fault(FaultKind.DROP_AFTER_COMMAND, node, "set cert regen cup", 1))
    mark = len(lab.lab.events)
    with pytest.raises(OperationTransient, match=r"imp-sub2: set cert regen cup .*retry"):
        await ops.regenerate(node, "cup")
    assert len(events_since(lab, mark, "cert-regenerated", node)) == 1
    # The executor looks before it retries: the session is reopened and shows the new cert.
    assert (await ops.identity(node, "cup")).serial == serial(lab, node, "cup") != old


async def test_a_refused_regeneration_is_a_hard_failure(lab: RunningLab, ops: ClusterOps) -> None:
    lab.lab.inject_fault(Fault(FaultKind.COMMAND_FAILS, "imp-sub1", "set cert regen", 1))
    mark = len(lab.lab.events)
    with pytest.raises(OperationFailed, match=r"imp-sub1: set cert regen ipsec failed"):
        await ops.regenerate("imp-sub1", "ipsec")
    assert not events_since(lab, mark, "cert-regenerated", "imp-sub1")
    with pytest.raises(OperationFailed, match="show cert list own"):
        await ops.regenerate("imp-sub1", "no-such-unit")


async def test_trusts_are_the_labs_trust_stores(lab: RunningLab, ops: ClusterOps) -> None:
    read = await ops.trusts("imp-sub3")
    assert {(t.store, f"{t.store}/{t.file}", t.cert.serial) for t in read} == {
        (t.store, t.file, format(t.cert.serial_number, "x"))
        for t in lab.lab.trust_certs("imp-sub3")
    }


async def test_an_expired_trust_is_deleted_and_can_be_imported_again(
    lab: RunningLab, ops: ClusterOps
) -> None:
    node = "imp-pub"
    now = lab.lab.now_datetime()
    expired = next(t for t in lab.lab.trust_certs(node) if t.cert.not_valid_after_utc < now)
    store, file = expired.store, expired.file.split("/", 1)[1]
    mark = len(lab.lab.events)
    await ops.delete_trust(node, store, file)
    assert expired.file not in {t.file for t in lab.lab.trust_certs(node)}
    deleted = events_since(lab, mark, "trust-deleted", node)
    assert [(e.data["store"], e.data["via"]) for e in deleted] == [(store, "ssh")]

    await ops.import_trust(node, store, expired.pem)
    back = [t for t in lab.lab.trust_certs(node) if t.store == store]
    assert expired.cert.serial_number in {t.cert.serial_number for t in back}
    assert events_since(lab, mark, "trust-added", node)


# -- services ----------------------------------------------------------------------------------


async def test_service_status_reads_start_times_from_control_center(
    lab: RunningLab, ops: ClusterOps
) -> None:
    names = ["Cisco SIP Proxy", "Cisco XCP Router", "Cisco Tomcat", "No Such Service"]
    found = await ops.service_status("imp-sub3", names)
    assert list(found) == names
    for name in names[:3]:
        view = lab.lab.service_state("imp-sub3", name)
        assert found[name].state is RunState.STARTED
        assert view.started_at is not None
        started = lab.lab.now_datetime() - dt.timedelta(seconds=lab.lab.now - view.started_at)
        seen = found[name].started_at
        assert seen is not None and seen.tzinfo is not None
        assert abs((seen - started).total_seconds()) <= 2  # printed to the second, clock runs
    # as on a real node, Control Center reports a name it does not know as Stopped
    assert found["No Such Service"].state is RunState.STOPPED
    assert found["No Such Service"].started_at is None


async def test_restart_via_soap_is_logged_by_the_lab_as_soap(
    lab: RunningLab, ops: ClusterOps
) -> None:
    node, service = "imp-pub", "Cisco SIP Proxy"
    after = lab.lab.now_datetime()
    mark = len(lab.lab.events)
    await ops.control(node, service, ServiceAction.RESTART, Via.SOAP)
    status = await ops.wait_started(node, service, after, WAIT, POLL)
    assert status.state is RunState.STARTED
    assert status.started_at is not None and status.started_at >= after
    seen = states(events_since(lab, mark, "service-state", node), service)
    assert seen == [(s, "soap") for s in ("Stopping", "Stopped", "Starting", "Started")]


async def test_restart_via_ssh_is_logged_by_the_lab_as_ssh(
    lab: RunningLab, ops: ClusterOps
) -> None:
    node, service = "imp-pub", "Cisco Presence Engine"
    after = lab.lab.now_datetime()
    mark = len(lab.lab.events)
    await ops.control(node, service, ServiceAction.RESTART, Via.SSH)
    status = await ops.wait_started(node, service, after, WAIT, POLL)
    assert status.started_at is None or status.started_at >= after
    seen = states(events_since(lab, mark, "service-state", node), service)
    assert seen == [(s, "ssh") for s in ("Stopping", "Stopped", "Starting", "Started")]


async def test_tomcat_goes_over_ssh_even_when_soap_is_asked(
    lab: RunningLab, ops: ClusterOps
) -> None:
    node, service = "cucm-pub", "Cisco Tomcat"
    mark = len(lab.lab.events)
    await ops.control(node, service, ServiceAction.RESTART, Via.SOAP)
    await ops.wait_started(node, service, None, WAIT, POLL)
    vias = {via for _, via in states(events_since(lab, mark, "service-state", node), service)}
    assert vias == {"ssh"}


async def test_wait_started_returns_a_start_later_than_the_given_time(
    lab: RunningLab, ops: ClusterOps
) -> None:
    node, service = "imp-sub1", "Cisco XCP Router"
    before = (await ops.service_status(node, [service]))[service].started_at
    assert before is not None
    after = lab.lab.now_datetime()
    await ops.control(node, service, ServiceAction.RESTART, Via.SOAP)
    status = await ops.wait_started(node, service, after, WAIT, POLL)
    assert status.started_at is not None and status.started_at >= after > before


async def test_wait_started_times_out_on_a_stale_start(lab: RunningLab, ops: ClusterOps) -> None:
    future = lab.lab.now_datetime() + dt.timedelta(days=1)
    with pytest.raises(ServiceFailed, match=r"imp-sub1: Cisco SIP Proxy not Started within"):
        await ops.wait_started("imp-sub1", "Cisco SIP Proxy", future, 0.3, POLL)


@pytest.mark.parametrize("via", [Via.SOAP, Via.SSH])
async def test_a_service_that_fails_to_start_raises_service_failed_naming_it(
    lab: RunningLab, ops: ClusterOps, via: Via
) -> None:
    node, service = "imp-sub1", "Cisco Client Profile Agent"
    lab.lab.inject_fault(Fault(FaultKind.SERVICE_START_FAILS, node, service, 1))
    await ops.control(node, service, ServiceAction.RESTART, via)
    with pytest.raises(ServiceFailed, match=f"{node}: {service} is Stopped"):
        await ops.wait_started(node, service, None, WAIT, POLL)
    assert lab.lab.service_state(node, service).state == "Stopped"
    # the fault is used up: it starts again
    await ops.control(node, service, ServiceAction.START, via)
    assert (await ops.wait_started(node, service, None, WAIT, POLL)).state is RunState.STARTED


async def test_a_service_that_is_not_activated_cannot_be_controlled(
    lab: RunningLab, ops: ClusterOps
) -> None:
    service = "Cisco Certificate Authority Proxy Function"
    with pytest.raises(OperationFailed, match=r"cucm-pub: cannot start .*Not Activated"):
        await ops.control("cucm-pub", service, ServiceAction.START, Via.SOAP)
    with pytest.raises(OperationFailed, match="utils service start"):
        await ops.control("cucm-pub", service, ServiceAction.START, Via.SSH)


async def test_soap_refused_falls_back_to_ssh_and_says_why_without_the_password(
    lab: RunningLab, caplog: pytest.LogCaptureFixture
) -> None:
    _, creds = cluster_of(lab)
    wrong = Secret("not-the-password")
    bad = replace(creds, app_admin=replace(creds.app_admin, password=wrong))
    node, service = "imp-sub2", "Cisco XCP Authentication Service"
    mark = len(lab.lab.events)
    with caplog.at_level(logging.INFO, logger="uccert.cluster.operations"):
        async with make_ops(lab, bad) as ops:
            status = (await ops.service_status(node, [service]))[service]
            await ops.control(node, service, ServiceAction.RESTART, Via.SOAP)
            await ops.wait_started(node, service, None, WAIT, POLL)
    assert status.state is RunState.STARTED and status.started_at is None  # from the CLI
    vias = {via for _, via in states(events_since(lab, mark, "service-state", node), service)}
    assert vias == {"ssh"}
    assert "Control Center did not restart" in caplog.text and "using the CLI" in caplog.text
    assert "401" in caplog.text
    for secret in (wrong.reveal(), creds.app_admin.password.reveal()):
        assert secret not in caplog.text


async def test_after_tomcat_changes_status_still_comes_from_control_center_without_a_repin(
    lab: RunningLab, ops: ClusterOps
) -> None:
    node, fqdn = "imp-sub3", "imp-sub3.lab.example"
    pins = TlsPinStore(lab.inventory.parent)
    pinned = pins.pinned(fqdn)
    await ops.regenerate(node, "tomcat")
    changed = (await ops.identity(node, "tomcat")).not_before
    await ops.control(node, "Cisco Tomcat", ServiceAction.RESTART, Via.SSH)
    await ops.wait_started(node, "Cisco Tomcat", changed, WAIT, POLL)

    async def new_cert_on_the_wire() -> bool:
        # Started is not yet listening (the lab's port follows within ~20 ms; a real Tomcat
        # opens 8443 seconds after Service Manager says STARTED): look until it presents.
        presented = await ops.presented(node, "tomcat")
        return presented is not None and format(presented.serial_number, "x") == serial(
            lab, node, "tomcat"
        )

    await eventually_async(new_cert_on_the_wire, "the new tomcat cert on the wire")

    async def soap_time() -> bool:
        status = (await ops.service_status(node, ["Cisco Tomcat"]))["Cisco Tomcat"]
        return status.started_at is not None and status.started_at >= changed

    await eventually_async(soap_time, "Control Center answers with the new tomcat cert")
    assert pins.pinned(fqdn) == pinned  # trusted for the call, never written as a pin


async def eventually_async(check: Callable[[], Awaitable[bool]], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"not within {WAIT} s: {what}")
        await asyncio.sleep(POLL)


# -- wire --------------------------------------------------------------------------------------


async def test_presented_reads_all_four_units_as_the_lab_presents_them(
    lab: RunningLab, ops: ClusterOps
) -> None:
    node = "imp-sub3"
    for unit in WIRE_UNITS:
        cert = await ops.presented(node, unit)
        expected = lab.lab.presented_cert(node, unit)
        assert cert is not None and expected is not None, unit
        assert cert.serial_number == expected.serial_number, unit
    with pytest.raises(ValueError, match="no listener presents 'ipsec'"):
        await ops.presented(node, "ipsec")


async def test_presented_is_none_while_the_service_is_stopped(
    lab: RunningLab, ops: ClusterOps
) -> None:
    node, service = "imp-sub2", "Cisco SIP Proxy"
    await ops.control(node, service, ServiceAction.STOP, Via.SOAP)
    try:
        await eventually(settled(lab, node, service, "Stopped"), f"{service} stopped")
        await lab.tls_listeners[node]["sip_tls"].sync()
        assert await ops.presented(node, "cup") is None
    finally:
        await ops.control(node, service, ServiceAction.START, Via.SOAP)
        await ops.wait_started(node, service, None, WAIT, POLL)
    await lab.tls_listeners[node]["sip_tls"].sync()
    cert = await ops.presented(node, "cup")
    assert cert is not None and format(cert.serial_number, "x") == serial(lab, node, "cup")


# -- HA ----------------------------------------------------------------------------------------


async def test_ha_off_and_on_again_is_what_the_lab_shows(lab: RunningLab, ops: ClusterOps) -> None:
    def flag() -> bool:
        return next(g.ha_enabled for g in lab.lab.groups() if g.name == "Subcluster2")

    groups = {g.name: g for g in await ops.groups()}
    assert groups["Subcluster2"].server1 == "imp-sub2"
    assert groups["Subcluster2"].server2 == "imp-sub3"
    assert groups["Subcluster2"].ha_enabled is flag() is True
    mark = len(lab.lab.events)
    await ops.set_ha("Subcluster2", False)
    assert flag() is False
    assert not {g.name: g for g in await ops.groups()}["Subcluster2"].ha_enabled
    await ops.set_ha("Subcluster2", True)
    assert flag() is True
    changes = [
        (e.data["group"], e.data["enabled"])
        for e in lab.lab.events[mark:]
        if e.kind == "ha-changed"
    ]
    assert changes == [("Subcluster2", False), ("Subcluster2", True)]
    with pytest.raises(OperationFailed, match="no-such-group"):
        await ops.set_ha("no-such-group", False)


# -- errors ------------------------------------------------------------------------------------


async def test_an_unknown_node_is_a_failure_naming_the_known_ones(ops: ClusterOps) -> None:
    with pytest.raises(OperationFailed, match=r"nope is not a node of cluster lab.*imp-pub"):
        await ops.identity("nope", "tomcat")


async def test_an_unreachable_node_is_transient(lab: RunningLab) -> None:
    lab.lab.inject_fault(Fault(FaultKind.NODE_UNREACHABLE, "cucm-sub1", None, 1000))
    async with make_ops(lab) as ops:
        with pytest.raises(OperationTransient, match="cucm-sub1"):
            await ops.identity("cucm-sub1", "tomcat")


async def test_the_inventory_ports_are_the_ones_probed(lab: RunningLab) -> None:
    config, _ = cluster_of(lab)
    ready = {n["name"]: n["ports"] for n in lab.ready["nodes"]}
    over = config.nodes["imp-pub"]
    assert (over.sip_tls_port, over.xmpp_c2s_port, over.xmpp_s2s_port) == (
        ready["imp-pub"]["sip_tls"],
        ready["imp-pub"]["xmpp_c2s"],
        ready["imp-pub"]["xmpp_s2s"],
    )
