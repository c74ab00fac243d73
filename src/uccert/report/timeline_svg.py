"""Every identity cert of a cluster on one time axis, as an inline SVG (no script, no font).

One row per node and unit, a mark at the cert's not-after, a line at today, and the warn and
critical windows shaded (from today to today + critical days, then to today + warn days). The
axis starts before the earliest expired cert (or three weeks before today) and ends after the
latest not-after (at least a year after today). Identity certs live for years and the ones that
matter expire within weeks, so when the next 90 days (or three warn windows) would get less
than 40% of the width, the axis has two linear parts: up to that date over 40% of the width,
the years after over the rest, with a dashed line where the scale changes and date labels on
both parts. Each row also says its days left in words. Each mark carries ``data-*`` attributes
(node, unit, CN, state) for people with a DOM inspector and for the report's browser test.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from html import escape as _html_escape
from typing import Final

from uccert.model import Snapshot

from .safe_text import clean

CRITICAL_DAYS: Final = 7  # as the UccertIdentityExpiringIn7Days alert (contrib/prometheus)
BEFORE_TODAY: Final = timedelta(days=21)
AFTER_TODAY: Final = timedelta(days=365)
NEAR: Final = timedelta(days=90)  # the stretched part of the axis ends this far after today
NEAR_SHARE: Final = 0.4  # ... and takes this share of the width (at least 3 x warn days)
TICK_GAP: Final = 36  # pixels between two date labels, at least

WIDTH: Final = 960
LABEL_W: Final = 250  # node · unit
DAYS_W: Final = 110  # "in 12 days"
ROW_H: Final = 18
TOP: Final = 24  # the axis' date labels
PLOT_W: Final = WIDTH - LABEL_W - DAYS_W


class State(StrEnum):
    """Where a cert's not-after falls against today and the thresholds."""

    EXPIRED = "expired"
    CRITICAL = "critical"
    WARN = "warn"
    OK = "ok"


@dataclass(frozen=True)
class Mark:
    """One identity cert on the chart."""

    node: str
    unit: str
    cn: str
    not_after: datetime
    self_signed: bool
    state: State


def days_left(not_after: datetime, now: datetime) -> int:
    """Whole days from `now` to `not_after` (floor: 0 on the last day, -1 the day after)."""
    return (not_after - now) // timedelta(days=1)


def state_of(not_after: datetime, now: datetime, warn_days: int, critical_days: int) -> State:
    left = not_after - now
    if left <= timedelta(0):
        return State.EXPIRED
    if left <= timedelta(days=critical_days):
        return State.CRITICAL
    if left <= timedelta(days=warn_days):
        return State.WARN
    return State.OK


def marks_of(
    snapshot: Snapshot, now: datetime, warn_days: int, critical_days: int = CRITICAL_DAYS
) -> tuple[Mark, ...]:
    """Every identity cert of every node read, in node then unit order."""
    out: list[Mark] = []
    for node in snapshot.nodes:
        for cert in sorted(node.identities, key=lambda c: c.unit):
            state = state_of(cert.not_after, now, warn_days, critical_days)
            out.append(
                Mark(
                    node.node.name,
                    cert.unit,
                    cert.subject_cn,
                    cert.not_after,
                    cert.self_signed,
                    state,
                )
            )
    return tuple(out)


def escape(text: object) -> str:
    """Node text for an element or an attribute: control characters shown as escapes."""
    return _html_escape(clean(text), quote=True)


@dataclass(frozen=True)
class Axis:
    """Dates to x. With a ``knee``, two linear parts: [start, knee] over the first
    ``NEAR_SHARE`` of the width, [knee, end] over the rest."""

    start: datetime
    end: datetime
    knee: datetime | None = None

    @classmethod
    def around(cls, now: datetime, dates: Iterable[datetime], warn_days: int) -> Axis:
        known = list(dates)
        start = min([now - BEFORE_TODAY, *known])
        end = max([now + AFTER_TODAY, now + timedelta(days=warn_days), *known])
        start, end = start - (now - start) * 0.05, end + (end - now) * 0.02  # marks off the edges
        knee = now + max(NEAR, timedelta(days=3 * warn_days))
        if (knee - start) / (end - start) >= NEAR_SHARE:  # the near part is wide enough as is
            return cls(start, end)
        return cls(start, end, knee)

    def parts(self) -> list[tuple[datetime, datetime, float, float]]:
        """(from, to, x from, x to) of each linear part."""
        if self.knee is None:
            return [(self.start, self.end, 0.0, float(PLOT_W))]
        split = PLOT_W * NEAR_SHARE
        return [(self.start, self.knee, 0.0, split), (self.knee, self.end, split, float(PLOT_W))]

    def x(self, when: datetime) -> float:
        """The x of `when` in the plot area (left edge 0)."""
        parts = self.parts()
        a, b, xa, xb = next((p for p in parts if when <= p[1]), parts[-1])
        return xa + (xb - xa) * ((when - a) / (b - a))

    def ticks(self) -> list[datetime]:
        """Firsts of the month in each part, every 1, 3 or 12 months: the first step that
        leaves ``TICK_GAP`` pixels between two labels."""
        out: list[datetime] = []
        for a, b, xa, xb in self.parts():
            per_day = (xb - xa) / max((b - a) / timedelta(days=1), 1e-9)
            step = next((m for m in (1, 3, 12) if 30.4 * m * per_day >= TICK_GAP), 12)
            if step == 12 and 365 * per_day < TICK_GAP:
                step = 12 * math.ceil(TICK_GAP / (365 * per_day))
            month = a.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            while month <= b:
                index = month.year * 12 + month.month - 1
                if a <= month and index % step == 0 and month not in out:
                    out.append(month)
                index += 1
                month = month.replace(year=index // 12, month=index % 12 + 1)
        return out


def _days_text(left: int) -> str:
    if left < 0:
        return f"expired {-left} d ago"
    return f"in {left} day{'s' if left != 1 else ''}"


def render_timeline(
    marks: Sequence[Mark],
    now: datetime,
    warn_days: int,
    critical_days: int = CRITICAL_DAYS,
    title: str = "",
) -> str:
    """The chart as an ``<svg>`` element (an empty-state paragraph when there is no cert)."""
    if not marks:
        return '<p class="empty">No identity certificate was read.</p>'
    axis = Axis.around(now, (m.not_after for m in marks), warn_days)
    bottom = TOP + ROW_H * len(marks)
    height = bottom + 16
    parts: list[str] = [
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-label="{escape(title or "identity certificate expiry")}">',
        f'<g transform="translate({LABEL_W},0)">',
    ]
    parts += [
        f'<rect class="band" x="0" y="{TOP + ROW_H * i}" width="{PLOT_W}" height="{ROW_H}"/>'
        for i in range(len(marks))
    ]
    today = axis.x(now)
    crit = axis.x(now + timedelta(days=critical_days))
    warn = axis.x(now + timedelta(days=warn_days))
    parts.append(
        f'<rect class="zone critical" x="{today:.1f}" y="{TOP}" width="{max(crit - today, 1):.1f}"'
        f' height="{bottom - TOP}"><title>expires within {critical_days} days</title></rect>'
    )
    if warn > crit:
        parts.append(
            f'<rect class="zone warn" x="{crit:.1f}" y="{TOP}" width="{warn - crit:.1f}"'
            f' height="{bottom - TOP}"><title>expires within {warn_days} days</title></rect>'
        )
    for tick in axis.ticks():
        tx = axis.x(tick)
        label = f"{tick:%Y}" if tick.month == 1 else f"{tick:%b}"
        parts.append(
            f'<line class="tick" x1="{tx:.1f}" y1="{TOP - 4}" x2="{tx:.1f}" y2="{bottom}"/>'
            f'<text class="tick" x="{tx:.1f}" y="{TOP - 8}">{label}</text>'
        )
    for i, m in enumerate(marks):
        y = TOP + ROW_H * i
        mx = axis.x(m.not_after)
        left = days_left(m.not_after, now)
        signed = "self-signed" if m.self_signed else "CA-signed"
        tip = f"{m.node} {m.unit}: {m.cn}, {signed}, not after {m.not_after:%Y-%m-%d %H:%M} UTC"
        parts.append(
            f'<g class="row {m.state.value}" data-node="{escape(m.node)}" '
            f'data-unit="{escape(m.unit)}">'
            f'<text class="label" x="-8" y="{y + 13}">{escape(m.node)} · {escape(m.unit)}</text>'
            f'<circle class="mark {m.state.value}" cx="{mx:.1f}" cy="{y + ROW_H / 2}" r="5" '
            f'data-node="{escape(m.node)}" data-unit="{escape(m.unit)}" '
            f'data-cn="{escape(m.cn)}" data-state="{m.state.value}" '
            f'data-not-after="{m.not_after:%Y-%m-%dT%H:%M:%SZ}">'
            f"<title>{escape(tip)}</title></circle>"
            f'<text class="days {m.state.value}" x="{PLOT_W + 8}" y="{y + 13}">'
            f"{_days_text(left)}</text></g>"
        )
    if axis.knee is not None:
        kx = axis.x(axis.knee)
        parts.append(
            f'<line class="knee" x1="{kx:.1f}" y1="{TOP - 4}" x2="{kx:.1f}" y2="{bottom}">'
            f"<title>the axis is stretched before {axis.knee:%Y-%m-%d} (the next "
            f"{(axis.knee - now).days} days) and compressed after</title></line>"
            f'<text class="knee" x="{kx:.1f}" y="{bottom + 13}">scale changes</text>'
        )
    parts.append(
        f'<line class="today" x1="{today:.1f}" y1="{TOP - 4}" x2="{today:.1f}" y2="{bottom}"/>'
        f'<text class="today" x="{today:.1f}" y="{bottom + 13}">today</text>'
    )
    parts.append("</g></svg>")
    return "".join(parts)
