"""`uccert report --html FILE`: the fleet as one self-contained HTML page.

The clusters are read as `uccert check` reads them (same code, same --inventory and --cluster),
checked with each cluster's warn threshold, and the run database gives each cluster's last runs;
the report of each run shown is written beside the page (``FILE-runs/RUN.html``) so its link
works from wherever the page and that folder are copied together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uccert.config import DEFAULT_INVENTORY
from uccert.errors import ConfigError

from .common import (
    ClusterOption,
    DatabaseOption,
    InventoryOption,
    group_fix,
    read_snapshots,
    report_unreadable,
)

HtmlOption = Annotated[
    Path,
    typer.Option("--html", help="Write the report to this file (one page, fetches nothing)."),
]


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot write the report {path}: {exc.strerror}: pick another path"
        ) from exc


def report(
    html: HtmlOption,
    inventory: InventoryOption = DEFAULT_INVENTORY,
    cluster: ClusterOption = None,
    warn_days: Annotated[
        int | None,
        typer.Option(
            "--warn-days", min=0, help="Expiry warning window (default: the inventory's)."
        ),
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Write a fleet report: per cluster, cert expiry timeline, findings with fixes, last runs."""
    from datetime import UTC, datetime

    from uccert.checks import run_checks
    from uccert.model import Finding
    from uccert.report import RUNS_SHOWN, ClusterReport, render_fleet_html
    from uccert.run import RunBook, RunDatabase

    from .run_display import write_report

    if html.is_dir():
        raise ConfigError(f"--html {html} is a directory: name the file to write")
    if not html.parent.is_dir():
        raise ConfigError(f"--html {html}: the folder {html.parent} does not exist: create it")
    clusters, snapshots = read_snapshots(inventory, cluster)
    report_unreadable(snapshots)
    now = datetime.now(UTC)
    database = RunDatabase.locate(database_url)
    book = RunBook(database)
    # no database yet: no runs, and nothing created by looking
    found = book.runs() if database.exists else []
    runs = sorted(found, key=lambda r: r.started, reverse=True)
    folder = html.with_name(f"{html.stem}-runs")
    parts: list[ClusterReport] = []
    for config, snap in zip(clusters, snapshots, strict=True):
        days = warn_days if warn_days is not None else config.thresholds.warn_days
        findings = tuple(sorted(run_checks(snap, now, days), key=Finding.sort_key))
        mine = tuple(r for r in runs if r.cluster == config.name)
        links: dict[str, str] = {}
        for r in mine[:RUNS_SHOWN]:
            folder.mkdir(exist_ok=True)
            write_report(book.show(r.id), folder / f"{r.id}.html")
            links[r.id] = f"{folder.name}/{r.id}.html"
        by_code: dict[str, list[str]] = {}
        for f in findings:
            by_code.setdefault(f.code, []).append(f.fix)
        fixes = {code: group_fix(found) for code, found in by_code.items()}
        parts.append(ClusterReport(snap, findings, days, mine, links, fixes))
    _write(html, render_fleet_html(parts, now))
    linked = any(p.run_links for p in parts)
    print(f"Report written to {html}" + (f" (run reports in {folder}/)" if linked else ""))
