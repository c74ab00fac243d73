"""Deleting trust certs, by version (§5): what to stop first and where a delete must be done.

The note (written for 8.x) always stops the services of step 1; the guides need them only on
IM/P before 12.0 and CUCM 11.5 and lower. Both readings are recorded; the version decides.
Before 11.0, where a delete is not propagated, Certificate Change Notification is stopped on
every node (both products, any store): it would put the cert back from a node still holding it.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from uccert.catalog.topology import Product
from uccert.catalog.versions import Version, VersionRange, before, since

CERTIFICATE_CHANGE_NOTIFICATION = "Cisco Certificate Change Notification"


@dataclass(frozen=True)
class PreStop:
    """Stop `services` (in order) on every `product` node, publisher first, before deleting
    trust certs; start them again after the restarts (§5 steps 1 and 5)."""

    product: Product
    services: tuple[str, ...]
    versions: VersionRange
    only_for_stores: frozenset[str] | None  # None: any trust delete triggers it
    guides_note: str = ""


PRE_STOPS: tuple[PreStop, ...] = (
    PreStop(
        Product.IMP,
        ("Cisco Certificate Expiry Monitor", "Cisco Intercluster Sync Agent"),
        before("12.0"),
        None,
        guides_note="the guides name Platform Administrative Web Service and "
        "Cisco Intercluster Sync Agent",
    ),
    PreStop(
        Product.CUCM,
        ("Cisco Certificate Expiry Monitor", "Cisco Certificate Change Notification"),
        before("12.0"),  # "CUCM 11.5 and lower"
        frozenset({"tomcat-trust"}),
    ),
    # §5 step 1 (the guides' reason): before 11.0 a cert deleted on one node is put back by
    # Certificate Change Notification from the other nodes, whatever the store, and IM/P nodes
    # run it too. Stopping it on every node is what makes a per-node delete stick.
    PreStop(
        Product.CUCM,
        (CERTIFICATE_CHANGE_NOTIFICATION,),
        before("11.0"),
        None,
        guides_note="Cisco TechNote 211300: before 11.0 stop Certificate Change Notification "
        "on every node before deleting certificates",
    ),
    PreStop(
        Product.IMP,
        (CERTIFICATE_CHANGE_NOTIFICATION,),
        before("11.0"),
        None,
        guides_note="our reading: IM/P nodes run Certificate Change Notification too, and before "
        "11.0 it puts a deleted cert back from any node that still holds it",
    ),
)


class DeleteScope(StrEnum):
    EVERY_NODE = "delete on every node that holds it"
    PROPAGATES = "delete on one node; it is propagated to all nodes"


# §5 step 1-2: before 11.0 Certificate Change Notification put a cert deleted on one node
# back from the others; from 11.0 a delete is propagated.
DELETE_PROPAGATES = since("11.0")


def pre_stops_for(product: Product, version: Version, stores: Iterable[str]) -> tuple[str, ...]:
    """Services to stop, in order, on each `product` node before deleting from `stores`."""
    wanted = frozenset(stores)
    if not wanted:
        return ()
    out: list[str] = []
    for row in PRE_STOPS:
        if row.product is not product or version not in row.versions:
            continue
        if row.only_for_stores is not None and not (row.only_for_stores & wanted):
            continue
        out.extend(s for s in row.services if s not in out)
    return tuple(out)


def delete_scope(version: Version) -> DeleteScope:
    return DeleteScope.PROPAGATES if version in DELETE_PROPAGATES else DeleteScope.EVERY_NODE
