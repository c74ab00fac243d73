"""The executor's handlers on an in-process cluster (the lab's state model, virtual clock):
a regeneration run, what it does on the cluster, and what it refuses, in milliseconds.

The plan is the planner's, from a snapshot of the fake cluster; the handlers and the run loop
(``run_steps``) are the real ones. What is asserted is what an admin would see on the cluster
(serials, restarts, HA flags) and in the run's record.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from uccert.lab.state import Fault, FaultKind
from uccert.model import Plan, RegenerateStep, RestartStep, Snapshot
from uccert.plan import RegenRequest, parse_units, plan_regen
from uccert.run.records import StepOutcome
from uccert.run.steps import StepFailed, execute

from .fake_cluster import LabCluster, context, events, make_lab, run_plan

pytestmark = pytest.mark.pure

GROUP = "DefaultCUPSubcluster"  # imp-pub and imp-sub1 in the minimal lab, HA on
ROUTER = "Cisco XCP Router"


async def planned(cluster: LabCluster, units: str = "cup-xmpp") -> Plan:
    snapshot: Snapshot = await cluster.snapshot()
    return plan_regen(snapshot, RegenRequest(parse_units(units), "imp", command="uccert regen"))


def restarts_of(cluster: LabCluster, node: str, service: str = ROUTER) -> int:
    """How many times ``service`` went down on ``node`` (a restart goes Stopping first)."""
    return len(events(cluster.lab, "service-state", node, service=service, state="Stopping"))


def regenerations(cluster: LabCluster, node: str, unit: str = "cup-xmpp") -> int:
    return len(events(cluster.lab, "cert-regenerated", node, unit=unit))


def ha_on(cluster: LabCluster) -> bool:
    return next(g.ha_enabled for g in cluster.lab.groups() if g.name == GROUP)


@pytest.fixture
def cluster() -> LabCluster:
    return LabCluster(make_lab("minimal"))


async def test_a_run_regenerates_and_restarts_once_each_and_leaves_ha_as_it_was(
    cluster: LabCluster, tmp_path: Path
) -> None:
    plan = await planned(cluster)
    before = {s.node: s.replaces_serial for s in plan.of_type(RegenerateStep)}
    ran = await run_plan(plan, cluster, tmp_path)
    assert ran.outcome.succeeded, ran.outcome.reason
    for node, old in before.items():
        assert (await cluster.identity(node, "cup-xmpp")).serial != old
        assert regenerations(cluster, node) == 1
        assert restarts_of(cluster, node) == 1
    assert ha_on(cluster)
    changes = [e.data["enabled"] for e in events(cluster.lab, "ha-changed", group=GROUP)]
    assert changes == [False, True]
    assert {r.outcome for r in ran.records} == {StepOutcome.DONE}


async def test_each_restart_comes_after_the_cert_it_loads(
    cluster: LabCluster, tmp_path: Path
) -> None:
    plan = await planned(cluster)
    await run_plan(plan, cluster, tmp_path)
    for step in plan.of_type(RestartStep):
        cert = await cluster.identity(step.node, "cup-xmpp")
        status = (await cluster.service_status(step.node, [ROUTER]))[ROUTER]
        assert status.started_at is not None and status.started_at >= cert.not_before
        assert cluster.lab.presented_cert(step.node, "cup-xmpp") is not None
        presented = cluster.lab.presented_cert(step.node, "cup-xmpp")
        assert presented is not None and format(presented.serial_number, "x") == cert.serial


async def test_a_run_killed_before_ha_restore_resumes_by_looking_and_sends_only_what_is_left(
    cluster: LabCluster, tmp_path: Path
) -> None:
    plan = await planned(cluster)
    killed = context(plan, cluster, tmp_path)
    done = {}
    for step in plan.steps[: plan.steps.index(plan.step("verify:cluster"))]:
        done[step.id] = (await execute(step, killed)).to_json()
    sent = len(cluster.calls)
    resumed = await run_plan(plan, cluster, tmp_path, done)
    assert resumed.outcome.succeeded, resumed.outcome.reason
    assert cluster.calls[sent:] == [f"axl: set HA on on {GROUP}"], "the rest only looks"
    for step_id in [s.id for s in plan.of_type(RegenerateStep)] + [
        s.id for s in plan.of_type(RestartStep)
    ]:
        assert resumed.outcome_of(step_id) == [StepOutcome.ALREADY]
    assert resumed.outcome_of(f"ha-off:{GROUP}") == [StepOutcome.ALREADY]
    assert all(regenerations(cluster, s.node) == 1 for s in plan.of_type(RegenerateStep))
    assert all(restarts_of(cluster, s.node) == 1 for s in plan.of_type(RestartStep))


async def test_a_session_dropped_after_set_cert_regen_is_looked_at_not_repeated(
    cluster: LabCluster, tmp_path: Path
) -> None:
    fault = Fault(FaultKind.DROP_AFTER_COMMAND, "imp-pub", "set cert regen cup-xmpp", 1)
    cluster.lab.inject_fault(fault)
    ran = await run_plan(await planned(cluster), cluster, tmp_path)
    assert ran.outcome.succeeded, ran.outcome.reason
    assert regenerations(cluster, "imp-pub") == 1
    assert cluster.calls.count("imp-pub: set cert regen cup-xmpp") == 1
    assert any("set cert regen cup-xmpp" in n and "looking again" in n for n in ran.notes)
    assert ran.outcome_of("regenerate:imp-pub:cup-xmpp") == [StepOutcome.DONE]


async def test_a_session_dropped_after_a_restart_is_not_a_second_restart(
    cluster: LabCluster, tmp_path: Path
) -> None:
    command = f"utils service restart {ROUTER}"
    cluster.lab.inject_fault(Fault(FaultKind.DROP_AFTER_COMMAND, "imp-sub1", command, 1))
    ran = await run_plan(await planned(cluster), cluster, tmp_path)
    assert ran.outcome.succeeded, ran.outcome.reason
    assert restarts_of(cluster, "imp-sub1") == 1
    assert cluster.calls.count(f"imp-sub1: {command}") == 1
    assert any("took effect already; not sent again" in n for n in ran.notes)


async def test_a_failed_step_stops_the_run_and_its_safety_step_turns_ha_back_on(
    cluster: LabCluster, tmp_path: Path
) -> None:
    fault = Fault(FaultKind.COMMAND_FAILS, "imp-sub1", "set cert regen cup-xmpp", 1)
    cluster.lab.inject_fault(fault)
    plan = await planned(cluster)
    ran = await run_plan(plan, cluster, tmp_path)
    assert not ran.outcome.succeeded
    assert ran.outcome.failed_step == "regenerate:imp-sub1:cup-xmpp"
    assert "set cert regen cup-xmpp" in ran.outcome.reason
    assert ha_on(cluster)
    assert [r.split(":")[0] for r in ran.outcome.restored] == ["ha-restore"]
    assert ran.outcome.unrestored == ()
    assert restarts_of(cluster, "imp-pub") == 0, "nothing after the failed step ran"
    assert regenerations(cluster, "imp-sub1") == 0


async def test_a_resumed_run_finishes_the_plan_without_redoing_what_was_done(
    cluster: LabCluster, tmp_path: Path
) -> None:
    fault = Fault(FaultKind.COMMAND_FAILS, "imp-sub1", "set cert regen cup-xmpp", 1)
    cluster.lab.inject_fault(fault)
    plan = await planned(cluster)
    first = await run_plan(plan, cluster, tmp_path)
    assert not first.outcome.succeeded
    resumed = await run_plan(plan, cluster, tmp_path, first.earlier())
    assert resumed.outcome.succeeded, resumed.outcome.reason
    assert resumed.outcome_of("regenerate:imp-pub:cup-xmpp") == [StepOutcome.ALREADY]
    assert resumed.outcome_of("regenerate:imp-sub1:cup-xmpp") == [StepOutcome.DONE]
    assert regenerations(cluster, "imp-pub") == regenerations(cluster, "imp-sub1") == 1
    assert restarts_of(cluster, "imp-pub") == restarts_of(cluster, "imp-sub1") == 1
    assert ha_on(cluster)


async def test_ha_is_never_turned_back_on_over_a_service_that_did_not_start(
    cluster: LabCluster, tmp_path: Path
) -> None:
    cluster.lab.inject_fault(Fault(FaultKind.SERVICE_START_FAILS, "imp-sub1", ROUTER, 1))
    ran = await run_plan(await planned(cluster), cluster, tmp_path)
    assert not ran.outcome.succeeded
    assert ran.outcome.failed_step == f"restart:imp-sub1:{ROUTER}"
    assert not ha_on(cluster), "HA over a stopped critical service fails the node over"
    (refused,) = ran.outcome.unrestored
    assert refused.startswith(f"ha-restore:{GROUP}: HA left OFF")
    assert f"{ROUTER} on imp-sub1 is stopped" in refused
    assert f"imp-sub1 {ROUTER}: Stopped" in " ".join(ran.outcome.services)


async def test_a_failover_during_the_run_stops_it_at_the_next_service_step(
    cluster: LabCluster, tmp_path: Path
) -> None:
    plan = await planned(cluster)
    ctx = context(plan, cluster, tmp_path)
    first_restart = plan.of_type(RestartStep)[0]
    for step in plan.steps[: plan.steps.index(first_restart)]:
        await execute(step, ctx)
    cluster.lab.failover("imp-sub1", "lab")
    with pytest.raises(StepFailed, match="a failover happened during the run") as failed:
        await execute(first_restart, ctx)
    assert "imp-sub1" in str(failed.value) and "utils ha status" in str(failed.value)


async def test_ha_restore_waits_for_the_group_to_be_normal_and_says_so(
    cluster: LabCluster, tmp_path: Path
) -> None:
    ran = await run_plan(await planned(cluster), cluster, tmp_path)
    (restore,) = [r for r in ran.records if r.id == f"ha-restore:{GROUP}"]
    assert restore.detail == "HA on; imp-pub and imp-sub1 Normal"
    states = await cluster.ha_states("imp-pub")
    assert {s.state for s in states if s.group == GROUP} == {"Normal"}
