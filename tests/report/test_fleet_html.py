"""The fleet report page: a section per cluster with its timeline, its findings with their fixes
and its last runs linked to their reports; self-contained, and node text cannot inject markup
or control characters."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from builders import NOW, with_identity, with_node
from checks.build import FQDNS, cert, healthy_cluster
from uccert.checks import run_checks
from uccert.model import Finding, Snapshot
from uccert.report.fleet_html import RUNS_SHOWN, ClusterReport, render_fleet_html
from uccert.run.records import RunStatus, RunSummary

from .dom import Element, parse

pytestmark = pytest.mark.pure

CONTROL = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))]


def expiring(snap: Snapshot, node: str, unit: str, days: float) -> Snapshot:
    c = cert(unit, FQDNS[node], serial=9, not_after=NOW + timedelta(days=days))
    return with_identity(snap, node, c)


def part(snap: Snapshot, runs: tuple[RunSummary, ...] = (), **links: str) -> ClusterReport:
    findings = tuple(sorted(run_checks(snap, NOW, 30), key=Finding.sort_key))
    return ClusterReport(snap, findings, 30, runs, links)


def run(n: int, cluster: str = "lab", status: RunStatus = RunStatus.SUCCEEDED) -> RunSummary:
    started = NOW - timedelta(days=n)
    ended = started + timedelta(minutes=12)
    return RunSummary(f"run-{n}", status, started, "regen apply --units cup", cluster, 1, "", ended)


def page(*parts: ClusterReport) -> Element:
    return parse(render_fleet_html(parts, NOW))


def test_each_cluster_has_a_headed_section_in_inventory_order_and_a_contents_link() -> None:
    east = replace(healthy_cluster(), cluster="east")
    root = page(part(healthy_cluster()), part(east))
    sections = root.find("section", "cluster")
    assert [s.attrs["data-cluster"] for s in sections] == ["lab", "east"]
    assert [s.find("h2")[0].all_text() for s in sections] == ["Cluster lab", "Cluster east"]
    anchors = [a.attrs["href"] for a in root.find("ul", "toc")[0].find("a")]
    assert anchors == [f"#{s.attrs['id']}" for s in sections]
    assert len({s.attrs["id"] for s in sections}) == 2


def test_the_expiring_certs_are_flagged_on_the_timeline_and_in_the_findings() -> None:
    snap = expiring(expiring(healthy_cluster(), "imp-pub", "cup", 5), "imp-sub1", "cup-xmpp", 20)
    root = page(part(snap))
    flagged = {
        (m.attrs["data-node"], m.attrs["data-unit"], m.attrs["data-state"])
        for m in root.find("circle", "mark")
        if m.attrs["data-state"] != "ok"
    }
    assert flagged == {("imp-pub", "cup", "critical"), ("imp-sub1", "cup-xmpp", "warn")}
    rows = root.find("tr", "finding", data_code="identity-expiring")
    assert len(rows) == 2
    for row in rows:
        fix = row.find("td", "fix")[0].all_text()
        assert "uccert regen apply" in fix and "--units" in fix
    (group,) = root.find("tr", "group", data_code="identity-expiring")
    cells = [td.all_text() for td in group.find("td")]
    assert cells[:4] == ["warning", "identity-expiring", "2", "imp-pub, imp-sub1"]
    summary = root.find("p", "summary")[0].all_text()
    assert "12 identity certs" in summary and "2 expired or expiring within 30 days" in summary


def test_every_finding_of_check_is_listed_with_its_own_fix() -> None:
    snap = expiring(healthy_cluster(), "imp-sub1", "tomcat", -2)
    report = part(snap)
    rows = page(report).find("tr", "finding")
    assert len(rows) == len(report.findings) > 0
    for row, f in zip(rows, report.findings, strict=True):
        cells = [td.all_text() for td in row.find("td")]
        shown_fix = f.fix.replace("`", "")  # a command in backticks is set as <code>
        assert cells == [
            f.severity.value,
            f.code,
            f.node or "(cluster)",
            f.subject,
            f.message,
            shown_fix,
        ]
        commands = [c.all_text() for c in row.find("td", "fix")[0].find("code")]
        assert commands == re.findall(r"`([^`]+)`", f.fix)


def test_each_code_says_its_fix_once_and_the_findings_are_folded_beneath() -> None:
    snap = expiring(expiring(healthy_cluster(), "imp-pub", "cup", 5), "imp-sub1", "tomcat", 9)
    report = replace(part(snap), fixes={"identity-expiring": "uccert regen apply --units all"})
    root = page(report)
    (group,) = root.find("tr", "group", data_code="identity-expiring")
    assert group.find("td", "fix")[0].all_text() == "uccert regen apply --units all"
    (folded,) = root.find("details")
    assert "Every finding (" in folded.find("summary")[0].all_text()
    assert len(folded.find("tr", "finding")) == len(report.findings)
    # without a merged fix the group says the first finding's
    (plain,) = page(part(snap)).find("tr", "group", data_code="identity-expiring")
    first = next(f for f in report.findings if f.code == "identity-expiring")
    assert plain.find("td", "fix")[0].all_text() == first.fix.replace("`", "")


def test_a_clean_cluster_says_so() -> None:
    text = page(part(healthy_cluster())).all_text()
    assert "No problems found." in text and "No run recorded for this cluster." in text


def test_the_last_runs_are_listed_newest_first_with_links_to_their_reports() -> None:
    runs = tuple(run(n) for n in range(RUNS_SHOWN + 2))
    links = {r.id: f"fleet-runs/{r.id}.html" for r in runs[:RUNS_SHOWN]}
    root = page(part(healthy_cluster(), runs, **links))
    table = root.find("section")[0].find("table")[-1]
    rows = table.find("tr")[1:]
    assert len(rows) == RUNS_SHOWN
    first = [td.all_text() for td in rows[0].find("td")]
    assert first[:5] == [
        "run-0",
        "regen apply --units cup",
        "succeeded",
        f"{NOW:%Y-%m-%d %H:%M} UTC",
        f"{NOW + timedelta(minutes=12):%Y-%m-%d %H:%M} UTC",
    ]
    hrefs = [a.attrs["href"] for a in table.find("a", "run")]
    assert hrefs == [links[r.id] for r in runs[:RUNS_SHOWN]]
    assert "2 older run(s)" in root.all_text()


def test_a_run_without_a_report_is_named_without_a_link_and_an_unended_run_has_no_end() -> None:
    going = replace(run(0, status=RunStatus.INTERRUPTED), ended=None)
    root = page(part(healthy_cluster(), (going,)))
    (row,) = root.find("section")[0].find("table")[-1].find("tr")[1:]
    cells = [td.all_text() for td in row.find("td")]
    assert cells[0] == "run-0" and cells[2] == "interrupted" and cells[4] == ""
    assert root.find("a", "run") == []


def test_an_unread_node_is_named_with_why() -> None:
    snap = with_node(healthy_cluster(), "imp-sub1", error="connection refused", identities=())
    items = [li.all_text() for li in page(part(snap)).find("li", "unread")]
    assert items == ["imp-sub1: not read: connection refused"]


def test_the_page_fetches_nothing() -> None:
    snap = expiring(healthy_cluster(), "imp-pub", "cup", 5)
    html = render_fleet_html([part(snap, (run(1),), **{"run-1": "fleet-runs/run-1.html"})], NOW)
    root = parse(html)
    assert root.find("script") == [] and root.find("link") == [] and root.find("img") == []
    assert not re.search(r"url\(|@import|https?://(?!www\.w3\.org/2000/svg)", html)
    hrefs = [a.attrs["href"] for a in root.find("a")]
    assert all(h.startswith("#") or h.startswith("fleet-runs/") for h in hrefs), hrefs
    assert root.find("svg", "timeline"), "the chart is inline SVG"


def test_node_text_is_escaped_never_markup_or_control_characters() -> None:
    evil = 'x"><script>alert(1)</script>\x1b]0;pwned\x07'
    snap = expiring(healthy_cluster(), "imp-pub", "cup", 5)
    imp = next(n for n in snap.nodes if n.node.name == "imp-pub")
    bad_cert = replace(imp.identities[0], subject_cn=evil, unit=f"cup{evil}")
    snap = with_node(snap, "imp-pub", identities=(*imp.identities, bad_cert))
    snap = replace(snap, cluster=f"lab{evil}")
    runs = (replace(run(1, cluster=snap.cluster), command=evil, reason=evil),)
    html = render_fleet_html([part(snap, runs, **{"run-1": f"r/{evil}.html"})], NOW)
    root = parse(html)
    assert root.find("script") == []
    assert [c for c in CONTROL if c in html] == []
    assert "\\x1b]0;pwned\\x07" in html, "the reader sees what the node sent"
    marks = root.find("circle", "mark", data_cn='x"><script>alert(1)</script>\\x1b]0;pwned\\x07')
    assert len(marks) == 1
    assert root.find("section")[0].attrs["data-cluster"].startswith('labx"><script>')
