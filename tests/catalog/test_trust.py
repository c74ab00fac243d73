"""§1 trust-store column and which stores exist per product and version."""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

import pytest

from uccert.catalog import Product, UnknownNameError, Version, is_trust_store, stores_on
from uccert.catalog import trust_store_for as store_for
from uccert.catalog.trust import units_trusting

V = Version.parse


def test_cup_xmpp_s2s_trust_store_changes_at_10_0() -> None:
    assert store_for("cup-xmpp-s2s", V("9.1.1")) == "cup-xmpp-s2s-trust"
    assert store_for("cup-xmpp-s2s", V("10.0")) == "cup-xmpp-trust"
    assert store_for("cup-xmpp-s2s", V("14")) == "cup-xmpp-trust"


@pytest.mark.parametrize("unit", ["cup", "cup-xmpp", "ipsec", "tomcat", "CallManager", "CAPF"])
@pytest.mark.parametrize("version", ["8.6", "12.5"])
def test_other_units_trust_their_own_store(unit: str, version: str) -> None:
    assert store_for(unit, V(version)) == f"{unit}-trust"


def test_ecdsa_twins_use_their_rsa_units_store() -> None:
    assert store_for("tomcat-ECDSA", V("12.5")) == "tomcat-trust"
    assert store_for("cup-xmpp-s2s-ECDSA", V("12.5")) == "cup-xmpp-trust"


def test_imp_stores_before_and_from_10_0() -> None:
    assert stores_on(Product.IMP, V("9.1")) == (
        "cup-trust",
        "cup-xmpp-trust",
        "cup-xmpp-s2s-trust",
        "ipsec-trust",
        "tomcat-trust",
    )
    assert "cup-xmpp-s2s-trust" not in stores_on(Product.IMP, V("10.0"))


def test_cucm_has_no_imp_stores() -> None:
    cucm = set(stores_on(Product.CUCM, V("12.5")))
    assert cucm == {"ipsec-trust", "tomcat-trust", "CallManager-trust", "CAPF-trust"}


def test_cup_xmpp_trust_serves_s2s_from_10_0() -> None:
    assert units_trusting("cup-xmpp-trust", V("9.1")) == ("cup-xmpp",)
    assert units_trusting("cup-xmpp-trust", V("10.5")) == ("cup-xmpp", "cup-xmpp-s2s")
    with pytest.raises(UnknownNameError):
        units_trusting("cup-xmpp-trust-nope", V("10.5"))


def test_trust_files_are_those_ending_in_trust() -> None:
    assert is_trust_store("tomcat-trust")
    assert not is_trust_store("tomcat")
