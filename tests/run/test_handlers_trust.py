"""The trust and service handlers on an in-process cluster (the lab's state model): deletes,
pre-stops and starts of a prune, the ipsec-trust import, restarts after an upload, and the
per-node verification, each path in milliseconds."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from builders import expired_ca_pem
from uccert.model import (
    DeleteTrustStep,
    ImportTrustStep,
    Plan,
    StartStep,
    Step,
    StopStep,
    UploadRestartStep,
    VerifyClusterStep,
    VerifyNodeStep,
    VerifyTrustsGoneStep,
    Via,
)
from uccert.plan import PruneRequest, plan_prune
from uccert.run.records import StepOutcome
from uccert.run.steps import StepFailed, execute

from .fake_cluster import LabCluster, context, events, make_lab, run_plan

pytestmark = pytest.mark.pure

CCN = "Cisco Certificate Change Notification"
ROUTER = "Cisco XCP Router"
STORE = "tomcat-trust"


def plan_of(*steps: Step) -> Plan:
    return Plan("minimal", "uccert trust prune", steps)


def holders(cluster: LabCluster, serial: str) -> list[str]:
    return [
        n
        for n in cluster.lab.node_names()
        if any(format(t.cert.serial_number, "x") == serial for t in cluster.lab.trust_certs(n))
    ]


def imported(cluster: LabCluster, *nodes: str) -> DeleteTrustStep:
    """An old CA cert an admin imported into tomcat-trust on ``nodes`` (every node when none
    are named), and the step that deletes it on the first of them."""
    pem = expired_ca_pem()
    on = nodes or tuple(cluster.lab.node_names())
    held, *_ = [cluster.lab.import_trust(n, STORE, pem, "ssh") for n in on]
    serial = format(held.cert.serial_number, "x")
    return DeleteTrustStep(
        id=f"delete-trust:{on[0]}:{STORE}:{serial}",
        node=on[0],
        store=STORE,
        file=held.file,
        serial=serial,
    )


async def test_a_delete_is_done_once_and_a_second_look_finds_it_gone(tmp_path: Path) -> None:
    cluster = LabCluster(make_lab("minimal", "14.0"))
    delete = imported(cluster)
    assert len(holders(cluster, delete.serial)) == 3
    gone = VerifyTrustsGoneStep(
        id=f"verify:imp-pub:{STORE}", node="imp-pub", store=STORE, serials=(delete.serial,)
    )
    ctx = context(plan_of(delete, gone), cluster, tmp_path)
    assert (await execute(delete, ctx)).outcome is StepOutcome.DONE
    assert holders(cluster, delete.serial) == [], "from 11.0 a delete reaches every node"
    again = await execute(delete, ctx)
    assert (again.outcome, again.detail) == (StepOutcome.ALREADY, f"{delete.file} already gone")
    assert len([c for c in cluster.calls if "set cert delete" in c]) == 1
    assert (await execute(gone, ctx)).outcome is StepOutcome.DONE


async def test_before_11_0_a_delete_put_back_by_a_peer_fails_the_step_saying_so(
    tmp_path: Path,
) -> None:
    cluster = LabCluster(make_lab("minimal", "10.5"))
    delete = imported(cluster, "imp-pub", "imp-sub1")
    ctx = context(plan_of(delete), cluster, tmp_path)
    with pytest.raises(StepFailed, match="still in tomcat-trust after the delete") as failed:
        await execute(delete, ctx)
    assert "Certificate Change Notification" in str(failed.value)
    assert "imp-pub" in holders(cluster, delete.serial)


async def test_before_11_0_ccn_stopped_everywhere_lets_the_deletes_stick_and_starts_again(
    tmp_path: Path,
) -> None:
    cluster = LabCluster(make_lab("minimal", "10.5"))
    first = imported(cluster)
    nodes = holders(cluster, first.serial)
    deletes = [
        DeleteTrustStep(
            id=f"delete-trust:{n}:{STORE}:{first.serial}",
            node=n,
            store=STORE,
            file=first.file,
            serial=first.serial,
        )
        for n in nodes
    ]
    stops = [StopStep(id=f"stop:{n}:{CCN}", node=n, service=CCN, serves=(STORE,)) for n in nodes]
    starts = [StartStep(id=f"start:{n}:{CCN}", node=n, service=CCN, serves=(STORE,)) for n in nodes]
    plan = plan_of(*stops, *deletes, *starts)
    ctx = context(plan, cluster, tmp_path)
    records = [await execute(s, ctx) for s in plan.steps]
    assert {r.outcome for r in records} == {StepOutcome.DONE}
    assert holders(cluster, first.serial) == []
    assert all(cluster.lab.service_state(n, CCN).state == "Started" for n in nodes)
    # A resumed prune whose deletes are all done does not stop the service a second time.
    resumed = context(plan, cluster, tmp_path, earlier={r.id: r.to_json() for r in records})
    again = await execute(stops[0], resumed)
    assert again.outcome is StepOutcome.ALREADY and "not stopped again" in again.detail
    downs = events(cluster.lab, "service-state", nodes[0], service=CCN, state="Stopping")
    assert len(downs) == 1


async def test_the_ipsec_trust_repair_imports_the_publishers_current_cert_once(
    tmp_path: Path,
) -> None:
    cluster = LabCluster(make_lab("minimal", "14.0"))
    pub = await cluster.identity("cucm-pub", "ipsec")
    (entry,) = [t for t in await cluster.trusts("imp-sub1", "ipsec-trust") if "cucm-pub" in t.file]
    cluster.lab.delete_trust("imp-sub1", "ipsec-trust", entry.file, "lab")
    step = ImportTrustStep(
        id="import-trust:imp-sub1:ipsec-trust",
        node="imp-sub1",
        store="ipsec-trust",
        unit="ipsec",
        source="cucm-pub",
        expected_serial=pub.serial,
    )
    ctx = context(plan_of(step), cluster, tmp_path)
    done = await execute(step, ctx)
    assert done.outcome is StepOutcome.DONE and pub.serial in done.detail
    held = await cluster.trusts("imp-sub1", "ipsec-trust")
    assert pub.serial in {t.cert.serial for t in held}
    assert (await execute(step, ctx)).outcome is StepOutcome.ALREADY
    assert len([c for c in cluster.calls if "set cert import" in c]) == 1


async def router_started(cluster: LabCluster, node: str = "imp-pub") -> datetime:
    status = (await cluster.service_status(node, [ROUTER]))[ROUTER]
    assert status.started_at is not None
    return status.started_at


def restart_after_upload(started_before: datetime | None) -> UploadRestartStep:
    return UploadRestartStep(
        id=f"restart:imp-pub:{ROUTER}",
        node="imp-pub",
        service=ROUTER,
        via=Via.SOAP,
        serves=("cup-xmpp",),
        start_time_before=None
        if started_before is None
        else started_before.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def router_restarts(cluster: LabCluster) -> int:
    return len(events(cluster.lab, "service-state", "imp-pub", service=ROUTER, state="Stopping"))


async def test_a_restart_after_an_upload_is_done_once_timed_by_the_start_time_read_before(
    tmp_path: Path,
) -> None:
    cluster = LabCluster(make_lab("minimal"))
    step = restart_after_upload(await router_started(cluster))
    ctx = context(plan_of(step), cluster, tmp_path)
    assert (await execute(step, ctx)).outcome is StepOutcome.DONE
    assert router_restarts(cluster) == 1
    again = await execute(step, ctx)
    assert again.outcome is StepOutcome.ALREADY and "already restarted after" in again.detail
    assert router_restarts(cluster) == 1


async def test_a_restart_after_an_upload_with_no_start_time_known_restarts(
    tmp_path: Path,
) -> None:
    cluster = LabCluster(make_lab("minimal"))
    step = restart_after_upload(None)
    done = await execute(step, context(plan_of(step), cluster, tmp_path))
    assert done.outcome is StepOutcome.DONE and router_restarts(cluster) == 1
    assert done.data["started_at"] is not None


async def test_verify_after_an_upload_fails_when_the_node_stores_another_serial(
    tmp_path: Path,
) -> None:
    cluster = LabCluster(make_lab("minimal"))
    stored = await cluster.identity("imp-pub", "cup-xmpp")
    fine = VerifyNodeStep(
        id="verify:imp-pub", node="imp-pub", units=("cup-xmpp",), uploaded_serial=stored.serial
    )
    ctx = context(plan_of(fine), cluster, tmp_path)
    assert (await execute(fine, ctx)).outcome is StepOutcome.DONE
    wrong = VerifyNodeStep(
        id="verify:imp-pub", node="imp-pub", units=("cup-xmpp",), uploaded_serial="abc123"
    )
    with pytest.raises(StepFailed, match=f"cup-xmpp is serial {stored.serial}, not the uploaded"):
        await execute(wrong, context(plan_of(wrong), cluster, tmp_path))


async def test_a_planned_prune_before_11_0_runs_stop_delete_start_and_the_cert_stays_gone(
    tmp_path: Path,
) -> None:
    cluster = LabCluster(make_lab("minimal", "10.5"))
    expired = imported(cluster)
    plan = plan_prune(await cluster.snapshot(), PruneRequest(command="uccert trust prune"))
    assert {s.node for s in plan.of_type(DeleteTrustStep)} == set(cluster.lab.node_names())
    assert CCN in {s.service for s in plan.of_type(StopStep)}, "10.5 stops CCN before deletes"
    ran = await run_plan(plan, cluster, tmp_path)
    assert ran.outcome.succeeded, ran.outcome.reason
    assert holders(cluster, expired.serial) == []
    for stop in plan.of_type(StopStep):
        assert cluster.lab.service_state(stop.node, stop.service).state == "Started"
        downs = events(cluster.lab, "service-state", stop.node, service=stop.service)
        assert [e.data["state"] for e in downs][:2] == ["Stopping", "Stopped"]
    assert all(o == [StepOutcome.DONE] for o in map(ran.outcome_of, (s.id for s in plan.steps)))


async def test_the_final_check_fails_naming_a_service_left_down_on_a_node_the_run_touched(
    tmp_path: Path,
) -> None:
    cluster = LabCluster(make_lab("minimal"))
    step = restart_after_upload(None)
    final = VerifyClusterStep(id="verify:cluster", codes=("service-not-running",))
    ctx = context(plan_of(step, final), cluster, tmp_path)
    await execute(step, ctx)
    assert (await execute(final, ctx)).outcome is StepOutcome.DONE
    cluster.lab.control_service("imp-pub", "Cisco SIP Proxy", "stop", "lab")
    cluster.lab.run_until_idle()
    with pytest.raises(StepFailed, match="verification found: imp-pub service-not-running"):
        await execute(final, ctx)
