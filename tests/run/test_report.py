"""The HTML report of a run is self-contained and shows what happened, per node."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from uccert.report import render_run_html

pytestmark = pytest.mark.pure  # in `make check`: needs no lab and no network


def _run(status: str = "succeeded") -> dict[str, object]:
    steps = [
        {
            "id": "regenerate:imp-pub:cup",
            "kind": "regenerate",
            "node": "imp-pub",
            "outcome": "done",
            "detail": "cup 1a -> 2b",
            "started": "2026-11-28T10:00:00.000000Z",
            "finished": "2026-11-28T10:00:05.000000Z",
            "data": {},
        },
        {
            "id": "restart:imp-pub:Cisco SIP Proxy",
            "kind": "restart",
            "node": "imp-pub",
            "outcome": "done",
            "detail": "Cisco SIP Proxy restarted <ok>",
            "started": "2026-11-28T10:00:06.000000Z",
            "finished": "2026-11-28T10:00:16.000000Z",
            "data": {},
        },
        {
            "id": "ha-restore:prg1",
            "kind": "ha-restore",
            "node": None,
            "outcome": "done",
            "detail": "HA on",
            "started": "2026-11-28T10:00:16.000000Z",
            "finished": "2026-11-28T10:00:17.000000Z",
            "data": {},
        },
    ]
    return {
        "id": "20261128-100000-abcd",
        "status": status,
        "cluster": "lab",
        "command": "uccert regen apply --units cup",
        "started": "2026-11-28T10:00:00Z",
        "attempts": 1,
        "history": [{"id": "20261128-100000-abcd", "steps": steps}],
        "plan": {"warnings": [{"code": "jabber-trust", "message": "push the new certs"}]},
        "outcome": {
            "outcome": status,
            "reason": "Cisco SIP Proxy did not start",
            "failed_step": "restart:imp-pub:Cisco SIP Proxy",
            "unrestored": ["ha-restore:prg1: AXL refused"],
        },
    }


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.srcs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.srcs += [v or "" for k, v in attrs if k in ("src", "href")]


def test_report_has_a_lane_per_node_and_escapes_details() -> None:
    page = render_run_html(_run())
    parser = _Collect()
    parser.feed(page)
    assert "script" not in parser.tags and not parser.srcs  # self-contained
    assert '<span class="label">imp-pub</span>' in page
    assert '<span class="label">cluster</span>' in page
    assert page.count('class="bar ') == 3
    assert "&lt;ok&gt;" in page and "<ok>" not in page
    assert "jabber-trust" in page
    assert "17.0 s from first to last step" in page


def test_a_failed_run_says_where_and_what_was_not_restored() -> None:
    page = render_run_html(_run("failed"))
    assert "Failed at restart:imp-pub:Cisco SIP Proxy" in page
    assert "ha-restore:prg1: AXL refused" in page
    assert "Failed at" not in render_run_html(_run("succeeded"))
