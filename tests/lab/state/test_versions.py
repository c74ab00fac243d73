"""What each version has: units, ECDSA twins, stores, DRF Master, trust file names."""

from __future__ import annotations

import re

import pytest

from uccert.lab.state import Lab

from .conftest import LabFactory

VERSIONS = ["8.6", "10.5", "11.5", "12.5", "14.0", "15"]


def units(lab: Lab, node: str) -> list[str]:
    return [c.unit for c in lab.own_certs(node)]


def stores(lab: Lab, node: str) -> set[str]:
    return {t.store for t in lab.trust_certs(node)}


def service_names(lab: Lab, node: str) -> set[str]:
    return {s.name for s in lab.services(node)}


@pytest.mark.parametrize("version", VERSIONS)
def test_every_version_builds_and_shows_its_display_version(
    make_lab: LabFactory, version: str
) -> None:
    lab = make_lab("minimal", version)
    major = version.split(".")[0]
    for node in lab.node_names():
        assert lab.display_version(node).startswith(f"{major}.")
        assert lab.own_certs(node) and lab.trust_certs(node)
        assert all(s.state == "Started" for s in lab.services(node) if s.activated)


@pytest.mark.parametrize(
    ("version", "ecdsa"),
    [("8.6", False), ("10.5", False), ("11.5", True), ("14.0", True), ("15", True)],
)
def test_ecdsa_twins_exist_from_11_0(make_lab: LabFactory, version: str, ecdsa: bool) -> None:
    lab = make_lab("minimal", version)
    imp_twins = {"cup-ECDSA", "cup-xmpp-ECDSA", "cup-xmpp-s2s-ECDSA", "tomcat-ECDSA"}
    cucm_twins = {"CallManager-ECDSA", "tomcat-ECDSA"}
    assert (imp_twins <= set(units(lab, "imp-pub"))) is ecdsa
    assert (cucm_twins <= set(units(lab, "cucm-pub"))) is ecdsa
    assert not any(u.endswith("-ECDSA") for u in units(lab, "imp-pub")) or ecdsa


def test_imp_and_cucm_units_at_14(minimal: Lab) -> None:
    assert units(minimal, "imp-pub")[:5] == ["cup", "cup-xmpp", "cup-xmpp-s2s", "ipsec", "tomcat"]
    assert units(minimal, "cucm-pub")[:6] == [
        "CallManager",
        "CAPF",
        "TVS",
        "ITLRecovery",
        "tomcat",
        "ipsec",
    ]


def test_itlrecovery_appears_with_11_0(make_lab: LabFactory) -> None:
    assert "ITLRecovery" not in units(make_lab("minimal", "10.5"), "cucm-pub")
    assert "ITLRecovery" in units(make_lab("minimal", "11.5"), "cucm-pub")


def test_cup_xmpp_s2s_has_its_own_trust_store_before_10_0(make_lab: LabFactory) -> None:
    old, new = make_lab("minimal", "8.6"), make_lab("minimal", "10.5")
    assert "cup-xmpp-s2s-trust" in stores(old, "imp-sub1")
    assert "cup-xmpp-s2s-trust" not in stores(new, "imp-sub1")
    s2s = new.own_certs("imp-pub")[2]
    assert s2s.unit == "cup-xmpp-s2s"
    assert s2s.cert in [t.cert for t in new.trust_certs("imp-sub1") if t.store == "cup-xmpp-trust"]


def test_drf_master_runs_on_the_cucm_publisher_and_before_10_0_on_the_imp_publisher(
    make_lab: LabFactory,
) -> None:
    for version, imp_has_master in (("8.6", True), ("10.5", False), ("14.0", False)):
        lab = make_lab("minimal", version)
        assert "Cisco DRF Master" in service_names(lab, "cucm-pub")
        assert ("Cisco DRF Master" in service_names(lab, "imp-pub")) is imp_has_master
        assert "Cisco DRF Master" not in service_names(lab, "imp-sub1")
        assert all("Cisco DRF Local" in service_names(lab, n) for n in lab.node_names())


def test_15_nodes_list_drf_primary_and_snmp_primary_agent(make_lab: LabFactory) -> None:
    old, new = make_lab("minimal", "14.0"), make_lab("minimal", "15.0")
    assert {"Cisco DRF Master", "SNMP Master Agent"} <= set(service_names(old, "cucm-pub"))
    assert {"Cisco DRF Primary", "SNMP Primary Agent"} <= set(service_names(new, "cucm-pub"))
    assert not {"Cisco DRF Master", "SNMP Master Agent"} & set(service_names(new, "cucm-pub"))


@pytest.mark.parametrize(("version", "hashed"), [("10.5", False), ("11.5", True), ("15", True)])
def test_trust_file_names_are_cn_and_serial_from_11_5_host_before(
    make_lab: LabFactory, version: str, hashed: bool
) -> None:
    lab = make_lab("minimal", version)
    tomcat = next(c for c in lab.own_certs("cucm-pub") if c.unit == "tomcat")
    serial = format(tomcat.cert.serial_number, "x")
    files = [t.file for t in lab.trust_certs("imp-sub1") if t.cert == tomcat.cert]
    expected = (
        f"tomcat-trust/cucm-pub.lab.example_{serial}.pem" if hashed else "tomcat-trust/cucm-pub.pem"
    )
    assert files == [expected]
    assert all(
        re.fullmatch(r"[\w.-]+-trust/[\w.-]+\.pem", t.file) for t in lab.trust_certs("cucm-pub")
    )


def test_ssosp_tomcat_exists_on_cucm_from_11_5(make_lab: LabFactory) -> None:
    assert "Cisco SSOSP Tomcat" not in service_names(make_lab("minimal", "10.5"), "cucm-pub")
    assert "Cisco SSOSP Tomcat" in service_names(make_lab("minimal", "12.5"), "cucm-pub")
