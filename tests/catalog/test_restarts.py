"""§1 "services to restart" column and §5 step 4, evaluated per node."""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

import pytest

from uccert.catalog import (
    DRF_CERTIFICATE,
    ControlPath,
    Feature,
    NotInProcedureError,
    Placement,
    Product,
    Role,
    Version,
    drf_certificate,
    drf_master_host,
    restarts_after_trust_delete,
    restarts_for,
    runs_drf_master,
)
from uccert.catalog.restarts import AFTER_UNIT_CHANGE, rules_for_unit

V = Version.parse
IMP, CUCM = Product.IMP, Product.CUCM
PUB, SUB = Role.PUBLISHER, Role.SUBSCRIBER
SIP_FED = frozenset({Feature.SIP_FEDERATION})
XMPP_FED = frozenset({Feature.XMPP_FEDERATION})
ALL_FED = SIP_FED | XMPP_FED


def services(
    unit: str,
    product: Product = IMP,
    role: Role = PUB,
    version: str = "12.5",
    features: frozenset[Feature] = frozenset(),
) -> list[str]:
    return [r.service for r in restarts_for(unit, product, role, V(version), features)]


def test_cup_regeneration_restarts_sip_proxy_then_presence_engine() -> None:
    assert services("cup") == ["Cisco SIP Proxy", "Cisco Presence Engine"]


def test_sip_federation_cm_only_when_sip_federation_configured() -> None:
    assert services("cup", features=SIP_FED) == [
        "Cisco SIP Proxy",
        "Cisco Presence Engine",
        "Cisco XCP SIP Federation Connection Manager",
    ]
    assert "Cisco XCP SIP Federation Connection Manager" not in services("cup", features=XMPP_FED)


def test_cup_xmpp_regeneration_restarts_xcp_router_only() -> None:
    assert services("cup-xmpp", features=ALL_FED) == ["Cisco XCP Router"]


def test_cup_xmpp_s2s_restarts_router_then_xmpp_federation_cm() -> None:
    assert services("cup-xmpp-s2s", features=XMPP_FED) == [
        "Cisco XCP Router",
        "Cisco XCP XMPP Federation Connection Manager",
    ]


def test_xmpp_federation_cm_only_when_xmpp_federation_configured() -> None:
    assert services("cup-xmpp-s2s", features=SIP_FED) == ["Cisco XCP Router"]


def placed(unit: str, product: Product, role: Role, version: str) -> list[tuple[str, Placement]]:
    return [(r.service, r.placement) for r in restarts_for(unit, product, role, V(version))]


HERE, HOST = Placement.THIS_NODE, Placement.DRF_MASTER_HOST


def drf(version: str) -> list[tuple[str, Placement]]:
    """DRF Master (listed as Cisco DRF Primary from 15.0) on its host, then DRF Local here."""
    master = "Cisco DRF Primary" if V(version) >= V("15.0") else "Cisco DRF Master"
    return [(master, HOST), ("Cisco DRF Local", HERE)]


VERSIONS = (
    "8.6",
    "9.1",
    "10.0",
    "10.5",
    "11.0",
    "11.5",
    "12.0",
    "12.5",
    "14",
    "14.0.1.10000-20",
    "15",
)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("product", [IMP, CUCM])
@pytest.mark.parametrize("role", [PUB, SUB])
def test_drf_follows_its_certificate_on_every_node_and_version(
    version: str, product: Product, role: Role
) -> None:
    """TAC 215534: ipsec up to 12.5, tomcat from 14. DRF Master first, on the node that runs
    it for this node (placement), then DRF Local on the node itself; whatever the role."""
    ipsec, tomcat = (
        placed("ipsec", product, role, version),
        placed("tomcat", product, role, version),
    )
    if V(version) < V("14"):
        assert drf_certificate(V(version)) == "ipsec"
        assert ipsec == drf(version)
        assert tomcat == [("Cisco Tomcat", HERE)]
    else:
        assert drf_certificate(V(version)) == "tomcat"
        assert ipsec == []
        assert tomcat == [("Cisco Tomcat", HERE), *drf(version)]


def test_the_drf_certificate_table_covers_every_version_once() -> None:
    for version in VERSIONS:
        assert sum(V(version) in d.versions for d in DRF_CERTIFICATE) == 1
    assert all(d.source for d in DRF_CERTIFICATE)


@pytest.mark.parametrize(
    ("product", "version", "host"),
    [
        (IMP, "8.6", IMP),
        (IMP, "9.1", IMP),
        (IMP, "10.0", CUCM),
        (IMP, "12.5", CUCM),
        (IMP, "15", CUCM),
        (CUCM, "8.6", CUCM),
        (CUCM, "14", CUCM),
    ],
)
def test_drf_master_serving_a_node_runs_on_the_cucm_publisher_from_10(
    product: Product, version: str, host: Product
) -> None:
    assert drf_master_host(product, V(version)) == (host, PUB)


@pytest.mark.parametrize(
    ("version", "master"),
    [("14.0", "Cisco DRF Master"), ("14.0.1.13900-155", "Cisco DRF Master"),
     ("15.0", "Cisco DRF Primary"), ("15.0.1.11900-4", "Cisco DRF Primary")],
)  # fmt: skip
def test_drf_master_is_restarted_under_the_name_its_version_lists(
    version: str, master: str
) -> None:
    # from 14 DRF uses the tomcat cert (TAC 215534), so a tomcat change restarts DRF
    assert services("tomcat", CUCM, PUB, version) == ["Cisco Tomcat", master, "Cisco DRF Local"]
    assert trust_services("ipsec-trust", CUCM, PUB, version) == [master, "Cisco DRF Local"]


def test_drf_master_on_imp_publisher_only_before_10() -> None:
    assert runs_drf_master(IMP, PUB, V("8.6"))
    assert runs_drf_master(IMP, PUB, V("9.1"))
    assert not runs_drf_master(IMP, PUB, V("10.0"))
    assert not runs_drf_master(IMP, PUB, V("11.5"))


def test_drf_master_on_cucm_publisher_in_every_version() -> None:
    for version in ("8.6", "10.0", "15"):
        assert runs_drf_master(CUCM, PUB, V(version))
        assert not runs_drf_master(CUCM, SUB, V(version))


@pytest.mark.parametrize("product", [IMP, CUCM])
def test_tomcat_is_restarted_from_the_cli_only(product: Product) -> None:
    restart = restarts_for("tomcat", product, SUB, V("14"))[0]
    assert restart.service == "Cisco Tomcat"
    assert restart.via is ControlPath.CLI_ONLY
    assert restart.cli_command == "utils service restart Cisco Tomcat"


def test_soap_services_may_go_over_soap() -> None:
    assert {r.via for r in restarts_for("cup", IMP, PUB, V("12.5"))} == {ControlPath.SOAP_OR_CLI}


@pytest.mark.parametrize(
    ("twin", "rsa"),
    [
        ("cup-ECDSA", "cup"),
        ("cup-xmpp-ECDSA", "cup-xmpp"),
        ("cup-xmpp-s2s-ECDSA", "cup-xmpp-s2s"),
        ("tomcat-ECDSA", "tomcat"),
    ],
)
def test_ecdsa_twins_restart_what_their_rsa_unit_restarts(twin: str, rsa: str) -> None:
    assert services(twin, features=ALL_FED) == services(rsa, features=ALL_FED)
    assert rules_for_unit(twin) == AFTER_UNIT_CHANGE[rsa]


def test_ecdsa_twin_before_11_is_refused() -> None:
    with pytest.raises(NotInProcedureError, match=r"does not exist on imp 10\.5"):
        restarts_for("cup-ECDSA", IMP, PUB, V("10.5"))


def test_cup_on_cucm_is_refused() -> None:
    with pytest.raises(NotInProcedureError):
        restarts_for("cup", CUCM, PUB, V("12.5"))


@pytest.mark.parametrize("unit", ["CallManager", "CAPF", "TVS", "ITLRecovery"])
def test_cucm_only_units_have_no_restart_table(unit: str) -> None:
    with pytest.raises(NotInProcedureError, match="no restart table"):
        restarts_for(unit, CUCM, PUB, V("12.5"))


def test_reason_names_the_change() -> None:
    (restart,) = restarts_for("cup-xmpp", IMP, PUB, V("12.5"))
    assert restart.reason == "cup-xmpp changed"


# §5 step 4


def trust_services(
    store: str,
    product: Product = IMP,
    role: Role = PUB,
    version: str = "12.5",
    features: frozenset[Feature] = frozenset(),
) -> list[str]:
    return [
        r.service for r in restarts_after_trust_delete(store, product, role, V(version), features)
    ]


def test_cup_trust_delete_restarts_the_cup_services() -> None:
    assert trust_services("cup-trust", features=SIP_FED) == services("cup", features=SIP_FED)
    assert trust_services("cup-trust") == ["Cisco SIP Proxy", "Cisco Presence Engine"]


def test_cup_xmpp_trust_delete_restarts_xcp_router() -> None:
    assert trust_services("cup-xmpp-trust", version="9.1", features=XMPP_FED) == [
        "Cisco XCP Router"
    ]


def test_cup_xmpp_trust_from_10_also_serves_xmpp_federation() -> None:
    assert trust_services("cup-xmpp-trust", version="10.0", features=XMPP_FED) == [
        "Cisco XCP Router",
        "Cisco XCP XMPP Federation Connection Manager",
    ]
    assert trust_services("cup-xmpp-trust", version="10.0") == ["Cisco XCP Router"]


def test_cup_xmpp_s2s_trust_delete_before_10() -> None:
    assert trust_services("cup-xmpp-s2s-trust", version="9.1", features=XMPP_FED) == [
        "Cisco XCP Router",
        "Cisco XCP XMPP Federation Connection Manager",
    ]


def test_cup_xmpp_s2s_trust_does_not_exist_from_10() -> None:
    with pytest.raises(NotInProcedureError, match="does not exist"):
        restarts_after_trust_delete("cup-xmpp-s2s-trust", IMP, PUB, V("10.0"))


def test_ipsec_trust_delete_follows_section_1_order() -> None:
    assert trust_services("ipsec-trust", CUCM, PUB) == ["Cisco DRF Master", "Cisco DRF Local"]
    assert trust_services("ipsec-trust", IMP, PUB) == ["Cisco DRF Local"]


def test_tomcat_trust_delete_restarts_tomcat_via_cli() -> None:
    (restart,) = restarts_after_trust_delete("tomcat-trust", CUCM, SUB, V("11.5"))
    assert (restart.service, restart.via) == ("Cisco Tomcat", ControlPath.CLI_ONLY)


def test_callmanager_trust_has_no_procedure() -> None:
    with pytest.raises(NotInProcedureError, match="names no restarts"):
        restarts_after_trust_delete("CallManager-trust", CUCM, PUB, V("12.5"))
