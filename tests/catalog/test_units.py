"""§1: identity units, their owners, keys, CNs and files."""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

import pytest

from uccert.catalog import (
    UNITS,
    CommonNameRule,
    KeyAlgorithm,
    Product,
    TlsMode,
    Unit,
    UnknownNameError,
    Version,
    unit,
    units_on,
)

V = Version.parse
IMP_UNITS = {"cup", "cup-xmpp", "cup-xmpp-s2s", "ipsec", "tomcat"}
CUCM_UNITS = {"CallManager", "CAPF", "TVS", "ITLRecovery", "tomcat", "ipsec"}
IMP_TWINS = {"cup-ECDSA", "cup-xmpp-ECDSA", "cup-xmpp-s2s-ECDSA", "tomcat-ECDSA"}
CUCM_TWINS = {"CallManager-ECDSA", "tomcat-ECDSA"}


def names(units: tuple[Unit, ...]) -> set[str]:
    return {u.name for u in units}


def test_imp_owns_the_five_note_units_before_11() -> None:
    assert names(units_on(Product.IMP, V("10.5"))) == IMP_UNITS


def test_cucm_owns_its_units_before_11() -> None:
    assert names(units_on(Product.CUCM, V("10.5"))) == CUCM_UNITS


def test_ecdsa_twins_exist_only_from_11_0() -> None:
    assert names(units_on(Product.IMP, V("11.0"))) == IMP_UNITS | IMP_TWINS
    assert names(units_on(Product.CUCM, V("11.5"))) == CUCM_UNITS | CUCM_TWINS
    assert not names(units_on(Product.IMP, V("10.5.2"))) & IMP_TWINS


def test_note_scope_is_exactly_the_five_imp_units() -> None:
    assert {u.name for u in UNITS.values() if u.in_note_scope} == IMP_UNITS


@pytest.mark.parametrize(
    ("name", "own_file"),
    [
        ("cup", "cup/cup.pem"),
        ("tomcat", "tomcat/tomcat.pem"),
        ("cup-xmpp", "cup-xmpp/cup-xmpp.pem"),
        ("cup-xmpp-s2s", "cup-xmpp-s2s/cup-xmpp-s2s.pem"),
        ("CallManager", "CallManager/CallManager.pem"),
        ("tomcat-ECDSA", "tomcat-ECDSA/tomcat-ECDSA.pem"),
    ],
)
def test_own_file_as_show_cert_list_own_prints_it(name: str, own_file: str) -> None:
    assert unit(name).own_file == own_file


@pytest.mark.parametrize(
    ("name", "multi"),
    [
        ("cup", False),
        ("cup-xmpp", True),
        ("cup-xmpp-s2s", True),
        ("ipsec", False),
        ("tomcat", True),
    ],
)
def test_multi_server_csr_column_of_section_1(name: str, multi: bool) -> None:
    assert unit(name).multi_server is multi


def test_rsa_units_use_rsa_2048_and_fqdn_cn() -> None:
    tomcat = unit("tomcat")
    assert tomcat.key is KeyAlgorithm.RSA
    assert tomcat.cn_rule is CommonNameRule.FQDN
    assert tomcat.common_name("imp-pub", "lab.example") == "imp-pub.lab.example"


def test_ecdsa_twin_cn_is_host_dash_ec() -> None:
    twin = unit("cup-xmpp-ECDSA")
    assert twin.key is KeyAlgorithm.EC
    assert twin.cn_rule is CommonNameRule.EC_HOST
    assert twin.common_name("imp-pub", "lab.example") == "imp-pub-EC.lab.example"


def test_every_ecdsa_twin_follows_an_rsa_unit_of_the_same_products() -> None:
    twins = [u for u in UNITS.values() if u.key is KeyAlgorithm.EC]
    assert {u.name for u in twins} == IMP_TWINS | CUCM_TWINS
    for twin in twins:
        rsa = unit(twin.rules_from)
        assert twin.name == f"{rsa.name}-ECDSA"
        assert twin.products == rsa.products
        assert twin.multi_server == rsa.multi_server


def test_tomcat_and_ipsec_are_on_both_products_cup_only_on_imp() -> None:
    assert unit("tomcat").products == {Product.CUCM, Product.IMP}
    assert unit("ipsec").products == {Product.CUCM, Product.IMP}
    assert unit("cup").products == {Product.IMP}
    assert unit("TVS").products == {Product.CUCM}


def test_endpoints_of_section_7() -> None:
    assert [e.port for e in unit("tomcat").endpoints] == [8443, 443]
    assert [e.port for e in unit("cup").endpoints] == [5061]
    assert [(e.port, e.tls) for e in unit("cup-xmpp").endpoints] == [(5222, TlsMode.STARTTLS_C2S)]
    assert [(e.port, e.tls) for e in unit("cup-xmpp-s2s").endpoints] == [
        (5269, TlsMode.STARTTLS_S2S)
    ]


def test_unknown_unit_lists_the_known_ones() -> None:
    with pytest.raises(UnknownNameError, match=r"unknown certificate unit 'Tomcat'.*tomcat"):
        unit("Tomcat")
