"""§3 HA facts and §6 client-side warnings."""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from datetime import timedelta

import pytest

from uccert.catalog import (
    HA_SYNC_WAIT_DEFAULT,
    Event,
    Feature,
    Product,
    Role,
    ServiceAction,
    WarningCode,
    needs_ha_off,
    warnings_for,
)

IMP, CUCM = Product.IMP, Product.CUCM


def test_sync_wait_is_two_minutes() -> None:
    assert timedelta(minutes=2) == HA_SYNC_WAIT_DEFAULT


def test_ha_off_before_any_imp_restart_or_stop() -> None:
    assert needs_ha_off(IMP, ServiceAction.RESTART)
    assert needs_ha_off(IMP, ServiceAction.STOP)
    assert not needs_ha_off(IMP, ServiceAction.START)
    assert not needs_ha_off(CUCM, ServiceAction.RESTART)


def codes(
    event: Event,
    product: Product,
    unit_name: str | None = None,
    features: frozenset[Feature] = frozenset(),
) -> set[WarningCode]:
    return {w.code for w in warnings_for(event, product, unit_name=unit_name, features=features)}


@pytest.mark.parametrize("unit", ["tomcat", "cup-xmpp", "tomcat-ECDSA"])
def test_regenerated_self_signed_client_cert_needs_pushing_to_jabber(unit: str) -> None:
    assert WarningCode.JABBER_TRUST_PROMPT in codes(
        Event.REGENERATED_SELF_SIGNED, IMP, unit_name=unit
    )


@pytest.mark.parametrize("unit", ["cup", "ipsec", "cup-xmpp-s2s"])
def test_server_side_units_do_not_prompt_jabber(unit: str) -> None:
    assert WarningCode.JABBER_TRUST_PROMPT not in codes(
        Event.REGENERATED_SELF_SIGNED, IMP, unit_name=unit
    )


def test_tomcat_with_sso_needs_sso_reconfigured() -> None:
    sso = frozenset({Feature.SSO})
    assert WarningCode.SSO_RECONFIGURE in codes(
        Event.REGENERATED_SELF_SIGNED, CUCM, unit_name="tomcat", features=sso
    )
    assert WarningCode.SSO_RECONFIGURE not in codes(
        Event.REGENERATED_SELF_SIGNED, CUCM, unit_name="tomcat"
    )
    assert WarningCode.SSO_RECONFIGURE not in codes(
        Event.REGENERATED_SELF_SIGNED, IMP, unit_name="cup-xmpp", features=sso
    )


def test_sso_warning_names_ssosp_tomcat() -> None:
    (w,) = [
        w
        for w in warnings_for(
            Event.REGENERATED_SELF_SIGNED,
            CUCM,
            unit_name="tomcat",
            features=frozenset({Feature.SSO}),
        )
        if w.code is WarningCode.SSO_RECONFIGURE
    ]
    assert "Cisco SSOSP Tomcat" in w.action


def test_same_cn_on_imp_warns_about_expressway() -> None:
    assert codes(Event.SAME_CN, IMP) == {WarningCode.EXPRESSWAY_CN_CLASH}
    assert codes(Event.SAME_CN, CUCM) == set()


def test_s2s_domain_list_change_and_s2s_regeneration_warn() -> None:
    assert codes(Event.DOMAINS_CHANGED, IMP) == {WarningCode.S2S_DOMAIN_LIST}
    assert WarningCode.S2S_DOMAIN_LIST in codes(
        Event.REGENERATED_SELF_SIGNED, IMP, unit_name="cup-xmpp-s2s"
    )


def test_ca_upload_on_imp_publisher_needs_intercluster_sync_agent_restart() -> None:
    (w,) = warnings_for(Event.CA_CERTS_UPLOADED, IMP, Role.PUBLISHER)
    assert w.code is WarningCode.ISA_AFTER_CA_UPLOAD
    assert "Cisco Intercluster Sync Agent" in w.action
    assert warnings_for(Event.CA_CERTS_UPLOADED, IMP, Role.SUBSCRIBER) == ()
    assert warnings_for(Event.CA_CERTS_UPLOADED, CUCM, Role.PUBLISHER) == ()


def test_restarts_are_for_outside_production_hours() -> None:
    assert codes(Event.SERVICES_RESTARTED, IMP) == {WarningCode.OUTSIDE_PRODUCTION_HOURS}


def test_unit_event_without_a_unit_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="pass unit_name"):
        warnings_for(Event.REGENERATED_SELF_SIGNED, IMP)
