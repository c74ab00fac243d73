"""§6 and §3 warnings that come with a plan: what devices, SSO and Expressway will notice, and
the service interruption."""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from builders import DOMAIN, node_of, with_identity
from uccert.model import StepKind

from .build import demo, info
from .helpers import codes, plan_for, warning

JABBER = "jabber-trust-prompt"
SSO = "sso-reconfigure"
CLASH = "expressway-cn-clash"
HOURS = "outside-production-hours"
INTERRUPTION = "service-interruption"


def test_regenerating_self_signed_tomcat_warns_of_jabber_prompts_with_the_bundle_hint() -> None:
    message = warning(plan_for("tomcat"), JABBER)
    assert "untrusted-certificate prompt" in message
    assert "tomcat on imp-pub, imp-sub1, imp-sub2, imp-sub3" in message
    assert "`uccert export --client-bundle`" in message


def test_regenerating_cup_xmpp_warns_of_jabber_prompts() -> None:
    assert "cup-xmpp on" in warning(plan_for("cup-xmpp"), JABBER)


def test_cup_and_ipsec_do_not_concern_jabber() -> None:
    assert JABBER not in codes(plan_for("cup,ipsec"))


def test_sso_must_be_reconfigured_after_tomcat_only_where_sso_is_used() -> None:
    assert SSO not in codes(plan_for("tomcat"))
    assert "configure SSO again" in warning(plan_for("tomcat", demo("14.0", ["sso"])), SSO)
    assert SSO not in codes(plan_for("cup-xmpp", demo("14.0", ["sso"])))


def test_s2s_regeneration_reminds_of_the_domain_list() -> None:
    assert "alias domain" in warning(plan_for("cup-xmpp-s2s"), "s2s-domain-list")


def test_tomcat_and_cup_xmpp_sharing_a_cn_warn_of_the_expressway_clash() -> None:
    snap = demo()
    same = info("cup-xmpp", f"imp-sub1.{DOMAIN}", 0x99)
    plan = plan_for("cup-xmpp", with_identity(snap, "imp-sub1", same))
    message = warning(plan, CLASH)
    assert "imp-sub1" in message and "imp-pub" not in message
    assert "tomcat+cup-xmpp" in message


def test_no_clash_warning_while_the_other_cert_stays_ca_signed() -> None:
    snap = demo()
    cn = f"imp-sub1.{DOMAIN}"
    snap = with_identity(snap, "imp-sub1", info("cup-xmpp", cn, 0x99, issuer_cn="Corp CA"))
    assert node_of(snap, "imp-sub1").identity("tomcat") is not None
    assert CLASH not in codes(plan_for("tomcat", snap))


def test_no_clash_warning_when_neither_cert_of_the_pair_is_regenerated() -> None:
    snap = with_identity(demo(), "imp-sub1", info("cup-xmpp", f"imp-sub1.{DOMAIN}", 0x99))
    assert CLASH not in codes(plan_for("cup", snap))


def test_restarts_come_with_the_service_interruption_warnings() -> None:
    plan = plan_for("cup-xmpp")
    assert "outside production hours" in warning(plan, HOURS)
    message = warning(plan, INTERRUPTION)
    assert "4 service restarts on imp-pub, imp-sub1, imp-sub2, imp-sub3" in message
    assert "HA is off on prg-a, prg-b" in message
    assert "Cisco XCP Router also restarts Cisco XCP Connection Manager" in message


def test_cucm_only_restarts_still_interrupt_but_leave_ha_alone() -> None:
    message = warning(plan_for("tomcat", nodes="cucm"), INTERRUPTION)
    assert "cucm-pub, cucm-sub1" in message and "HA" not in message


def test_units_absent_from_the_scope_are_named() -> None:
    plan = plan_for("all", nodes="cucm")
    message = warning(plan, "unit-not-in-scope")
    assert message.startswith("cup, cup-xmpp, cup-xmpp-s2s, cup-ECDSA")


def test_a_unit_the_snapshot_lacks_is_skipped_with_a_warning() -> None:
    snap = demo()
    sub = node_of(snap, "imp-sub2")
    from builders import with_node

    snap = with_node(
        snap, "imp-sub2", identities=tuple(c for c in sub.identities if c.unit != "cup")
    )
    plan = plan_for("cup", snap)
    assert "regenerate:imp-sub2:cup" not in {s.id for s in plan.steps}
    message = warning(plan, "unit-not-read")
    assert "imp-sub2" in message and "show cert own cup/cup.pem" in message


def test_the_catalog_warning_codes_and_the_planners_own_are_all_documented() -> None:
    from uccert.catalog import WarningCode
    from uccert.plan.warnings import Code

    plan = plan_for("all", demo("14.0", ["sso"]))
    known = {c.value for c in WarningCode} | {c.value for c in Code}
    assert set(codes(plan)) <= known
    assert plan.of_kind(StepKind.RESTART)


def test_warnings_name_nodes_in_procedure_order() -> None:
    plan = plan_for("cup-xmpp,tomcat", nodes="all")
    message = warning(plan, JABBER)
    assert "on cucm-pub, cucm-sub1, imp-pub, imp-sub1, imp-sub2, imp-sub3" in message
    assert "on cucm-pub, cucm-sub1, imp-pub" in warning(plan, INTERRUPTION)
