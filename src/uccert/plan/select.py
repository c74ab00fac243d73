"""Which (node, unit) pairs a plan regenerates, and which it leaves alone and why (§2 step 2).

A unit is regenerated on a node when the catalog says the node has it (product, version), the
snapshot shows its cert, and that cert is self-signed. A CA-signed cert is left alone: a
regeneration would overwrite it with a self-signed one; its route is a CSR. The admin may
override that (`force_self_signed`), and is warned.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from uccert import catalog
from uccert.model import CertInfo
from uccert.plan.request import PlanError, canonical_unit
from uccert.plan.scope import PRODUCT_ORDER, NodeFacts


@dataclass(frozen=True)
class Candidate:
    """`unit`'s cert on `node` (`forced`: CA-signed, regenerated on the admin's word)."""

    node: NodeFacts
    unit: str
    cert: CertInfo
    forced: bool = False


@dataclass(frozen=True)
class Selection:
    """`chosen`: to regenerate, unit by unit (catalog order), nodes in scope order.
    `ca_signed`: left alone for the CSR route. `not_read`: the node should have the unit
    but the snapshot shows no cert. `absent`: asked-for units no node in scope has."""

    chosen: tuple[Candidate, ...]
    ca_signed: tuple[Candidate, ...]
    not_read: tuple[tuple[NodeFacts, str], ...]
    absent: tuple[str, ...]


_PRODUCT_NAMES = {catalog.Product.CUCM: "CUCM", catalog.Product.IMP: "IM/P"}


def _where(unit: catalog.Unit) -> str:
    products = " and ".join(_PRODUCT_NAMES[p] for p in PRODUCT_ORDER if p in unit.products)
    return f"{unit.name} exists on {products} nodes ({unit.versions})"


def select(nodes: Sequence[NodeFacts], units: Sequence[str], force_self_signed: bool) -> Selection:
    wanted = {canonical_unit(u) for u in units}
    if not wanted:
        raise PlanError("no units asked for: give --units (e.g. --units cup-xmpp, or all)")
    ordered = [u for u in catalog.UNITS.values() if u.name in wanted]
    chosen: list[Candidate] = []
    ca_signed: list[Candidate] = []
    not_read: list[tuple[NodeFacts, str]] = []
    absent: list[str] = []
    for unit in ordered:
        having = [n for n in nodes if unit.exists_on(n.product, n.version)]
        if not having:
            absent.append(unit.name)
            continue
        for node in having:
            cert = node.snap.identity(unit.name)
            if cert is None:
                not_read.append((node, unit.name))
            elif cert.self_signed:
                chosen.append(Candidate(node, unit.name, cert))
            elif force_self_signed:
                chosen.append(Candidate(node, unit.name, cert, forced=True))
            else:
                ca_signed.append(Candidate(node, unit.name, cert))
    if len(absent) == len(ordered):
        scope = ", ".join(n.name for n in nodes)
        why = "; ".join(_where(u) for u in ordered)
        raise PlanError(
            f"none of the units asked for exists on the nodes in scope ({scope}): {why}; "
            "choose other --nodes (imp, cucm, all or names) or other --units"
        )
    return Selection(tuple(chosen), tuple(ca_signed), tuple(not_read), tuple(absent))
