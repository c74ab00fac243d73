"""What uccert refuses to do, whatever it is asked (§1, §4; docs/design/architecture.md, "Security
model").

Each refusal carries a code and a reason a user can act on. The CLI refuses; the planner never
plans it.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from uccert.catalog.topology import Product
from uccert.catalog.trust import is_trust_store


class GuardCode(StrEnum):
    IDENTITY_CERT = "identity-cert"
    NEVER_DELETE = "never-delete"
    PUBLISHER_IPSEC_TRUST = "publisher-ipsec-trust"
    # the trust-prune planner's, on what it sees in the cluster (plan/prune_guards.py)
    NOT_IN_PROCEDURE = "not-in-procedure"  # no restart rule for the store on that version
    CURRENT_IDENTITY = "current-identity"  # a node's current identity cert
    ANCHORS_IDENTITY = "anchors-identity"  # a CA on the chain of a CA-signed identity


@dataclass(frozen=True)
class Refusal:
    """What is not done and why; ``liftable``: ``--force`` does it anyway (and warns)."""

    code: GuardCode
    reason: str
    liftable: bool = False


# §1: "must never be deleted"
NEVER_DELETE: Mapping[Product, frozenset[str]] = MappingProxyType(
    {
        Product.IMP: frozenset(
            {"cup.pem", "cup-xmpp.pem", "cup-xmpp-s2s.pem", "ipsec.pem", "tomcat.pem"}
        ),
        Product.CUCM: frozenset(
            {"CallManager.pem", "tomcat.pem", "ipsec.pem", "CAPF.pem", "TVS.pem"}
        ),
    }
)

# §1: renewing these together unregisters every phone: at most one of them per batch.

# §4: the CUCM publisher's ipsec cert in a subscriber's ipsec-trust keeps DRS working.
PUBLISHER_IPSEC_STORE = "ipsec-trust"


def _base_name(file_name: str) -> str:
    return file_name.rsplit("/", 1)[-1]


def _names_node(stem: str, names: Iterable[str]) -> bool:
    # `<hostname>.pem` (older releases) or `<CN>_<serial>.pem` (current), docs/design/interfaces.md
    # §1
    return any(stem == n or stem.startswith(f"{n}_") for n in names if n)


def deletion_refusal(
    product: Product,
    store: str,
    file_name: str,
    cucm_publisher_names: Iterable[str] = (),
) -> Refusal | None:
    """Why deleting `store`/`file_name` on a `product` node is forbidden, or None if allowed.

    `cucm_publisher_names`: the CUCM publisher's host name and FQDN, to protect its ipsec
    cert in every subscriber's ipsec-trust.
    """
    base = _base_name(file_name)
    if not is_trust_store(store):
        return Refusal(
            GuardCode.IDENTITY_CERT,
            f"{store}/{base} is an identity certificate: identity certs are never deleted; "
            f"regenerate or replace it instead",
        )
    if base in NEVER_DELETE[product]:
        return Refusal(
            GuardCode.NEVER_DELETE,
            f"{base} is on the never-delete list for {product}: leave it in place",
        )
    if store == PUBLISHER_IPSEC_STORE and _names_node(
        base.removesuffix(".pem"), cucm_publisher_names
    ):
        return Refusal(
            GuardCode.PUBLISHER_IPSEC_TRUST,
            f"{store}/{base} is the CUCM publisher's ipsec cert: deleting it breaks DRS "
            "backups; if it is expired, regenerate ipsec on the publisher instead",
        )
    return None
