"""`uccert doctor`: the first command to run against a real cluster. Read-only: it tries every
interface uccert uses on every node and prints what worked, and for what did not, the reason as
observed and what to change. Exit 0 when everything uccert needs works, 1 otherwise.

``--record DIR`` also writes every answer (docs/doctor.md), secrets always removed; ``--redact``
also replaces host names and printed serials, for a bug report.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from uccert.config import DEFAULT_INVENTORY, load_inventory, resolve_credentials, select_clusters
from uccert.errors import ConfigError, ExitCode

from .common import ClusterOption, InventoryOption, console

if TYPE_CHECKING:
    from uccert.cluster import Check

MARKS = {"ok": "ok", "fail": "FAIL", "unused": "not in use"}


def table(cluster: str, checks: list[Check]) -> Table:
    out = Table(title=f"{cluster}: interfaces")
    for header in ("node", "interface", "result", "detail", "fix"):
        out.add_column(header, overflow="fold")
    for c in checks:
        out.add_row(c.node, c.interface, MARKS[c.status], c.detail, c.fix)
    return out


def _record_dir(record: Path, clusters: int, name: str) -> Path:
    return record if clusters == 1 else record / name


def doctor(
    inventory: InventoryOption = DEFAULT_INVENTORY,
    cluster: ClusterOption = None,
    record: Annotated[
        Path | None,
        typer.Option("--record", help="Also write every answer here (secrets removed)."),
    ] = None,
    redact: Annotated[
        bool,
        typer.Option("--redact", help="With --record: replace host names and printed serials."),
    ] = False,
) -> None:
    """Try every interface uccert uses on every node (read-only) and say what to fix."""
    import asyncio

    from uccert.cluster import Doctor, NodeTargets, all_ok, write_record

    if redact and record is None:
        raise ConfigError("--redact only applies to a record — add --record DIR")
    if record is not None and record.exists() and not record.is_dir():
        raise ConfigError(f"--record {str(record)!r} is not a directory — pick another path")
    inv = load_inventory(inventory)
    clusters = select_clusters(inv, cluster)
    prompt = getpass.getpass if sys.stdin.isatty() else None
    creds = [resolve_credentials(c.credentials, cluster=c.name, prompt=prompt) for c in clusters]
    pins_dir = inv.path.resolve().parent
    doctors = [
        Doctor(c, cr, NodeTargets(c, cr, pins_dir)) for c, cr in zip(clusters, creds, strict=True)
    ]

    async def run() -> list[list[Check]]:
        return list(await asyncio.gather(*(d.run() for d in doctors)))

    results = asyncio.run(run())
    out = console()
    for d, checks in zip(doctors, results, strict=True):
        out.print(table(d.config.name, checks))
        if record is not None:
            where = _record_dir(record, len(doctors), d.config.name)
            path = write_record(
                where,
                d.config.name,
                list(d.recordings.values()),
                [c.to_json() for c in checks],
                d.secrets(),
                redacted=redact,
            )
            print(f"recorded: {path}", file=sys.stderr)
    for d, checks in zip(doctors, results, strict=True):
        for c in (c for c in checks if c.status == "fail"):
            print(
                f"error: {d.config.name}/{c.node}: {c.interface}: {c.detail} — {c.fix}",
                file=sys.stderr,
            )
    if not all(all_ok(cs) for cs in results):
        raise typer.Exit(ExitCode.FAILED)
