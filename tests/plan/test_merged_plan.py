"""The default (merged) plan: docs/design/procedure.md §2-§4 with each restart once per node."""
# Steps are read off the Step union; a step of the wrong kind fails the test.
# mypy: disable-error-code="union-attr"

from __future__ import annotations

import pytest

from builders import node_of, with_node
from uccert.model import Plan, StepKind, VerifyNodeStep, Via
from uccert.plan import RegenRequest, plan_regen

from .build import (
    DRF_LOCAL,
    DRF_MASTER,
    IMP_NODES,
    NODES,
    NOTE_UNITS,
    PRESENCE,
    ROUTER,
    SIP_FED,
    SIP_PROXY,
    TOMCAT,
    VERSIONS,
    XMPP_FED,
    demo,
)
from .helpers import (
    index,
    kinds,
    plan_for,
    positions,
    regenerated,
    restart_counts,
    restarts,
)

FEDERATED = ("sip_federation", "xmpp_federation")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("scope", ["imp", "cucm", "all"])
def test_merged_plan_for_all_restarts_each_service_at_most_once_per_node(
    version: str, scope: str
) -> None:
    plan = plan_for("all", demo(version, FEDERATED), nodes=scope)
    counts = restart_counts(plan)
    assert counts, "a plan for every unit restarts something"
    assert max(counts.values()) == 1, [k for k, n in counts.items() if n > 1]


def test_cup_xmpp_and_s2s_share_one_xcp_router_restart_per_node() -> None:
    plan = plan_for("cup-xmpp,cup-xmpp-s2s")
    routers = [s for s in restarts(plan) if s.service == ROUTER]
    assert [s.node for s in routers] == list(IMP_NODES)
    assert all(s.serves == ("cup-xmpp", "cup-xmpp-s2s") for s in routers)


def test_the_plan_opens_with_preflight_and_closes_with_ha_restore() -> None:
    plan = plan_for("all")
    assert plan.steps[0].id == "preflight" and plan.steps[0].node is None
    assert kinds(plan)[-2:] == [StepKind.HA_RESTORE, StepKind.HA_RESTORE]


def test_every_restart_comes_after_every_regeneration() -> None:
    plan = plan_for("all", nodes="all")
    assert max(positions(plan, StepKind.REGENERATE)) < min(positions(plan, StepKind.RESTART))


def test_each_unit_is_regenerated_on_the_publisher_first_then_each_subscriber() -> None:
    plan = plan_for("all", demo("14.0"))
    for unit in NOTE_UNITS:
        assert [n for n, u in regenerated(plan) if u == unit] == list(IMP_NODES)
    # unit by unit: every node has cup before any node has cup-xmpp
    units = [u for _, u in regenerated(plan)]
    assert units[: len(IMP_NODES)] == ["cup"] * len(IMP_NODES)


def test_with_every_node_in_scope_cucm_nodes_come_before_imp_nodes() -> None:
    plan = plan_for("tomcat", nodes="all")
    assert [n for n, _ in regenerated(plan)] == list(NODES)
    assert [s.node for s in restarts(plan) if s.service == TOMCAT] == list(NODES)
    assert [s.node for s in restarts(plan) if s.service == DRF_LOCAL] == list(NODES)


def test_named_nodes_are_visited_in_procedure_order_not_the_order_given() -> None:
    plan = plan_for("tomcat", nodes=("imp-sub2", "imp-pub", "cucm-sub1"))
    assert [n for n, _ in regenerated(plan)] == ["cucm-sub1", "imp-pub", "imp-sub2"]


def test_named_nodes_match_by_fqdn_and_ignore_case() -> None:
    plan = plan_for("tomcat", nodes=("IMP-SUB1.example.com",))
    assert regenerated(plan) == [("imp-sub1", "tomcat")]


def test_restarts_sweep_service_by_service_publisher_first() -> None:
    plan = plan_for("cup,cup-xmpp,cup-xmpp-s2s,ipsec,tomcat", demo("14.0", FEDERATED))
    order = [(s.service, s.node) for s in restarts(plan)]
    # 14: DRF follows tomcat (TAC 215534); DRF Master on the CUCM publisher first (§1)
    services = [SIP_PROXY, PRESENCE, SIP_FED, ROUTER, XMPP_FED, TOMCAT, DRF_LOCAL]
    assert order == [
        (DRF_MASTER, "cucm-pub"),
        *((svc, node) for svc in services for node in IMP_NODES),
    ]
    plan = plan_for("cup,cup-xmpp,cup-xmpp-s2s,ipsec,tomcat", demo("12.5", FEDERATED))
    order = [(s.service, s.node) for s in restarts(plan)]
    services = [SIP_PROXY, PRESENCE, SIP_FED, ROUTER, XMPP_FED, DRF_LOCAL, TOMCAT]
    assert order == [
        (DRF_MASTER, "cucm-pub"),
        *((svc, node) for svc in services for node in IMP_NODES),
    ]


def test_cup_restarts_sip_proxy_then_presence_engine_without_federation() -> None:
    plan = plan_for("cup")
    assert [s.service for s in restarts(plan) if s.node == "imp-pub"] == [SIP_PROXY, PRESENCE]


def test_sip_federation_adds_its_connection_manager_after_presence_engine() -> None:
    plan = plan_for("cup", demo("14.0", ["sip_federation"]))
    assert [s.service for s in restarts(plan) if s.node == "imp-pub"] == [
        SIP_PROXY,
        PRESENCE,
        SIP_FED,
    ]


def test_xmpp_federation_adds_its_connection_manager_after_the_router() -> None:
    plan = plan_for("cup-xmpp-s2s", demo("14.0", ["xmpp-federation"]))
    assert [s.service for s in restarts(plan) if s.node == "imp-pub"] == [ROUTER, XMPP_FED]


def test_tomcat_restarts_over_ssh_and_the_others_over_soap() -> None:
    plan = plan_for("all", nodes="all")
    for s in restarts(plan):
        assert s.via is (Via.SSH if s.service == TOMCAT else Via.SOAP), s.id
    tomcat = plan.step("restart:imp-pub:Cisco Tomcat")
    assert "utils service restart Cisco Tomcat" in tomcat.reason


def test_regenerate_steps_run_over_ssh_and_expect_the_snapshot_serial() -> None:
    snap = demo("12.5")
    plan = plan_for("all", snap, nodes="all")
    assert plan.of_kind(StepKind.REGENERATE)
    for s in plan.of_kind(StepKind.REGENERATE):
        assert s.node is not None and s.unit is not None
        cert = node_of(snap, s.node).identity(s.unit)
        assert cert is not None and s.replaces_serial == cert.serial
        assert s.via is Via.SSH and s.id == f"regenerate:{s.node}:{s.unit}"
        assert s.replaces_serial == s.replaces_serial.lower()


def test_cucm_scope_plans_tomcat_and_ipsec_on_cucm_nodes_only() -> None:
    plan = plan_for("all", nodes="cucm")
    assert {n for n, _ in regenerated(plan)} == {"cucm-pub", "cucm-sub1"}
    assert {u for _, u in regenerated(plan)} == {"ipsec", "tomcat", "tomcat-ECDSA"}
    assert {s.service for s in restarts(plan)} == {DRF_MASTER, DRF_LOCAL, TOMCAT}


def test_ipsec_on_the_cucm_publisher_restarts_drf_master_there_before_drf_local() -> None:
    plan = plan_for("ipsec", demo("12.5"), nodes="cucm")
    order = [(s.node, s.service) for s in restarts(plan)]
    assert order == [
        ("cucm-pub", DRF_MASTER),
        ("cucm-pub", DRF_LOCAL),
        ("cucm-sub1", DRF_LOCAL),
    ]


@pytest.mark.parametrize("version", VERSIONS)
def test_imp_drf_cert_changes_restart_drf_master_once_on_the_cucm_publisher_first(
    version: str,
) -> None:
    """From 10.0 DRF Master serving IM/P runs on the CUCM publisher (§1): --nodes imp names
    whose certs change, not which services restart. DRF's cert: ipsec, tomcat from 14."""
    unit = "tomcat" if version.startswith("14") else "ipsec"
    plan = plan_for(unit, demo(version), nodes="imp")
    order = [(s.node, s.service) for s in restarts(plan) if "DRF" in (s.service or "")]
    assert order == [("cucm-pub", DRF_MASTER), *((n, DRF_LOCAL) for n in IMP_NODES)]
    master = plan.step(f"restart:cucm-pub:{DRF_MASTER}")
    assert master.serves == tuple(f"{n}/{unit}" for n in IMP_NODES)
    assert "DRF Master" in master.reason and "imp-pub" in master.reason
    assert "cucm-pub" not in {n for n, _ in regenerated(plan)}
    other = "ipsec" if unit == "tomcat" else "tomcat"
    assert "DRF" not in " ".join(s.service or "" for s in restarts(plan_for(other, demo(version))))


def test_an_imp_publisher_before_10_0_restarts_its_own_drf_master() -> None:
    plan = plan_for("ipsec", demo("9.1"))
    assert [(s.node, s.service) for s in restarts(plan)][:2] == [
        ("imp-pub", DRF_MASTER),
        ("imp-pub", DRF_LOCAL),
    ]
    assert ("imp-sub1", DRF_MASTER) not in {(s.node, s.service) for s in restarts(plan)}


def test_ecdsa_twins_are_skipped_on_nodes_before_11_0() -> None:
    versions = {"imp-sub3": "10.5"}
    plan = plan_for("tomcat-ECDSA", demo("14.0", versions=versions))
    assert [n for n, _ in regenerated(plan)] == ["imp-pub", "imp-sub1", "imp-sub2"]
    assert "imp-sub3" not in {s.node for s in plan.steps}


def test_a_twin_shares_its_rsa_units_restart() -> None:
    plan = plan_for("tomcat,tomcat-ECDSA")
    [tomcat] = [s for s in restarts(plan) if s.node == "imp-pub" and s.service == TOMCAT]
    assert tomcat.serves == ("tomcat", "tomcat-ECDSA")


def test_restart_serves_only_units_regenerated_on_that_node() -> None:
    plan = plan_for("cup-xmpp,cup-xmpp-ECDSA", demo("14.0", versions={"imp-sub3": "10.5"}))
    assert plan.step("restart:imp-sub3:Cisco XCP Router").serves == ("cup-xmpp",)
    assert plan.step("restart:imp-pub:Cisco XCP Router").serves == (
        "cup-xmpp",
        "cup-xmpp-ECDSA",
    )


def test_a_deactivated_service_is_not_restarted() -> None:
    snap = demo("14.0", ["sip_federation"])
    pub = node_of(snap, "imp-pub")
    services = tuple(
        s.__class__(s.name, s.state, activated=False) if s.name == SIP_FED else s
        for s in pub.services
    )
    plan = plan_for("cup", with_node(snap, "imp-pub", services=services))
    assert ("imp-pub", SIP_FED) not in restart_counts(plan)
    assert ("imp-sub1", SIP_FED) in restart_counts(plan)


def test_verify_steps_follow_the_restarts_one_per_changed_node_then_the_cluster() -> None:
    plan = plan_for("cup,tomcat")
    verifies = plan.of_kind(StepKind.VERIFY)
    assert [s.id for s in verifies] == [*(f"verify:{n}" for n in IMP_NODES), "verify:cluster"]
    assert all(s.units == ("cup", "tomcat") for s in plan.of_type(VerifyNodeStep))
    assert verifies[-1].node is None
    assert max(positions(plan, StepKind.RESTART)) < min(positions(plan, StepKind.VERIFY))
    assert max(positions(plan, StepKind.VERIFY)) < min(positions(plan, StepKind.HA_RESTORE))


def test_step_ids_follow_the_documented_shapes() -> None:
    plan = plan_for("cup-xmpp")
    assert [s.id for s in plan.steps] == [
        "preflight",
        "ha-off:prg-a",
        "ha-off:prg-b",
        "ha-wait",
        *(f"regenerate:{n}:cup-xmpp" for n in IMP_NODES),
        *(f"restart:{n}:Cisco XCP Router" for n in IMP_NODES),
        *(f"verify:{n}" for n in IMP_NODES),
        "verify:cluster",
        "ha-restore:prg-a",
        "ha-restore:prg-b",
    ]


def test_command_timing_and_cluster_are_carried_into_the_plan() -> None:
    from uccert.model import PlanTiming

    timing = PlanTiming(ha_sync_wait=3, poll_interval=0.1, restart_timeout=9, command_timeout=4)
    request = RegenRequest(("tomcat",), command="uccert regen apply --units tomcat")
    plan = plan_regen(demo(), request, timing)
    assert (plan.cluster, plan.command, plan.timing, plan.literal) == (
        "demo",
        "uccert regen apply --units tomcat",
        timing,
        False,
    )
    assert "3 s" in plan.step("ha-wait").reason


def test_the_default_timing_is_the_real_cluster_default() -> None:
    from uccert.model import PlanTiming

    assert plan_regen(demo(), RegenRequest(("tomcat",))).timing == PlanTiming()


def test_planning_is_deterministic() -> None:
    assert plan_for("all", nodes="all") == plan_for("all", nodes="all")


def test_the_request_order_of_units_does_not_change_the_plan() -> None:
    a = plan_regen(demo(), RegenRequest(("tomcat", "cup")))
    b = plan_regen(demo(), RegenRequest(("cup", "tomcat")))
    assert a.steps == b.steps


def test_plan_survives_a_json_round_trip() -> None:
    from uccert.model import plan_from_json

    for plan in (
        plan_for("all", demo("14.0", FEDERATED), nodes="all"),
        plan_for("cup-xmpp,cup-xmpp-s2s", literal=True),
    ):
        assert plan_from_json(plan.to_json()) == plan


def test_only_unit_steps_are_planned_when_nothing_else_needs_doing() -> None:
    plan: Plan = plan_for("tomcat", demo("12.5"), nodes="cucm")
    assert kinds(plan) == [
        StepKind.PREFLIGHT,
        StepKind.REGENERATE,
        StepKind.REGENERATE,
        StepKind.RESTART,
        StepKind.RESTART,
        StepKind.VERIFY,
        StepKind.VERIFY,
        StepKind.VERIFY,
    ]
    assert index(plan, "verify:cluster") == len(plan.steps) - 1
