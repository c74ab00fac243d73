"""`--literal`: the note's order, unit by unit, for comparison with the merged plan."""
# Steps are read off the Step union; a step of the wrong kind fails the test.
# mypy: disable-error-code="union-attr"

from __future__ import annotations

from collections import Counter

from uccert.model import StepKind

from .build import IMP_NODES, ROUTER, demo
from .helpers import index, plan_for, restart_counts


def test_literal_restarts_xcp_router_twice_per_imp_node_for_cup_xmpp_and_s2s() -> None:
    plan = plan_for("cup-xmpp,cup-xmpp-s2s", literal=True)
    assert plan.literal
    counts = restart_counts(plan)
    assert {n: counts[(n, ROUTER)] for n in IMP_NODES} == {n: 2 for n in IMP_NODES}


def test_merged_restarts_xcp_router_once_where_literal_restarts_it_twice() -> None:
    merged = restart_counts(plan_for("cup-xmpp,cup-xmpp-s2s"))
    assert {merged[(n, ROUTER)] for n in IMP_NODES} == {1}


def test_literal_regenerates_a_unit_on_every_node_then_restarts_for_it_then_the_next_unit() -> None:
    plan = plan_for("cup-xmpp,cup-xmpp-s2s", literal=True)
    last_xmpp_regen = index(plan, "regenerate:imp-sub3:cup-xmpp")
    first_xmpp_restart = index(plan, f"restart:imp-pub:{ROUTER}:cup-xmpp")
    last_xmpp_restart = index(plan, f"restart:imp-sub3:{ROUTER}:cup-xmpp")
    first_s2s_regen = index(plan, "regenerate:imp-pub:cup-xmpp-s2s")
    assert last_xmpp_regen < first_xmpp_restart < last_xmpp_restart < first_s2s_regen


def test_literal_turns_ha_off_and_back_around_each_units_restarts() -> None:
    plan = plan_for("cup-xmpp,cup-xmpp-s2s", literal=True)
    for unit in ("cup-xmpp", "cup-xmpp-s2s"):
        off = index(plan, f"ha-off:prg-a:{unit}")
        wait = index(plan, f"ha-wait:{unit}")
        first = index(plan, f"restart:imp-pub:{ROUTER}:{unit}")
        last = index(plan, f"restart:imp-sub3:{ROUTER}:{unit}")
        restore = index(plan, f"ha-restore:prg-a:{unit}")
        assert index(plan, f"regenerate:imp-sub3:{unit}") < off < wait < first < last < restore
    assert Counter(s.kind for s in plan.steps)[StepKind.HA_WAIT] == 2


def test_literal_ids_are_unique_and_carry_the_unit() -> None:
    plan = plan_for("all", demo("14.0", ["sip_federation", "xmpp_federation"]), literal=True)
    ids = [s.id for s in plan.steps]
    assert len(ids) == len(set(ids))
    for s in plan.of_kind(StepKind.RESTART):
        # DRF Master serves the DRF cert of several nodes: "node/unit" entries, one unit
        units = {entry.rpartition("/")[2] for entry in s.serves}
        assert len(units) == 1 and s.id == f"restart:{s.node}:{s.service}:{units.pop()}"
        assert len(s.serves) == 1 or s.service == "Cisco DRF Master"


def test_literal_verifies_each_unit_before_restoring_ha_and_the_cluster_last() -> None:
    plan = plan_for("cup,tomcat", literal=True)
    assert index(plan, "verify:imp-sub3:cup") < index(plan, "ha-restore:prg-b:cup")
    assert plan.step("verify:imp-pub:tomcat").units == ("tomcat",)
    assert plan.steps[-1].id == "verify:cluster"


def test_literal_and_merged_regenerate_the_same_certs_in_the_same_order() -> None:
    merged = plan_for("all", nodes="all")
    literal = plan_for("all", nodes="all", literal=True)
    assert merged.of_kind(StepKind.REGENERATE) == literal.of_kind(StepKind.REGENERATE)
