"""What the admin asked for: units and node scope, parsed from the command line.

Unit names are checked against the catalog here, so a typo stops before the cluster is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from uccert import catalog
from uccert.catalog import AFTER_UNIT_CHANGE
from uccert.errors import ConfigError

ALL: Final = "all"
# --nodes keywords: the note's scope (IM/P, the default), the CUCM nodes, or every node.
SCOPES: Final = ("imp", "cucm", "all")
DEFAULT_SCOPE: Final = "imp"

# Units uccert can regenerate: those the procedure has a restart table for (the note's five
# and their ECDSA twins), in catalog order. CallManager, CAPF, TVS, ITLRecovery are not.
REGENERABLE: Final[tuple[str, ...]] = tuple(
    u.name for u in catalog.UNITS.values() if u.rules_from in AFTER_UNIT_CHANGE
)


class PlanError(ConfigError):
    """The request cannot be planned; nothing was changed (exit 2)."""


@dataclass(frozen=True)
class RegenRequest:
    """``units``: unit names, already expanded (`parse_units`); ``nodes``: a scope keyword
    (``imp``, ``cucm``, ``all``) or node names; ``command``: the command line, for the run."""

    units: tuple[str, ...]
    nodes: tuple[str, ...] | str = DEFAULT_SCOPE
    literal: bool = False
    force_self_signed: bool = False
    command: str = ""
    force_replication: bool = False  # go on although a node's replication is not good


def _valid_units() -> str:
    return ", ".join((*REGENERABLE, ALL))


def canonical_unit(name: str) -> str:
    """The catalog's spelling of `name` (case-insensitive), or PlanError naming valid units."""
    by_lower = {u.lower(): u for u in REGENERABLE}
    found = by_lower.get(name.strip().lower())
    if found is not None:
        return found
    if name.strip() in catalog.UNITS:
        raise PlanError(
            f"{name.strip()} is outside the procedure uccert regenerates (renew it by Cisco's "
            f"CUCM security guide, one unit at a time): --units takes {_valid_units()}"
        )
    raise PlanError(f"unknown unit {name.strip()!r}: --units takes {_valid_units()}")


def parse_units(text: str) -> tuple[str, ...]:
    """``"cup,cup-xmpp"`` or ``"all"`` -> unit names in catalog order (the order they are
    regenerated in), without duplicates."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise PlanError(f"--units is empty: give one or more of {_valid_units()}")
    if any(p.lower() == ALL for p in parts):
        return REGENERABLE
    wanted = {canonical_unit(p) for p in parts}
    return tuple(u for u in REGENERABLE if u in wanted)


def parse_nodes(text: str) -> tuple[str, ...] | str:
    """``imp`` | ``cucm`` | ``all`` (any case) -> that keyword; otherwise comma-separated
    node names, in the order given, without duplicates (checked against the snapshot later)."""
    cleaned = text.strip()
    if cleaned.lower() in SCOPES:
        return cleaned.lower()
    names = tuple(dict.fromkeys(p.strip() for p in cleaned.split(",") if p.strip()))
    if not names:
        raise PlanError(f"--nodes is empty: give {', '.join(SCOPES)} or comma-separated node names")
    return names
