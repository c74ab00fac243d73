"""`uccert report --html` on the demo lab, opened in headless Chromium: the lab's cluster, a mark
per identity cert with its node, unit and CN, the expiring IM/P certs flagged, a run's link that
opens its report, and no console error. One lab, one browser start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from uccert.cli import main
from uccert.lab.servers.background import lab_in_background

from .chromium import chromium

pytestmark = pytest.mark.timeout(180)


def uccert_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    code = main(list(argv))
    assert code in (0, 3), capsys.readouterr().err
    parsed: dict[str, object] = json.loads(capsys.readouterr().out)
    return parsed


def test_the_fleet_report_renders_the_demo_lab_in_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = tmp_path / "runs"
    monkeypatch.setenv("UCCERT_STATE_DIR", str(runs))
    with lab_in_background(preset_name="demo", time_scale=0, state_dir=tmp_path / "lab") as lab:
        inventory = str(lab.inventory)
        argv = ["regen", "apply", "--units", "cup", "--nodes", "imp-pub", "--yes"]
        regen = subprocess.run(  # one run, for the report to link (cup is not expiring)
            [sys.executable, "-m", "uccert", *argv, "--inventory", inventory],
            env={**os.environ, "UCCERT_STATE_DIR": str(runs)},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
        assert regen.returncode == 0, regen.stdout + regen.stderr
        page = tmp_path / "fleet.html"
        assert main(["report", "--html", str(page), "--inventory", inventory]) == 0
        assert f"Report written to {page}" in capsys.readouterr().out
        listed = uccert_json(capsys, "inventory", "--json", "--inventory", inventory)
        checked = uccert_json(capsys, "check", "--json", "--inventory", inventory)
    nodes = listed["clusters"][0]["nodes"]  # type: ignore[index]
    certs = {(n["name"], c["unit"], c["subject_cn"]) for n in nodes for c in n["identities"]}
    expiring = {
        (f["node"], f["subject"])
        for f in checked["findings"]  # type: ignore[attr-defined]
        if f["code"] in ("identity-expiring", "identity-expired")
    }
    imp = {n["name"] for n in nodes if n["product"] == "imp"}
    assert expiring and {node for node, _ in expiring} <= imp

    with chromium() as browser:
        browser.get(page.as_uri())
        headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "h2.cluster-name")]
        assert headings == ["Cluster lab"]
        marks = browser.find_elements(By.CSS_SELECTOR, "svg.timeline circle.mark")
        shown = {
            (m.get_attribute("data-node"), m.get_attribute("data-unit"), m.get_attribute("data-cn"))
            for m in marks
        }
        assert len(marks) == len(certs) and shown == certs
        flagged = {
            (m.get_attribute("data-node"), m.get_attribute("data-unit")): m
            for m in marks
            if m.get_attribute("data-state") != "ok"
        }
        assert set(flagged) == expiring
        # drawn where the dates say: an expiring mark left of a far-off one, both on screen
        far = next(m for m in marks if m.get_attribute("data-state") == "ok")
        near = next(iter(flagged.values()))
        assert 0 < near.rect["x"] < far.rect["x"] and near.rect["width"] > 0
        (group,) = browser.find_elements(By.CSS_SELECTOR, 'tr.group[data-code="identity-expiring"]')
        assert group.find_element(By.CSS_SELECTOR, "td.count").text == str(len(expiring))
        assert "uccert regen apply" in group.find_element(By.CSS_SELECTOR, "td.fix").text
        each = browser.find_elements(By.CSS_SELECTOR, 'tr.finding[data-code="identity-expiring"]')
        assert len(each) == len(expiring) and not each[0].is_displayed()  # folded
        browser.find_element(By.CSS_SELECTOR, "details > summary").click()
        assert each[0].is_displayed() and "uccert regen apply" in each[0].text
        (link,) = browser.find_elements(By.CSS_SELECTOR, "a.run")
        run_id = link.text
        link.click()
        assert browser.find_element(By.TAG_NAME, "h1").text == f"uccert run {run_id}"
        assert "succeeded" in browser.find_element(By.TAG_NAME, "body").text
        log = browser.get_log("browser")  # type: ignore[no-untyped-call]
        severe = [e for e in log if e["level"] == "SEVERE"]
        assert severe == []
