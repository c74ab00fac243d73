"""The fleet as one self-contained HTML page: per cluster, the expiry timeline of every identity
cert, the findings of `uccert check` with their fixes, and the last runs with links to their
reports.

Pure: snapshots, findings and run summaries in, a string out; the page fetches nothing (inline
CSS and SVG, no script, no font, no image) so it can be mailed or archived as it is. Every text a
node sent (names, CNs, messages) is escaped for HTML and its control characters shown as
escapes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from uccert.model import Finding, Snapshot
from uccert.run import RunSummary

from .timeline_svg import CRITICAL_DAYS, State, escape, marks_of, render_timeline

_CSS: Final = """
body{font:14px system-ui,sans-serif;margin:2em;color:#222;max-width:1000px}
h1{font-size:1.5em;margin-bottom:.2em} h2{font-size:1.25em;margin-top:2em;border-bottom:2px solid
#d0d7de;padding-bottom:.2em} h3{font-size:1.05em;margin:1.2em 0 .4em}
.meta{color:#57606a} .summary span{margin-right:1.2em}
table{border-collapse:collapse;margin:.4em 0;width:100%} td,th{padding:3px 8px;border-bottom:1px
solid #d8dee4;text-align:left;vertical-align:top} th{background:#f6f8fa}
.sev-error,.st-failed,.st-interrupted{color:#cf222e;font-weight:600}
.sev-warning,.st-running{color:#9a6700;font-weight:600} .sev-info,.st-cancelled{color:#57606a}
.st-succeeded{color:#1a7f37;font-weight:600} code{font-size:12px;background:#f6f8fa;padding:1px 3px}
.unread{color:#cf222e} .empty{color:#57606a} td.fix,td.what{overflow-wrap:anywhere}
td.sev,td.code{white-space:nowrap}
details{margin:.4em 0} summary{cursor:pointer;color:#0969da}
svg.timeline{display:block;margin:.4em 0;font:11px system-ui,sans-serif;width:100%;height:auto}
svg .band{fill:#fff} svg .band:nth-of-type(even){fill:#f6f8fa}
svg .zone.critical{fill:#ffcecb;fill-opacity:.8} svg .zone.warn{fill:#fff1a8;fill-opacity:.8}
svg line.tick{stroke:#d8dee4} svg text.tick{fill:#57606a;text-anchor:middle}
svg line.knee{stroke:#8c959f;stroke-dasharray:3 3} svg text.knee{fill:#8c959f;text-anchor:middle}
svg line.today{stroke:#0969da;stroke-width:1.5} svg text.today{fill:#0969da;text-anchor:middle}
svg text.label{text-anchor:end;fill:#24292f}
svg .mark{stroke:#fff;stroke-width:1} svg .mark.ok{fill:#1a7f37} svg .mark.warn{fill:#bf8700}
svg .mark.critical{fill:#cf222e} svg .mark.expired{fill:#82071e}
svg text.days{fill:#57606a} svg text.days.warn{fill:#9a6700} svg text.days.critical,
svg text.days.expired{fill:#cf222e;font-weight:600}
.legend span{margin-right:1em} .legend i{display:inline-block;width:10px;height:10px;
border-radius:5px;margin-right:4px;vertical-align:-1px}
"""
RUNS_SHOWN: Final = 5
_COMMAND: Final = re.compile(r"`([^`<>]+)`")


@dataclass(frozen=True)
class ClusterReport:
    """One cluster's part of the page. ``runs``: newest first; ``run_links``: run id -> the
    href of its report (relative to the page), for the runs whose report was written;
    ``fixes``: a finding code -> the one fix of its findings, as `uccert check` says it (else
    the first finding's fix)."""

    snapshot: Snapshot
    findings: tuple[Finding, ...]
    warn_days: int
    runs: tuple[RunSummary, ...] = ()
    run_links: Mapping[str, str] = field(default_factory=dict)
    fixes: Mapping[str, str] = field(default_factory=dict)  # code -> its findings' fix, said once


def cluster_anchor(name: str) -> str:
    """An id attribute for a cluster's section (letters, digits, - and _ only)."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in name)
    return f"cluster-{safe}"


def _when(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _legend(warn_days: int) -> str:
    items = (
        ("#1a7f37", f"more than {warn_days} days"),
        ("#bf8700", f"within {warn_days} days"),
        ("#cf222e", f"within {CRITICAL_DAYS} days"),
        ("#82071e", "expired"),
    )
    spans = "".join(f'<span><i style="background:{c}"></i>{t}</span>' for c, t in items)
    return f'<p class="legend">{spans}</p>'


def _commands(fix: str) -> str:
    """A fix, escaped, with each `command` it names set as code."""
    return _COMMAND.sub(r"<code>\1</code>", escape(fix))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 or word == "info" else f"{n} {word}s"


def _finding_rows(findings: Sequence[Finding]) -> str:
    return "".join(
        f'<tr class="finding" data-code="{escape(f.code)}">'
        f'<td class="sev sev-{escape(f.severity.value)}">{escape(f.severity.value)}</td>'
        f'<td class="code">{escape(f.code)}</td><td>{escape(f.node or "(cluster)")}</td>'
        f'<td class="what">{escape(f.subject)}</td><td class="what">{escape(f.message)}</td>'
        f'<td class="fix">{_commands(f.fix)}</td></tr>'
        for f in findings
    )


def _findings(findings: Sequence[Finding], fixes: Mapping[str, str]) -> str:
    """As `uccert check` prints them: one row per severity and code (how many, where, the fix
    once), then every finding with its own fix, folded."""
    if not findings:
        return '<p class="empty">No problems found.</p>'
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.severity.value, f.code), []).append(f)
    rows = "".join(
        f'<tr class="group" data-code="{escape(code)}">'
        f'<td class="sev sev-{escape(severity)}">{escape(severity)}</td>'
        f'<td class="code">{escape(code)}</td>'
        f'<td class="count">{len(found)}</td>'
        f"<td>{escape(', '.join(dict.fromkeys(f.node or '(cluster)' for f in found)))}</td>"
        f'<td class="fix">{_commands(fixes.get(code, found[0].fix))}</td></tr>'
        for (severity, code), found in groups.items()
    )
    return (
        "<table><tr><th>severity</th><th>code</th><th>count</th><th>nodes</th><th>fix</th></tr>"
        f"{rows}</table>"
        f"<details><summary>Every finding ({len(findings)}), each with its fix</summary>"
        "<table><tr><th>severity</th><th>code</th><th>node</th><th>subject</th>"
        f"<th>what</th><th>fix</th></tr>{_finding_rows(findings)}</table></details>"
    )


def _runs(runs: Sequence[RunSummary], links: Mapping[str, str]) -> str:
    if not runs:
        return '<p class="empty">No run recorded for this cluster.</p>'
    rows = []
    for r in runs[:RUNS_SHOWN]:
        href = links.get(r.id)
        name = escape(r.id)
        cell = f'<a class="run" href="{escape(href)}">{name}</a>' if href else name
        status = r.status.value
        rows.append(
            f"<tr><td>{cell}</td><td><code>{escape(r.command)}</code></td>"
            f'<td class="st-{status}">{status}</td><td>{_when(r.started)}</td>'
            f"<td>{_when(r.ended)}</td><td>{r.attempts}</td><td>{escape(r.reason)}</td></tr>"
        )
    more = len(runs) - RUNS_SHOWN
    tail = f'<p class="meta">{more} older run(s): uccert runs list</p>' if more > 0 else ""
    return (
        "<table><tr><th>run</th><th>command</th><th>status</th><th>started</th><th>ended</th>"
        f"<th>attempts</th><th>reason</th></tr>{''.join(rows)}</table>{tail}"
    )


def _cluster(part: ClusterReport, now: datetime) -> str:
    snap = part.snapshot
    name = snap.cluster
    marks = marks_of(snap, now, part.warn_days)
    states = Counter(m.state for m in marks)
    severities = Counter(f.severity.value for f in part.findings)
    unread = "".join(
        f'<li class="unread">{escape(n.node.name)}: not read: {escape(n.error)}</li>'
        for n in snap.nodes
        if n.error is not None
    )
    due = states[State.EXPIRED] + states[State.CRITICAL] + states[State.WARN]
    summary = (
        f'<p class="summary"><span>{len(snap.nodes)} nodes</span>'
        f"<span>{len(marks)} identity certs</span>"
        f"<span>{due} expired or expiring within {part.warn_days} days</span>"
        f"<span>{_plural(severities['error'], 'error')}, "
        f"{_plural(severities['warning'], 'warning')}, {_plural(severities['info'], 'info')}"
        "</span></p>"
    )
    chart = render_timeline(marks, now, part.warn_days, title=f"identity certs of {name}")
    return (
        f'<section class="cluster" id="{cluster_anchor(name)}" data-cluster="{escape(name)}">'
        f'<h2 class="cluster-name">Cluster {escape(name)}</h2>{summary}'
        + (f"<ul>{unread}</ul>" if unread else "")
        + f"<h3>Identity certificate expiry</h3>{_legend(part.warn_days)}{chart}"
        f"<h3>Findings</h3>{_findings(part.findings, part.fixes)}"
        f"<h3>Last runs</h3>{_runs(part.runs, part.run_links)}"
        "</section>"
    )


def render_fleet_html(clusters: Sequence[ClusterReport], now: datetime) -> str:
    """The whole page, as of `now` (the time of the reads)."""
    toc = "".join(
        f'<li><a href="#{cluster_anchor(c.snapshot.cluster)}">{escape(c.snapshot.cluster)}</a>'
        f" ({len(c.findings)} findings)</li>"
        for c in clusters
    )
    body = "".join(_cluster(c, now) for c in clusters)
    stamp = _when(now)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>uccert fleet report {stamp}</title><style>{_CSS}</style></head><body>"
        f"<h1>uccert fleet report</h1>"
        f'<p class="meta">Read {stamp} · {len(clusters)} cluster(s) · '
        "<code>uccert report --html</code></p>"
        f"<ul class='toc'>{toc}</ul>{body}"
        "</body></html>\n"
    )
