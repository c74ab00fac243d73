"""Services: Control Center areas, CLI-only services, HA criticality, XCP Router rule."""

from __future__ import annotations

import pytest

from uccert.catalog import SERVICES, Area, ControlPath, Product, UnknownNameError, service
from uccert.catalog.services import CLI_ONLY_SERVICES, XCP_ROUTER, cascade_of

FEATURE = {
    "Cisco SIP Proxy",
    "Cisco Presence Engine",
    "Cisco XCP SIP Federation Connection Manager",
    "Cisco XCP XMPP Federation Connection Manager",
}
NETWORK = {
    "Cisco XCP Router",
    "Cisco DRF Master",
    "Cisco DRF Primary",
    "Cisco DRF Local",
    "Cisco Tomcat",
    "Cisco Certificate Expiry Monitor",
    "Cisco Intercluster Sync Agent",
    "Cisco Certificate Change Notification",
    "Platform Administrative Web Service",
}


@pytest.mark.parametrize("name", sorted(FEATURE))
def test_cup_and_federation_services_are_feature_services(name: str) -> None:
    assert service(name).area is Area.FEATURE


@pytest.mark.parametrize("name", sorted(NETWORK))
def test_router_drf_tomcat_and_prune_services_are_network_services(name: str) -> None:
    assert service(name).area is Area.NETWORK


def test_soap_cannot_control_tomcat_or_db() -> None:
    assert {"Cisco Tomcat", "Cisco DB"} == CLI_ONLY_SERVICES
    assert service("Cisco XCP Router").control is ControlPath.SOAP_OR_CLI


def test_xcp_router_must_be_restarted_never_stopped_and_started() -> None:
    assert XCP_ROUTER.never_stop_start
    assert [s.name for s in SERVICES.values() if s.never_stop_start] == ["Cisco XCP Router"]


def test_xcp_router_restart_cascades_to_active_xcp_services() -> None:
    started = [
        "Cisco XCP Router",
        "Cisco XCP Connection Manager",
        "Cisco XCP XMPP Federation Connection Manager",
        "Cisco SIP Proxy",
    ]
    assert cascade_of("Cisco XCP Router", started) == (
        "Cisco XCP Connection Manager",
        "Cisco XCP XMPP Federation Connection Manager",
    )
    assert cascade_of("Cisco SIP Proxy", started) == ()


def test_critical_imp_services_include_those_restarted_for_cup_and_cup_xmpp() -> None:
    for name in ("Cisco SIP Proxy", "Cisco Presence Engine", "Cisco XCP Router"):
        assert service(name).critical_for_ha
    assert not service("Cisco Certificate Expiry Monitor").critical_for_ha


def test_imp_only_services_are_not_on_cucm() -> None:
    assert Product.CUCM not in service("Cisco Intercluster Sync Agent").products
    assert service("Cisco Tomcat").products == {Product.CUCM, Product.IMP}


def test_cli_form_of_a_service_action() -> None:
    assert service("Cisco DRF Local").cli("stop") == "utils service stop Cisco DRF Local"


def test_service_names_are_exact() -> None:
    with pytest.raises(UnknownNameError, match="exact Cisco name"):
        service("XCP Router")


def test_every_rename_names_a_release_and_a_source() -> None:
    from uccert.catalog.services import RENAMES
    from uccert.catalog.versions import Version

    assert {(r.old, r.new) for r in RENAMES} >= {("Cisco DRF Master", "Cisco DRF Primary")}
    for r in RENAMES:
        assert Version.parse(r.since) >= Version.parse("15.0")
        assert r.source.startswith("https://www.cisco.com/")
