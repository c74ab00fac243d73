"""What `uccert trust prune` was asked for, and which trust certs that selects (§5 step 2).

Candidates come from a fresh snapshot: trust entries that expired (``--expired``, the default)
and extra copies of one cert in one store of one node (``--duplicates``), narrowed by
``--store`` and ``--subject``, on the nodes of ``--nodes``. Selecting is not deciding: the
guards (`prune_guards`) and the version's delete rules (`prune`) may still refuse a candidate.

Of several copies of a cert in one store, the one kept is the copy whose file name the most
nodes hold (the name the cluster uses); a tie keeps the first listed, as `uccert check` says.
Keeping the common name matters from 11.0: a delete there goes to every node holding that file.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from uccert.catalog import TRUST_STORES
from uccert.model import CertInfo, TrustEntry, iso_utc
from uccert.plan.request import PlanError
from uccert.plan.scope import NodeFacts
from uccert.protocols import is_cli_file_name

PRUNE_SCOPE: Final = "all"  # prune looks at every node unless --nodes narrows it


@dataclass(frozen=True)
class PruneRequest:
    """``expired`` / ``duplicates``: what to select (at least one); ``store``: one trust store;
    ``subject``: a regular expression searched in the subject CN (case-insensitive);
    ``nodes``: a scope keyword (``all``, ``imp``, ``cucm``) or node names; ``force``: lift the
    one guard that may be lifted (a CA anchoring a present CA-signed identity);
    ``force_replication``: go on although a node's database replication is not good (deletes
    propagate through it from 11.0)."""

    expired: bool = True
    duplicates: bool = False
    store: str | None = None
    subject: str | None = None
    nodes: tuple[str, ...] | str = PRUNE_SCOPE
    force: bool = False
    force_replication: bool = False
    command: str = ""


def known_stores() -> tuple[str, ...]:
    return tuple(s.name for s in TRUST_STORES)


def check_request(request: PruneRequest) -> re.Pattern[str] | None:
    """Refuse a request that cannot be planned before the cluster is read; the compiled
    ``subject`` pattern, if any."""
    if not (request.expired or request.duplicates):
        raise PlanError("nothing to select: give --expired, --duplicates or both")
    if request.store is not None and request.store not in known_stores():
        raise PlanError(
            f"--store {request.store!r} is not a trust store uccert knows: give one of "
            f"{', '.join(known_stores())}"
        )
    if request.subject is None:
        return None
    try:
        return re.compile(request.subject, re.IGNORECASE)
    except re.error as exc:
        raise PlanError(
            f"--subject {request.subject!r} is not a regular expression ({exc}): fix the "
            "pattern, e.g. --subject 'Legacy.*CA'"
        ) from None


@dataclass(frozen=True)
class Holding:
    """One trust entry on one node."""

    node: NodeFacts
    entry: TrustEntry

    @property
    def store(self) -> str:
        return self.entry.store

    @property
    def cert(self) -> CertInfo:
        return self.entry.cert

    @property
    def base(self) -> str:
        """The file name without its store prefix (the CLI prints either)."""
        return self.entry.file.rsplit("/", 1)[-1]

    @property
    def label(self) -> str:
        return f"{self.store}/{self.base}"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.node.name, self.store, self.base)

    def same_file(self, other: Holding) -> bool:
        """The same cert under the same file name (what a propagated delete removes)."""
        return (
            self.store == other.store
            and self.base == other.base
            and self.cert.sha256 == other.cert.sha256
        )


@dataclass(frozen=True)
class Candidate:
    """`holding` selected for deletion; ``kept``: for an extra copy, the file that stays."""

    holding: Holding
    why: str
    kept: str | None = None

    @property
    def node(self) -> NodeFacts:
        return self.holding.node


def holdings_of(nodes: Iterable[NodeFacts]) -> tuple[Holding, ...]:
    """Every trust entry of `nodes`, node by node, in listing order."""
    return tuple(Holding(n, e) for n in nodes for e in n.snap.trusts)


def _wanted(h: Holding, store: str | None, pattern: re.Pattern[str] | None) -> bool:
    if store is not None and h.store != store:
        return False
    return pattern is None or pattern.search(h.cert.subject_cn) is not None


def _extra_copies(
    mine: Sequence[Holding], prevalence: Counter[tuple[str, str, str]]
) -> Iterable[Candidate]:
    """All copies but one of each cert held more than once in one store of one node."""
    groups: dict[tuple[str, str], list[Holding]] = {}
    for h in mine:
        groups.setdefault((h.store, h.cert.sha256), []).append(h)
    for copies in groups.values():
        if len(copies) < 2:
            continue
        keep = max(copies, key=lambda h: prevalence[(h.store, h.base, h.cert.sha256)])
        for h in copies:
            if h is not keep:
                yield Candidate(
                    h,
                    f"an extra copy of {keep.label} (the same cert, SHA-256 "
                    f"{h.cert.sha256[:16]}...), which stays",
                    kept=keep.base,
                )


def select_candidates(
    scope: Sequence[NodeFacts],
    cluster: Sequence[Holding],
    request: PruneRequest,
    pattern: re.Pattern[str] | None,
    now: datetime,
) -> tuple[Candidate, ...]:
    """Candidates on the nodes in `scope`, node by node in scope order. An expired cert is
    selected in every copy; ``--duplicates`` adds the extra copies of certs still valid. A file
    the admin CLI cannot name is never a candidate (`uccert check` says web-only-delete)."""
    prevalence = Counter((h.store, h.base, h.cert.sha256) for h in cluster)
    out: list[Candidate] = []
    for node in scope:
        mine = [
            h
            for h in cluster
            if h.node.name == node.name
            and _wanted(h, request.store, pattern)
            and is_cli_file_name(h.base)
        ]
        expired = [h for h in mine if h.cert.is_expired(now)] if request.expired else []
        out += (Candidate(h, f"expired at {iso_utc(h.cert.not_after)}") for h in expired)
        if request.duplicates:
            valid = [h for h in mine if h not in expired]
            out += _extra_copies(valid, prevalence)
    return tuple(out)
