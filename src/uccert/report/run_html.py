"""One run as a self-contained HTML page: outcome, plan warnings, and a timeline per node.

Input is the run's JSON document (``uccert runs show --json``), so the report needs nothing
but what the run database holds, and never a credential. No scripts, no external assets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape as _html_escape
from typing import Any, Final

from .safe_text import clean

_CSS: Final = """
body{font:14px system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em} h2{font-size:1.1em;margin-top:1.6em}
.ok{color:#1a7f37} .bad{color:#cf222e} .warn{color:#9a6700}
table{border-collapse:collapse;margin:.5em 0} td,th{padding:2px 8px;border-bottom:1px solid #ddd;
text-align:left;vertical-align:top} th{background:#f6f8fa}
.lane{position:relative;height:18px;background:#f6f8fa;margin:2px 0;width:100%}
.bar{position:absolute;top:2px;height:14px;border-radius:2px;min-width:2px}
.regenerate{background:#d4a72c} .restart,.start{background:#0969da} .stop{background:#cf222e}
.ha-off,.ha-restore,.ha-wait{background:#8250df} .verify,.preflight{background:#1a7f37}
.delete-trust{background:#bc4c00} .label{width:11em;display:inline-block}
"""


def escape(text: str, quote: bool = True) -> str:
    """HTML-escaped, with control characters from node text shown as escapes."""
    return _html_escape(clean(text, newlines=True), quote)


def _plan(run: Mapping[str, Any]) -> str:
    """Every step of the plan with its whole reason (the terminal shows one clause)."""
    steps = run.get("plan", {}).get("steps", ())
    if not steps:
        return ""
    rows = "".join(
        f"<tr><td>{i}</td><td>{escape(str(s.get('kind', '')))}</td>"
        f"<td>{escape(str(s.get('node') or s.get('group') or ''))}</td>"
        f"<td>{escape(str(s.get('unit') or s.get('service') or s.get('file') or ''))}</td>"
        f"<td>{escape(str(s.get('reason', '')))}</td></tr>"
        for i, s in enumerate(steps, 1)
    )
    return (
        "<h2>Plan</h2><table><tr><th>#</th><th>kind</th><th>node / group</th>"
        f"<th>unit / service</th><th>why</th></tr>{rows}</table>"
    )


def _when(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _steps(run: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [s for attempt in run.get("history", ()) for s in attempt.get("steps", ())]


def _timeline(steps: Sequence[Mapping[str, Any]]) -> str:
    timed = [(s, _when(s.get("started", "")), _when(s.get("finished", ""))) for s in steps]
    spans = [(s, a, b) for s, a, b in timed if a is not None and b is not None]
    if not spans:
        return "<p>No step times recorded.</p>"
    t0 = min(a for _, a, _ in spans)
    t1 = max(b for _, _, b in spans)
    total = max((t1 - t0).total_seconds(), 1e-6)
    lanes: dict[str, list[str]] = {}
    for s, a, b in spans:
        left = 100 * (a - t0).total_seconds() / total
        width = max(100 * (b - a).total_seconds() / total, 0.3)
        title = escape(f"{s['id']}: {s.get('detail', '')} ({(b - a).total_seconds():.1f} s)")
        kind = escape(str(s.get("kind", "")))
        bar = (
            f'<div class="bar {kind}" title="{title}" '
            f'style="left:{left:.2f}%;width:{width:.2f}%"></div>'
        )
        lanes.setdefault(str(s.get("node") or "cluster"), []).append(bar)
    rows = "".join(
        f'<div><span class="label">{escape(node)}</span>'
        f'<div class="lane" style="display:inline-block;width:calc(100% - 12em)">'
        f"{''.join(bars)}</div></div>"
        for node, bars in lanes.items()
    )
    return f"<p>{total:.1f} s from first to last step.</p>{rows}"


def render_run_html(run: Mapping[str, Any]) -> str:
    """The page for one run document."""
    outcome = run.get("outcome") or {}
    status = str(run.get("status", "?"))
    css = "ok" if status == "succeeded" else "bad"
    steps = _steps(run)
    warnings = run.get("plan", {}).get("warnings", ())
    rows = "".join(
        f"<tr><td>{escape(str(s.get('started', '')))}</td><td>{escape(str(s.get('kind')))}</td>"
        f"<td>{escape(str(s.get('node') or ''))}</td><td>{escape(str(s.get('id')))}</td>"
        f"<td>{escape(str(s.get('outcome')))}</td><td>{escape(str(s.get('detail', '')))}</td></tr>"
        for s in steps
    )
    failure = ""
    if status != "succeeded" and outcome:
        unrestored = "".join(f"<li>{escape(u)}</li>" for u in outcome.get("unrestored", ()))
        failure = (
            f'<p class="bad">Failed at {escape(str(outcome.get("failed_step")))}: '
            f"{escape(str(outcome.get('reason', '')))}</p>"
            + (f'<p class="bad">Not restored:</p><ul>{unrestored}</ul>' if unrestored else "")
        )
    warns = "".join(
        f'<li class="warn">{escape(str(w.get("code")))}: {escape(str(w.get("message")))}</li>'
        for w in warnings
    )
    title = f"uccert run {run.get('id', '')}"
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f"<p>Cluster <b>{escape(str(run.get('cluster', '')))}</b> · "
        f"<code>{escape(str(run.get('command', '')))}</code> · started "
        f"{escape(str(run.get('started', '')))} · "
        f'<span class="{css}"><b>{escape(status)}</b></span> · '
        f"{len(steps)} steps in {run.get('attempts', 1)} attempt(s)</p>"
        f"{failure}"
        f"<h2>Warnings</h2><ul>{warns or '<li>none</li>'}</ul>"
        f"<h2>Timeline per node</h2>{_timeline(steps)}"
        f"{_plan(run)}"
        f"<h2>Steps</h2><table><tr><th>started</th><th>kind</th><th>node</th><th>step</th>"
        f"<th>outcome</th><th>detail</th></tr>{rows}</table>"
        "</body></html>\n"
    )
