"""`uccert check`: what is wrong with each cluster's certificates. Summary first (per severity
and code: how many, on which nodes, the earliest date), then each group's fix once; every
finding with ``--details`` (always in ``--json``). Exit 1 when a node could not be read, else
3 when any finding is a warning or an error, else 0."""

from __future__ import annotations

import re
import sys
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from uccert.config import DEFAULT_INVENTORY

from .common import (
    ClusterOption,
    InventoryOption,
    JsonOption,
    console,
    group_fix,
    read_snapshots,
)
from .output import Cell, Column, clean, fit_columns, paged

if TYPE_CHECKING:  # uccert.model imports cryptography: not for --help
    from uccert.model import Finding, Snapshot

CLUSTER_WIDE = "(cluster)"
_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


def compress_nodes(names: Sequence[str], every: Sequence[str] = ()) -> str:
    """``imp-pub, imp-sub1..3``: runs of three or more numbered names shortened; ``every node``
    when the names are all the cluster's nodes."""
    unique = list(dict.fromkeys(names))
    if every and len(every) > 1 and set(unique) == set(every):
        return f"every node ({len(every)})"
    out: list[str] = []
    i = 0
    while i < len(unique):
        match = re.fullmatch(r"(.*?)(\d+)", unique[i])
        j = i
        if match:
            prefix, number = match.group(1), int(match.group(2))
            while j + 1 < len(unique) and unique[j + 1] == f"{prefix}{number + j + 1 - i}":
                j += 1
        if j - i >= 2 and match:
            out.append(f"{unique[i]}..{number + j - i}")
        else:
            out += unique[i : j + 1]
        i = j + 1
    return ", ".join(out) if out else CLUSTER_WIDE


def _cert_dates(snapshots: Sequence[Snapshot]) -> dict[tuple[str, str, str], datetime]:
    """(cluster, node, subject) -> the cert's not-after, for the subjects that name one cert
    (an identity unit, or ``store/file``)."""
    dates: dict[tuple[str, str, str], datetime] = {}
    for snap in snapshots:
        for n in snap.nodes:
            for c in n.identities:
                dates[(snap.cluster, n.node.name, c.unit)] = c.not_after
            for t in n.trusts:
                dates[(snap.cluster, n.node.name, f"{t.store}/{t.file}")] = t.cert.not_after
    return dates


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 or word == "info" else f"{n} {word}s"


def _wrap(text: str, width: int, first: str, rest: str) -> list[Text]:
    lines = textwrap.wrap(
        text,
        max(width, 40),
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [Text(line) for line in lines]


def render_lines(
    findings: Sequence[Finding],
    width: int = 80,
    snapshots: Sequence[Snapshot] = (),
    *,
    details: bool = False,
) -> list[Text]:
    """Summary first (per severity and code: how many, where, the earliest date), then each
    group's fix once; every finding with ``details``."""
    if not findings:
        return [Text("no problems found (0 error, 0 warning, 0 info)")]
    every = {s.cluster: [n.node.name for n in s.nodes] for s in snapshots}
    dates = _cert_dates(snapshots)
    lines: list[Text] = []
    clusters = list(dict.fromkeys(f.cluster for f in findings))
    for cluster in clusters:
        mine = [f for f in findings if f.cluster == cluster]
        counts = Counter(f.severity.value for f in mine)
        nodes = {f.node for f in mine if f.node}
        if lines:
            lines.append(Text(""))
        headline = ", ".join(_plural(counts.get(s, 0), s) for s in ("error", "warning", "info"))
        lines.append(
            Text(f"Cluster {clean(cluster)}: ", style="bold")
            + Text(headline)
            + Text(f" on {_plural(len(nodes), 'node')}")
        )
        lines.append(Text(""))
        groups: dict[tuple[str, str], list[Finding]] = {}
        for f in mine:
            groups.setdefault((f.severity.value, f.code), []).append(f)
        rows: list[list[Cell]] = []
        for (severity, code), found in groups.items():
            when = [d for f in found if (d := dates.get((cluster, f.node or "", f.subject)))]
            rows.append(
                [
                    Text(severity, style=_SEVERITY_STYLE.get(severity, "")),
                    clean(code),
                    str(len(found)),
                    clean(
                        compress_nodes(
                            [f.node or CLUSTER_WIDE for f in found], every.get(cluster, ())
                        )
                    ),
                    min(when).strftime("%Y-%m-%d") if when else "",
                ]
            )
        columns = [
            Column("SEVERITY"),
            Column("CODE", shrink=1, minimum=14),
            Column("COUNT", right=True),
            Column("NODES", shrink=2, minimum=12),
            Column("FIRST EXPIRY"),
        ]
        lines += fit_columns(columns, rows, width)
        lines.append(Text(""))
        lines.append(Text("What to do", style="bold"))
        for (_, code), found in groups.items():
            fix = clean(group_fix([f.fix for f in found]))
            lines += _wrap(f"{clean(code)} -> {fix}", width, "  ", "      ")
        if details:
            lines += _detail_lines(mine, width)
    if not details:
        lines.append(Text(""))
        lines.append(Text("Each finding: uccert check --details (or --json).", style="dim"))
    return lines


def _detail_lines(findings: Sequence[Finding], width: int) -> list[Text]:
    """Every finding, grouped by node, with its own fix."""
    lines = [Text(""), Text("Details", style="bold")]
    by_node: dict[str, list[Finding]] = {}
    for f in findings:
        by_node.setdefault(f.node or CLUSTER_WIDE, []).append(f)
    for node, found in by_node.items():
        lines.append(Text(f"{clean(node)}:", style="bold"))
        for f in found:
            style = _SEVERITY_STYLE.get(f.severity.value, "")
            head = _wrap(
                f"{f.severity.value} {f.code} {clean(f.subject)}: {clean(f.message)}",
                width,
                "  ",
                "      ",
            )
            if head:
                plain = head[0].plain
                head[0] = Text(plain)
                head[0].stylize(style, 2, 2 + len(f.severity.value))
            lines += head
            lines += _wrap(f"fix: {clean(f.fix)}", width, "      ", "        ")
    return lines


def render(
    findings: Iterable[Finding],
    width: int = 80,
    snapshots: Sequence[Snapshot] = (),
    *,
    details: bool = False,
) -> str:
    """``render_lines`` as plain text (no colour)."""
    lines = render_lines(list(findings), width, snapshots, details=details)
    return "\n".join(line.plain for line in lines) + "\n"


def check(
    inventory: InventoryOption = DEFAULT_INVENTORY,
    cluster: ClusterOption = None,
    json_out: JsonOption = False,
    details: Annotated[
        bool, typer.Option("--details", help="Every finding on its own, with its fix.")
    ] = False,
    warn_days: Annotated[
        int | None,
        typer.Option(
            "--warn-days", min=0, help="Expiry warning window (default: the inventory's)."
        ),
    ] = None,
) -> None:
    """Check every node's certificates: exit 3 on a warning or an error, 1 if a node was unread."""
    from uccert.checks import exit_code_for, run_checks  # the checks: not for --help
    from uccert.model import Finding, dumps, findings_to_json

    clusters, snapshots = read_snapshots(inventory, cluster)
    now = datetime.now(UTC)
    findings: list[Finding] = []
    for config, snap in zip(clusters, snapshots, strict=True):
        days = warn_days if warn_days is not None else config.thresholds.warn_days
        findings.extend(run_checks(snap, now, days))
    findings.sort(key=Finding.sort_key)
    if json_out:
        sys.stdout.write(dumps(findings_to_json(findings)))
    else:
        out = console()
        with paged(out):
            for line in render_lines(findings, out.width, snapshots, details=details):
                out.print(line, soft_wrap=True)
    raise typer.Exit(exit_code_for(findings))
