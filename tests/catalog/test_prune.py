"""§5: what to stop before deleting trust certs, by version, and where deletes must be done."""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

import pytest

from uccert.catalog import DeleteScope, Product, Version, delete_scope, pre_stops_for
from uccert.catalog.prune import PRE_STOPS

V = Version.parse
IMP, CUCM = Product.IMP, Product.CUCM


def test_imp_11_5_stops_expiry_monitor_then_intercluster_sync_agent() -> None:
    assert pre_stops_for(IMP, V("11.5"), ["cup-trust"]) == (
        "Cisco Certificate Expiry Monitor",
        "Cisco Intercluster Sync Agent",
    )


@pytest.mark.parametrize("version", ["12.0", "12.5", "14", "15"])
def test_imp_from_12_0_needs_no_pre_stops(version: str) -> None:
    assert pre_stops_for(IMP, V(version), ["cup-trust", "tomcat-trust"]) == ()


def test_imp_pre_stops_record_the_guides_wording() -> None:
    (imp,) = [p for p in PRE_STOPS if p.product is IMP and len(p.services) > 1]
    assert "Platform Administrative Web Service" in imp.guides_note


def test_cucm_11_5_stops_ccn_for_tomcat_trust() -> None:
    assert pre_stops_for(CUCM, V("11.5"), ["tomcat-trust"]) == (
        "Cisco Certificate Expiry Monitor",
        "Cisco Certificate Change Notification",
    )


def test_cucm_12_5_stops_nothing_for_tomcat_trust() -> None:
    assert pre_stops_for(CUCM, V("12.5"), ["tomcat-trust"]) == ()


def test_cucm_stops_nothing_when_no_tomcat_trust_goes() -> None:
    assert pre_stops_for(CUCM, V("11.5"), ["ipsec-trust", "CallManager-trust"]) == ()


@pytest.mark.parametrize("product", [CUCM, IMP])
def test_before_11_0_ccn_stops_on_every_node_whatever_the_store(product: Product) -> None:
    """A delete does not propagate before 11.0 and CCN would put the cert back from a peer."""
    ccn = "Cisco Certificate Change Notification"
    assert ccn in pre_stops_for(product, V("10.5"), ["ipsec-trust"])
    assert ccn not in pre_stops_for(product, V("11.0"), ["ipsec-trust"])


def test_imp_10_5_stops_ccn_after_the_notes_services() -> None:
    assert pre_stops_for(IMP, V("10.5"), ["cup-trust"]) == (
        "Cisco Certificate Expiry Monitor",
        "Cisco Intercluster Sync Agent",
        "Cisco Certificate Change Notification",
    )


def test_nothing_to_delete_nothing_to_stop() -> None:
    assert pre_stops_for(IMP, V("9.1"), []) == ()


def test_delete_propagates_from_11_0() -> None:
    assert delete_scope(V("10.5")) is DeleteScope.EVERY_NODE
    assert delete_scope(V("11.0")) is DeleteScope.PROPAGATES
    assert delete_scope(V("14")) is DeleteScope.PROPAGATES
