"""§3 in the plan: HA off only where it was on, a sync wait before any restart, and exactly
those flags restored."""
# Steps are read off the Step union; a step of the wrong kind fails the test.
# mypy: disable-error-code="union-attr"
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from uccert.model import Plan, StepKind, Via

from .build import demo, with_ha
from .helpers import index, plan_for, positions


def ha_ids(kind: StepKind, plan: Plan) -> list[str]:
    return [s.id for s in plan.of_kind(kind)]


def test_ha_is_turned_off_in_every_group_that_was_on_and_restored_afterwards() -> None:
    plan = plan_for("cup")
    assert ha_ids(StepKind.HA_OFF, plan) == ["ha-off:prg-a", "ha-off:prg-b"]
    assert ha_ids(StepKind.HA_RESTORE, plan) == ["ha-restore:prg-a", "ha-restore:prg-b"]
    for s in (*plan.of_kind(StepKind.HA_OFF), *plan.of_kind(StepKind.HA_RESTORE)):
        assert s.via is Via.AXL and s.node is None and s.group == s.id.split(":")[1]
    assert {s.to_json()["expect"] for s in plan.of_kind(StepKind.HA_OFF)} == {"off"}
    assert {s.to_json()["expect"] for s in plan.of_kind(StepKind.HA_RESTORE)} == {"on"}


def test_a_group_with_ha_already_off_is_neither_turned_off_nor_restored() -> None:
    plan = plan_for("cup", with_ha(demo(), prg_b=False))
    assert ha_ids(StepKind.HA_OFF, plan) == ["ha-off:prg-a"]
    assert ha_ids(StepKind.HA_RESTORE, plan) == ["ha-restore:prg-a"]


def test_no_ha_steps_at_all_when_every_group_is_already_off() -> None:
    plan = plan_for("cup", with_ha(demo(), prg_a=False, prg_b=False))
    kinds = {s.kind for s in plan.steps}
    assert not kinds & {StepKind.HA_OFF, StepKind.HA_WAIT, StepKind.HA_RESTORE}


def test_ha_wait_comes_after_every_ha_off_and_before_the_first_restart_and_regen() -> None:
    plan = plan_for("all")
    wait = index(plan, "ha-wait")
    assert max(positions(plan, StepKind.HA_OFF)) < wait
    assert wait < min(positions(plan, StepKind.REGENERATE))
    assert wait < min(positions(plan, StepKind.RESTART))
    assert len(plan.of_kind(StepKind.HA_WAIT)) == 1


def test_ha_is_restored_after_the_last_restart_and_verification() -> None:
    plan = plan_for("all")
    restores = positions(plan, StepKind.HA_RESTORE)
    assert min(restores) > max(positions(plan, StepKind.RESTART))
    assert min(restores) > max(positions(plan, StepKind.VERIFY))
    assert restores == list(range(len(plan.steps) - len(restores), len(plan.steps)))


def test_only_groups_with_a_restarted_node_are_touched() -> None:
    plan = plan_for("cup", nodes=("imp-sub2",))
    assert ha_ids(StepKind.HA_OFF, plan) == ["ha-off:prg-b"]
    assert ha_ids(StepKind.HA_RESTORE, plan) == ["ha-restore:prg-b"]


def test_cucm_restarts_need_no_ha_change() -> None:
    plan = plan_for("tomcat,ipsec", nodes="cucm")
    assert not plan.of_kind(StepKind.HA_OFF) and not plan.of_kind(StepKind.HA_WAIT)


def test_the_ha_wait_uses_the_plans_timing() -> None:
    plan = plan_for("cup")
    assert "120 s" in plan.step("ha-wait").reason
