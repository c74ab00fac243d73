"""Trust stores: which store holds the peers' certs for each unit, per product and version (§1).

A trust store is named `<unit>-trust`, with one version rule: before 10.0 cup-xmpp-s2s had its
own `cup-xmpp-s2s-trust`; from 10.0 it shares `cup-xmpp-trust` with cup-xmpp.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from dataclasses import dataclass

from uccert.catalog.errors import UnknownNameError
from uccert.catalog.topology import Product
from uccert.catalog.units import unit
from uccert.catalog.versions import ALL_VERSIONS, Version, VersionRange, before

TRUST_SUFFIX = "-trust"  # §5: "Trust certs are the files ending in -trust"


@dataclass(frozen=True)
class TrustStore:
    name: str
    products: frozenset[Product]
    versions: VersionRange = ALL_VERSIONS

    def exists_on(self, product: Product, version: Version) -> bool:
        return product in self.products and version in self.versions


@dataclass(frozen=True)
class UnitTrust:
    """Row of the §1 "trust store" column: `unit` trusts peers through `store` in `versions`."""

    unit: str
    store: str
    versions: VersionRange = ALL_VERSIONS


_IMP = frozenset({Product.IMP})
_CUCM = frozenset({Product.CUCM})
_BOTH = frozenset({Product.CUCM, Product.IMP})
_S2S_OWN_STORE = before("10.0")  # §1: cup-xmpp-s2s-trust before 10.0
_S2S_SHARED_STORE = VersionRange(since=_S2S_OWN_STORE.before)

TRUST_STORES: tuple[TrustStore, ...] = (
    TrustStore("cup-trust", _IMP),
    TrustStore("cup-xmpp-trust", _IMP),
    TrustStore("cup-xmpp-s2s-trust", _IMP, _S2S_OWN_STORE),
    TrustStore("ipsec-trust", _BOTH),
    TrustStore("tomcat-trust", _BOTH),
    TrustStore("CallManager-trust", _CUCM),
    TrustStore("CAPF-trust", _CUCM),
)

# §1 table, "trust store" column. ECDSA twins use their RSA unit's row.
# TVS and ITLRecovery: docs/design/procedure.md §1 names no trust store for them.
UNIT_TRUST: tuple[UnitTrust, ...] = (
    UnitTrust("cup", "cup-trust"),
    UnitTrust("cup-xmpp", "cup-xmpp-trust"),
    UnitTrust("cup-xmpp-s2s", "cup-xmpp-s2s-trust", _S2S_OWN_STORE),
    UnitTrust("cup-xmpp-s2s", "cup-xmpp-trust", _S2S_SHARED_STORE),
    UnitTrust("ipsec", "ipsec-trust"),
    UnitTrust("tomcat", "tomcat-trust"),
    UnitTrust("CallManager", "CallManager-trust"),
    UnitTrust("CAPF", "CAPF-trust"),
)


def is_trust_store(name: str) -> bool:
    return name.endswith(TRUST_SUFFIX)


def trust_store(name: str) -> TrustStore:
    for store in TRUST_STORES:
        if store.name == name:
            return store
    known = ", ".join(s.name for s in TRUST_STORES)
    raise UnknownNameError(f"unknown trust store {name!r}: expected one of {known}")


def trust_store_for(unit_name: str, version: Version) -> str | None:
    """The store holding the peer certs `unit_name` validates against at `version`."""
    rules_from = unit(unit_name).rules_from
    for row in UNIT_TRUST:
        if row.unit == rules_from and version in row.versions:
            return row.store
    return None


def stores_on(product: Product, version: Version) -> tuple[str, ...]:
    """The trust stores a node of `product` has at `version`, in table order."""
    return tuple(s.name for s in TRUST_STORES if s.exists_on(product, version))


def units_trusting(store: str, version: Version) -> tuple[str, ...]:
    """RSA units that validate peers through `store` at `version` (cup-xmpp-trust from 10.0:
    cup-xmpp and cup-xmpp-s2s)."""
    trust_store(store)  # reject unknown names
    return tuple(r.unit for r in UNIT_TRUST if r.store == store and version in r.versions)
