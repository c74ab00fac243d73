"""§4: a node in scope whose ipsec-trust lacks the CUCM publisher's current ipsec cert gets it
back (import-trust) and its DRF services restarted; nodes outside the scope are reported."""
# Steps are read off the Step union; a step of the wrong kind fails the test.
# mypy: disable-error-code="union-attr"
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from dataclasses import replace

from builders import DOMAIN, node_of, with_node
from uccert.model import Snapshot, StepKind, TrustEntry, Via

from .build import DRF_LOCAL, demo, info, serial_of
from .helpers import codes, index, plan_for, positions, warning


def stale(name: str = "imp-sub2", version: str = "14.0") -> Snapshot:
    """`name` trusts an old CUCM publisher ipsec cert instead of the current one."""
    snap = demo(version)
    old = info("ipsec-trust", f"cucm-pub.{DOMAIN}", 0xDEAD)
    return with_node(snap, name, trusts=(TrustEntry("ipsec-trust", "cucm-pub.pem", old),))


def test_a_stale_ipsec_trust_in_scope_is_repaired_from_the_cucm_publisher() -> None:
    plan = plan_for("cup", stale())
    step = plan.step("import-trust:imp-sub2:ipsec-trust")
    assert (step.kind, step.node, step.store, step.unit, step.source, step.via) == (
        StepKind.IMPORT_TRUST,
        "imp-sub2",
        "ipsec-trust",
        "ipsec",
        "cucm-pub",
        Via.SSH,
    )
    assert step.expected_serial == format(serial_of("cucm-pub", "ipsec"), "x")
    restart = plan.step(f"restart:imp-sub2:{DRF_LOCAL}")
    assert restart.serves == ("ipsec-trust",)
    assert max(positions(plan, StepKind.REGENERATE)) < index(plan, step.id)
    assert index(plan, step.id) < min(positions(plan, StepKind.RESTART))
    assert "imp-sub2" in warning(plan, "ipsec-trust-repair")


def test_a_missing_ipsec_trust_entry_is_repaired_too() -> None:
    plan = plan_for("tomcat", with_node(demo(), "imp-sub1", trusts=()))
    assert "import-trust:imp-sub1:ipsec-trust" in {s.id for s in plan.steps}


def test_the_repair_merges_with_an_ipsec_regeneration_into_one_drf_local_restart() -> None:
    plan = plan_for("ipsec", stale(version="12.5"))
    [drf] = [s for s in plan.of_kind(StepKind.RESTART) if s.node == "imp-sub2"]
    assert drf.service == DRF_LOCAL and drf.serves == ("ipsec", "ipsec-trust")


def test_a_stale_trust_outside_the_scope_is_only_reported() -> None:
    plan = plan_for("tomcat", stale("cucm-sub1"), nodes="imp")
    assert not plan.of_kind(StepKind.IMPORT_TRUST)
    message = warning(plan, "ipsec-trust-out-of-scope")
    assert "cucm-sub1" in message and "outside --nodes" in message


def test_a_consistent_cluster_needs_no_repair() -> None:
    plan = plan_for("all", nodes="all")
    assert not plan.of_kind(StepKind.IMPORT_TRUST)
    assert "ipsec-trust-repair" not in codes(plan)


def test_the_repair_expects_no_serial_when_the_publishers_ipsec_is_regenerated_first() -> None:
    plan = plan_for("ipsec", stale(), nodes="all")
    assert plan.step("import-trust:imp-sub2:ipsec-trust").expected_serial is None


def test_literal_repairs_in_a_round_of_their_own_after_the_units() -> None:
    plan = plan_for("cup", stale(), literal=True)
    ids = [s.id for s in plan.steps]
    assert ids.index("import-trust:imp-sub2:ipsec-trust") > ids.index("ha-restore:prg-b:cup")
    assert "ha-off:prg-b:ipsec-trust" in ids
    assert f"restart:imp-sub2:{DRF_LOCAL}:ipsec-trust" in ids
    assert ids[-1] == "verify:cluster"


def test_only_repairs_and_nothing_regenerated_still_restores_ha() -> None:
    snap = stale()
    for name in ("imp-pub", "imp-sub1", "imp-sub2", "imp-sub3"):
        n = node_of(snap, name)
        ids = tuple(
            replace(c, self_signed=False, issuer_cn="Corp CA") if c.unit == "cup" else c
            for c in n.identities
        )
        snap = with_node(snap, name, identities=ids)
    plan = plan_for("cup", snap)
    assert [s.kind for s in plan.steps] == [
        StepKind.PREFLIGHT,
        StepKind.HA_OFF,
        StepKind.HA_WAIT,
        StepKind.IMPORT_TRUST,
        StepKind.RESTART,
        StepKind.VERIFY,
        StepKind.HA_RESTORE,
    ]


def test_the_repair_restart_says_what_it_follows() -> None:
    plan = plan_for("cup", stale())
    reason = plan.step(f"restart:imp-sub2:{DRF_LOCAL}").reason
    assert "ipsec-trust got the CUCM publisher's ipsec cert back" in reason
    assert "lost" not in reason
