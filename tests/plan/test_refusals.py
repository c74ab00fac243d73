"""What the planner refuses to plan: an unread node it needs, a node that does not exist, a
version it cannot read, units that exist nowhere in scope."""

from __future__ import annotations

from dataclasses import replace

import pytest

from builders import node_of, with_node
from uccert.model import HaNodeState, ReplicationState, Snapshot, StepKind
from uccert.plan import PlanError, RegenRequest, plan_regen

from .build import demo
from .helpers import plan_for


def unreachable(name: str, reason: str = "SSH timed out") -> Snapshot:
    return with_node(demo(), name, identities=(), trusts=(), services=(), error=reason)


def test_an_unreachable_node_in_scope_is_refused_naming_node_and_reason() -> None:
    with pytest.raises(PlanError) as err:
        plan_for("cup", unreachable("imp-sub2"))
    assert "imp-sub2" in str(err.value) and "SSH timed out" in str(err.value)


def test_an_unreachable_cucm_publisher_is_refused_even_outside_the_scope() -> None:
    with pytest.raises(PlanError, match=r"cucm-pub .*connection refused.*CUCM publisher"):
        plan_for("cup", unreachable("cucm-pub", "connection refused"))


def test_an_unreachable_node_outside_the_scope_does_not_stop_the_plan() -> None:
    plan = plan_for("cup", unreachable("cucm-sub1"))
    assert plan.of_kind(StepKind.REGENERATE)


def test_a_cluster_without_a_cucm_publisher_is_refused() -> None:
    snap = demo()
    snap = replace(snap, nodes=tuple(n for n in snap.nodes if n.node.name != "cucm-pub"))
    with pytest.raises(PlanError, match="no CUCM publisher"):
        plan_for("cup", snap)


def test_a_named_node_that_does_not_exist_is_refused_listing_the_nodes() -> None:
    with pytest.raises(PlanError) as err:
        plan_for("cup", nodes=("imp-sub9",))
    assert "imp-sub9" in str(err.value) and "imp-sub3" in str(err.value)


def test_an_unknown_scope_keyword_is_refused() -> None:
    with pytest.raises(PlanError, match="--nodes 'everything'"):
        plan_regen(demo(), RegenRequest(("cup",), "everything"))


@pytest.mark.parametrize("version", ["", "  ", "fourteen"])
def test_a_node_in_scope_with_an_unknown_version_is_refused(version: str) -> None:
    snap = demo()
    pub = node_of(snap, "imp-pub")
    snap = with_node(snap, "imp-pub", node=replace(pub.node, version=version))
    with pytest.raises(PlanError, match=r"imp-pub's version .*show version active"):
        plan_for("cup", snap)


def test_units_that_exist_on_no_node_in_scope_are_refused() -> None:
    with pytest.raises(PlanError) as err:
        plan_for("cup,cup-xmpp", nodes="cucm")
    message = str(err.value)
    assert "cucm-pub, cucm-sub1" in message and "cup exists on IM/P nodes" in message


def test_ecdsa_twins_on_a_cluster_before_11_0_are_refused() -> None:
    with pytest.raises(PlanError, match=r"tomcat-ECDSA exists on CUCM and IM/P nodes \(11"):
        plan_for("tomcat-ECDSA", demo("10.5"))


def test_a_request_with_an_unknown_unit_is_refused_by_the_planner_too() -> None:
    with pytest.raises(PlanError, match="unknown unit 'tomcatt'"):
        plan_regen(demo(), RegenRequest(("tomcatt",)))


def test_a_request_with_no_units_is_refused() -> None:
    with pytest.raises(PlanError, match="no units"):
        plan_regen(demo(), RegenRequest(()))


def ha(*states: tuple[str, str, str | None]) -> Snapshot:
    """The demo cluster whose IM/P publisher reports these `utils ha status` node states."""
    rows = tuple(
        HaNodeState("prg-a" if h in ("imp-pub", "imp-sub1") else "prg-b", h, s, r)
        for h, s, r in states
    )
    return with_node(demo(), "imp-pub", ha_states=rows)


NORMAL = (("imp-pub", "Normal", None), ("imp-sub1", "Normal", None))


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ("Failed Over with Critical Services not Running", "Critical Service Down"),
        ("Running in Backup Mode", "Critical Service Down"),
        ("Failed Over", None),
        ("Falling Back", None),
        ("Failing Over", None),
        ("Failed", "Critical Service Down"),
    ],
)
def test_a_group_that_is_not_normal_is_refused_with_the_fallback_fix(
    state: str, reason: str | None
) -> None:
    snap = ha(*NORMAL, ("imp-sub2", state, reason), ("imp-sub3", "Normal", None))
    for units, nodes in (("cup", "imp"), ("tomcat", "cucm")):  # any group, whatever the scope
        with pytest.raises(PlanError) as err:
            plan_for(units, snap, nodes=nodes)
        assert f"imp-sub2 is {state}" in str(err.value)
        assert "fall back first" in str(err.value)
        assert len(str(err.value).splitlines()) == 1


def test_normal_groups_and_groups_without_ha_are_planned() -> None:
    off = ("Unknown", "High Availability Not Enabled")
    snap = ha(*NORMAL, ("imp-sub2", *off), ("imp-sub3", *off))
    assert plan_for("cup", snap).of_kind(StepKind.RESTART)


def replicating(*rows: tuple[str, int]) -> Snapshot:
    """The demo cluster whose CUCM publisher lists these Replicate_States."""
    states = tuple(ReplicationState(h, s, "Setup Completed" if s == 2 else "") for h, s in rows)
    return with_node(demo(), "cucm-pub", replication=states)


@pytest.mark.parametrize("state", [0, 1, 3, 4])
def test_replication_not_good_is_refused_unless_forced(state: int) -> None:
    snap = replicating(("cucm-pub", 2), ("cucm-sub1", state))
    with pytest.raises(PlanError) as err:
        plan_for("cup", snap)
    message = str(err.value)
    assert f"cucm-sub1 is ({state})" in message and "--force-replication" in message
    assert "utils dbreplication" in message and len(message.splitlines()) == 1
    forced = plan_regen(snap, RegenRequest(("cup",), force_replication=True))
    [warning] = [w for w in forced.warnings if w.code == "replication-forced"]
    assert "cucm-sub1" in warning.message
    assert forced.steps == plan_for("cup").steps


def test_good_replication_plans_without_a_warning() -> None:
    plan = plan_for("cup", replicating(("cucm-pub", 2), ("cucm-sub1", 2)))
    assert "replication-forced" not in {w.code for w in plan.warnings}
