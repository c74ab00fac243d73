"""Text from nodes cannot steer the terminal: a trust cert whose CN carries escape sequences
(clear screen, set the window title, ring the bell) is shown escaped by every command that
prints it, and JSON, CSV and the HTML report carry no raw control character either."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from uccert.cli import main
from uccert.lab.servers.background import lab_in_background
from uccert.lab.servers.runtime import RunningLab
from uccert.lab.state.topology import preset
from uccert.report import render_run_html

pytestmark = pytest.mark.timeout(90)

EVIL = "Evil\x1b]0;pwned\x07\x1b[2J\x9b31m CA"
SHOWN = "Evil\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m CA"
CONTROL = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))]


def raw_controls(text: str) -> list[str]:
    return sorted({repr(c) for c in CONTROL if c in text})


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    topology = dataclasses.replace(preset("minimal"), hostile_trust_cn=EVIL)
    state = tmp_path_factory.mktemp("hostile")
    with lab_in_background(topology=topology, time_scale=0, state_dir=state) as running:
        yield running


def uccert(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--color", "never", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    "argv",
    [
        ("inventory",),
        ("inventory", "--wide"),
        ("check", "--details"),
        ("trust", "prune", "--dry-run", "--explain"),
    ],
)
def test_a_hostile_cn_is_printed_escaped(
    lab: RunningLab, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    code, out, err = uccert(capsys, *argv, "--inventory", str(lab.inventory))
    assert code in (0, 3), err
    assert raw_controls(out + err) == []
    assert SHOWN in out, "the reader sees what the CN holds"


def test_json_and_csv_carry_the_cn_without_raw_control_characters(
    lab: RunningLab, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = str(lab.inventory)
    _, as_json, _ = uccert(capsys, "inventory", "--json", "--inventory", inventory)
    _, as_csv, _ = uccert(capsys, "inventory", "--csv", "--inventory", inventory)
    _, findings, _ = uccert(capsys, "check", "--json", "--inventory", inventory)
    assert raw_controls(as_json + as_csv + findings) == []
    cns = {
        t["subject_cn"]
        for c in json.loads(as_json)["clusters"]
        for n in c["nodes"]
        for t in n["trusts"]
    }
    assert EVIL in cns, "JSON keeps the exact value (escaped only as JSON escapes it)"
    assert any(EVIL in f["message"] for f in json.loads(findings)["findings"])
    assert SHOWN in as_csv


def test_the_html_report_shows_node_text_escaped() -> None:
    run = {
        "id": "r1",
        "cluster": "lab",
        "status": "failed",
        "outcome": {"failed_step": "delete-trust:x", "reason": f"{EVIL} refused", "unrestored": []},
        "history": [
            {
                "steps": [
                    {
                        "id": "delete-trust:x",
                        "kind": "delete-trust",
                        "node": "n1",
                        "outcome": "failed",
                        "detail": EVIL,
                        "started": "",
                        "finished": "",
                    }
                ]
            }
        ],
        "plan": {"warnings": [{"code": "w", "message": EVIL}], "steps": []},
    }
    page = render_run_html(run)
    assert raw_controls(page) == []
    assert "Evil\\x1b]0;pwned" in page


def test_the_fleet_report_shows_node_text_escaped(
    lab: RunningLab,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("UCCERT_STATE_DIR", str(tmp_path / "state"))
    page = tmp_path / "fleet.html"
    code, _, err = uccert(capsys, "report", "--html", str(page), "--inventory", str(lab.inventory))
    assert code == 0, err
    html = page.read_text(encoding="utf-8")
    assert raw_controls(html) == []
    assert SHOWN in html, "the finding about the trust cert names it, escaped"
