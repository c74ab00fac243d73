"""§2 step 2: a CA-signed unit is not regenerated (that would overwrite the CA cert); the plan
points at the CSR route, unless the admin forces a self-signed cert."""
# Steps are read off the Step union; a step of the wrong kind fails the test.
# mypy: disable-error-code="union-attr"
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from uccert.model import Distribution, StepKind

from .build import IMP_NODES, ROUTER, ca_signed, demo
from .helpers import codes, plan_for, regenerated, restarts, warning


def test_a_ca_signed_unit_is_skipped_on_that_node_with_the_csr_route() -> None:
    snap = ca_signed(demo(), "imp-sub1", "cup-xmpp")
    plan = plan_for("cup-xmpp", snap)
    assert ("imp-sub1", "cup-xmpp") not in regenerated(plan)
    assert [n for n, _ in regenerated(plan)] == ["imp-pub", "imp-sub2", "imp-sub3"]
    message = warning(plan, "ca-signed-skipped")
    assert "cup-xmpp on imp-sub1" in message and "`uccert csr --unit cup-xmpp`" in message
    assert "a CSR per node" in message
    assert "--force-self-signed" in message


def test_a_skipped_node_gets_no_restart_for_that_unit() -> None:
    plan = plan_for("cup-xmpp", ca_signed(demo(), "imp-sub1", "cup-xmpp"))
    assert "imp-sub1" not in {s.node for s in restarts(plan)}
    assert "verify:imp-sub1" not in {s.id for s in plan.steps}


def test_a_multi_server_ca_cert_points_at_the_multi_server_csr() -> None:
    snap = demo()
    for node in IMP_NODES:
        snap = ca_signed(snap, node, "tomcat", distribution=Distribution.MULTI)
    plan = plan_for("tomcat,cup", snap)
    message = warning(plan, "ca-signed-skipped")
    assert "tomcat on imp-pub, imp-sub1, imp-sub2, imp-sub3" in message
    assert "one multi-server CSR" in message
    assert "tomcat" not in {u for _, u in regenerated(plan)}


def test_one_warning_per_unit_naming_every_skipped_node() -> None:
    snap = ca_signed(ca_signed(demo(), "imp-pub", "cup"), "imp-sub3", "cup")
    plan = plan_for("cup", snap)
    assert codes(plan).count("ca-signed-skipped") == 1
    assert "cup on imp-pub, imp-sub3" in warning(plan, "ca-signed-skipped")


def test_when_every_cert_is_ca_signed_the_plan_changes_nothing() -> None:
    snap = demo()
    for node in IMP_NODES:
        snap = ca_signed(snap, node, "cup-xmpp")
    plan = plan_for("cup-xmpp", snap)
    assert [s.kind for s in plan.steps] == [StepKind.PREFLIGHT]
    assert not plan.changes_anything
    assert "ca-signed-skipped" in codes(plan)
    assert "service-interruption" not in codes(plan)


def test_force_self_signed_regenerates_the_ca_signed_unit_and_warns() -> None:
    snap = ca_signed(demo(), "imp-sub1", "cup-xmpp")
    plan = plan_for("cup-xmpp", snap, force=True)
    assert ("imp-sub1", "cup-xmpp") in regenerated(plan)
    assert ("imp-sub1", ROUTER) in {(s.node, s.service) for s in restarts(plan)}
    assert "ca-signed-skipped" not in codes(plan)
    message = warning(plan, "force-self-signed")
    assert "cup-xmpp on imp-sub1" in message and "Corp CA" in message
    assert "CA-signed" in plan.step("regenerate:imp-sub1:cup-xmpp").reason


def test_force_without_ca_signed_certs_gives_no_force_warning() -> None:
    plan = plan_for("cup-xmpp", force=True)
    assert "force-self-signed" not in codes(plan)
