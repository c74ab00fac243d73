"""Database replication not good on a node (replication-not-good): certificate changes and
trust propagation ride on it, so fix it before any certificate work."""

from __future__ import annotations

from collections.abc import Iterator

from uccert import catalog
from uccert.checks.context import CheckContext
from uccert.model import Finding, Severity


def check(ctx: CheckContext) -> Iterator[Finding]:
    for row in ctx.snapshot.replication:
        if row.state == catalog.REPLICATION_GOOD:
            continue
        details = row.details or catalog.replication_meaning(row.state)
        yield ctx.finding(
            "replication-not-good",
            Severity.ERROR,
            None,
            row.host,
            f"{row.host}: database replication is ({row.state}) {details} "
            f"({catalog.replication_meaning(row.state)}; utils dbreplication runtimestate)",
            catalog.REPLICATION_FIX.split(", or give")[0],
        )
