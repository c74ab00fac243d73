"""Snapshot -> findings: what is wrong with a cluster's certificates, and what to do about it.

Theory of operation
===================

A check is a pure function from a `CheckContext` (the snapshot, the time "now", the expiry
warning window) to findings. `CHECKS` is the registry: one row per module, in the order a UC
admin would look (can we read every node? what is expired? is ipsec trust consistent? ...).
`run_checks` runs every row and sorts the findings, most severe first; nothing here reads a
clock, a file or the network. Unreachable nodes produce one `node-unreachable` finding and are
skipped by every other check.

| module         | codes                                                        | procedure |
|----------------|--------------------------------------------------------------|-----------|
| reachability   | node-unreachable, pin-mismatch (error)                       |           |
| expiry         | identity-expired (error), identity-expiring (warning),       | §2, §5    |
|                | trust-expired (warning)                                      |           |
| duplicates     | trust-duplicate (warning)                                    | §5        |
| ipsec          | ipsec-trust-missing, ipsec-trust-mismatch (error),           | §4        |
|                | ipsec-publisher-missing (warning)                            |           |
| cn_clash       | cn-clash (info; warning with Expressway MRA)                 | §6        |
| ha             | ha-disabled (warning), ha-not-normal (error)                 | §3        |
| replication    | replication-not-good (error)                                 |           |
| drf            | drf-restart-pending (warning)                                | §1        |
| services       | service-not-running, restart-pending (warning)               | §1, §7    |
| partial_read   | read-warning (warning), web-only-delete (info)               |           |

`exit_code_for` maps findings to the CLI's exit code: 1 when a node could not be read (the check
is incomplete: "failed"), else 3 when any is a warning or an error, else 0.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from uccert.checks import (
    cn_clash,
    drf,
    duplicates,
    expiry,
    ha,
    ipsec,
    partial_read,
    reachability,
    replication,
    services,
)
from uccert.checks.cn_clash import CLASHING_PAIRS
from uccert.checks.context import MRA, CheckContext
from uccert.checks.ipsec import IPSEC_UNIT
from uccert.errors import ExitCode
from uccert.model import Finding, Severity, Snapshot

DEFAULT_WARN_DAYS = 30
UNREAD_CODES = frozenset({"node-unreachable", "pin-mismatch"})


@dataclass(frozen=True)
class Check:
    name: str
    codes: tuple[str, ...]
    run: Callable[[CheckContext], Iterator[Finding]]


CHECKS: tuple[Check, ...] = (
    Check("reachability", ("node-unreachable", "pin-mismatch"), reachability.check),
    Check("expiry", ("identity-expired", "identity-expiring", "trust-expired"), expiry.check),
    Check("duplicates", ("trust-duplicate",), duplicates.check),
    Check(
        "ipsec",
        ("ipsec-trust-missing", "ipsec-trust-mismatch", "ipsec-publisher-missing"),
        ipsec.check,
    ),
    Check("cn_clash", ("cn-clash",), cn_clash.check),
    Check("ha", ("ha-disabled", "ha-not-normal"), ha.check),
    Check("replication", ("replication-not-good",), replication.check),
    Check("drf", ("drf-restart-pending",), drf.check),
    Check("services", ("service-not-running", "restart-pending"), services.check),
    Check("partial_read", ("read-warning", "web-only-delete"), partial_read.check),
)

CODES: frozenset[str] = frozenset(code for c in CHECKS for code in c.codes)


def run_checks(
    snapshot: Snapshot, now: datetime, warn_days: int = DEFAULT_WARN_DAYS
) -> tuple[Finding, ...]:
    """Every check of `CHECKS` on `snapshot` at `now` (timezone-aware), most severe first."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got naive {now.isoformat()}")
    if warn_days < 0:
        raise ValueError(f"warn_days must be 0 or more, got {warn_days}")
    ctx = CheckContext(snapshot, now.astimezone(UTC), warn_days)
    found = [f for check in CHECKS for f in check.run(ctx)]
    return tuple(sorted(found, key=Finding.sort_key))


def exit_code_for(findings: Iterable[Finding]) -> ExitCode:
    """1 when a node could not be read, else 3 when any finding is a warning or an error,
    else 0 (info findings do not count)."""
    found = tuple(findings)
    if any(f.code in UNREAD_CODES for f in found):
        return ExitCode.FAILED  # a node was not read, so not checked: the check failed
    serious = {Severity.ERROR, Severity.WARNING}
    return ExitCode.PROBLEMS if any(f.severity in serious for f in found) else ExitCode.OK


__all__ = [
    "CHECKS",
    "CLASHING_PAIRS",
    "CODES",
    "DEFAULT_WARN_DAYS",
    "IPSEC_UNIT",
    "MRA",
    "Check",
    "CheckContext",
    "exit_code_for",
    "run_checks",
]
