"""The expiry timeline: one mark per identity cert where its not-after falls, today's line, the
warn and critical windows, and the state of each cert against them."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import NOW, node_of, with_identity, with_node
from checks.build import FQDNS, cert, healthy_cluster
from uccert.report.timeline_svg import (
    PLOT_W,
    TICK_GAP,
    State,
    days_left,
    marks_of,
    render_timeline,
    state_of,
)

from .dom import Element, parse

pytestmark = pytest.mark.pure


def chart(days: dict[tuple[str, str], float], warn_days: int = 30) -> Element:
    snap = healthy_cluster()
    for (node, unit), d in days.items():
        snap = with_identity(
            snap, node, cert(unit, FQDNS[node], serial=7, not_after=NOW + timedelta(days=d))
        )
    return parse(render_timeline(marks_of(snap, NOW, warn_days), NOW, warn_days))


def cx(el: Element) -> float:
    return float(el.attrs["cx"])


def test_one_mark_per_identity_cert_naming_its_node_unit_and_cn() -> None:
    snap = healthy_cluster()
    svg = chart({})
    marks = svg.find("circle", "mark")
    want = [(n.node.name, c.unit, c.subject_cn) for n in snap.nodes for c in n.identities]
    got = [(m.attrs["data-node"], m.attrs["data-unit"], m.attrs["data-cn"]) for m in marks]
    assert sorted(got) == sorted(want)
    assert len(svg.find("text", "label")) == len(want)


@pytest.mark.parametrize(
    ("days", "state", "words"),
    [
        (-3.5, State.EXPIRED, "expired 4 d ago"),
        (0.5, State.CRITICAL, "in 0 days"),
        (7, State.CRITICAL, "in 7 days"),
        (7.5, State.WARN, "in 7 days"),
        (30, State.WARN, "in 30 days"),
        (31, State.OK, "in 31 days"),
        (1000, State.OK, "in 1000 days"),
    ],
)
def test_a_cert_is_marked_by_where_its_not_after_falls(
    days: float, state: State, words: str
) -> None:
    svg = chart({("imp-pub", "cup"): days})
    (mark,) = svg.find("circle", data_node="imp-pub", data_unit="cup")
    assert mark.attrs["data-state"] == state.value and state.value in mark.classes
    (row,) = svg.find("g", "row", data_node="imp-pub", data_unit="cup")
    assert row.find("text", "days")[0].all_text() == words
    assert "imp-pub cup:" in mark.all_text() and "self-signed" in mark.all_text()


def test_marks_sit_in_date_order_around_todays_line_and_the_shaded_windows() -> None:
    svg = chart({("imp-pub", "cup"): -10, ("imp-pub", "tomcat"): 5, ("imp-sub1", "cup"): 20})
    expired = cx(svg.find("circle", data_node="imp-pub", data_unit="cup")[0])
    critical = cx(svg.find("circle", data_node="imp-pub", data_unit="tomcat")[0])
    warn = cx(svg.find("circle", data_node="imp-sub1", data_unit="cup")[0])
    far = cx(svg.find("circle", data_node="cucm-pub", data_unit="tomcat")[0])  # 1000 days
    (today,) = svg.find("line", "today")
    assert expired < float(today.attrs["x1"]) < critical < warn < far
    (crit_zone,) = svg.find("rect", "critical")
    (warn_zone,) = svg.find("rect", "warn")
    crit_start = float(crit_zone.attrs["x"])
    crit_end = crit_start + float(crit_zone.attrs["width"])
    warn_end = float(warn_zone.attrs["x"]) + float(warn_zone.attrs["width"])
    assert crit_start == pytest.approx(float(today.attrs["x1"]), abs=0.1)
    assert crit_start < critical < crit_end <= float(warn_zone.attrs["x"]) + 0.1 < warn < warn_end
    assert "within 30 days" in warn_zone.all_text()


def test_the_next_weeks_get_a_stretched_part_of_the_axis_the_years_the_rest() -> None:
    # from three weeks before NOW (2026-06-01) to the 1000-day certs (2029-02-25): the first
    # 90 days after today over 40% of the width, with months, then New Years
    svg = chart({("imp-pub", "cup"): 12})
    labels = [t.all_text() for t in svg.find("text", "tick")]
    assert labels == ["Jun", "Jul", "Aug", "2027", "2028", "2029"]
    (knee,) = svg.find("line", "knee")
    assert float(knee.attrs["x1"]) == pytest.approx(0.4 * PLOT_W, abs=0.1)
    assert "stretched before 2026-08-30" in knee.all_text()
    (warn,) = svg.find("rect", "warn")
    assert float(warn.attrs["width"]) > 0.05 * PLOT_W, "the warn window is seen"
    xs = [float(t.attrs["x1"]) for t in svg.find("line", "tick")]
    assert all(b - a >= TICK_GAP for a, b in itertools.pairwise(xs))


def test_a_warn_window_wide_enough_on_its_own_keeps_one_linear_scale() -> None:
    svg = parse(render_timeline(marks_of(healthy_cluster(), NOW, 300), NOW, 300))
    assert svg.find("line", "knee") == []
    labels = [t.all_text() for t in svg.find("text", "tick")]
    assert labels[:4] == ["Jul", "Oct", "2027", "Apr"] and labels[-1] == "2029"
    xs = [float(t.attrs["x1"]) for t in svg.find("line", "tick")]
    gaps = [round(b - a) for a, b in itertools.pairwise(xs)]
    assert max(gaps) - min(gaps) <= 2, "quarters evenly spaced"


def test_no_cert_read_is_said_in_words() -> None:
    assert "No identity certificate" in render_timeline((), NOW, 30)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=-4000, max_value=10000), min_size=1, max_size=8))
def test_every_mark_stays_inside_the_plot(offsets: list[int]) -> None:
    snap = healthy_cluster()
    for i, d in enumerate(offsets):
        node = list(FQDNS)[i % len(FQDNS)]
        extra = cert(f"unit{i}", FQDNS[node], serial=100 + i, not_after=NOW + timedelta(days=d))
        snap = with_node(snap, node, identities=(*node_of(snap, node).identities, extra))
    svg = parse(render_timeline(marks_of(snap, NOW, 30), NOW, 30))
    xs = [cx(m) for m in svg.find("circle", "mark")]
    assert len(xs) == 12 + len(offsets) and all(0 < x < PLOT_W for x in xs)


def test_days_left_and_state_agree_on_the_boundaries() -> None:
    assert days_left(NOW + timedelta(hours=23), NOW) == 0
    assert days_left(NOW - timedelta(hours=1), NOW) == -1
    assert state_of(NOW, NOW, 30, 7) is State.EXPIRED
    assert state_of(NOW + timedelta(seconds=1), NOW, 30, 7) is State.CRITICAL
    assert state_of(NOW + timedelta(days=8), NOW, 5, 7) is State.OK  # warn under critical
