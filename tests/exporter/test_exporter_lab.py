"""`uccert exporter` on the demo lab, over real sockets: its scrape passes `promtool check
metrics`, shows the lab's certs and findings, drives the alert rules, and survives the cluster
going away (read-success 0, the last good values kept)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from uccert.cli import main
from uccert.lab.servers.background import lab_in_background
from uccert.lab.servers.runtime import RunningLab

from .promtool import RULES, promtool

pytestmark = pytest.mark.timeout(120)

Series = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@dataclass
class Exporter:
    lab: RunningLab
    url: str
    process: subprocess.Popen[str]
    state_dir: Path


def scrape(url: str) -> str:
    response = httpx.get(url, timeout=10)
    response.raise_for_status()
    return response.text


def parse(text: str) -> Series:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(series: Series, name: str, **labels: str) -> float | None:
    wanted = set(labels.items())
    found = [v for (n, ls), v in series.items() if n == name and wanted <= set(ls)]
    assert len(found) <= 1, f"{name}{labels} names {len(found)} series"
    return found[0] if found else None


def wait_for(url: str, done: object, timeout: float = 60) -> Series:
    """Scrape until ``done(series)`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        series = parse(scrape(url))
        if done(series):  # type: ignore[operator]
            return series
        if time.monotonic() > deadline:
            raise AssertionError(f"the exporter never got there; last scrape: {series}")
        time.sleep(0.2)


def start_exporter(
    inventory: Path, state: Path, interval: str
) -> tuple[subprocess.Popen[str], str]:
    """``uccert exporter`` on an ephemeral loopback port, and the URL it says it serves."""
    argv = ["exporter", "--listen", "127.0.0.1:0", "--interval", interval]
    process = subprocess.Popen(
        [sys.executable, "-m", "uccert", *argv, "--inventory", str(inventory)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "UCCERT_STATE_DIR": str(state / "runs")},
    )
    assert process.stderr is not None
    first = process.stderr.readline()
    found = re.search(r"serving (http://127\.0\.0\.1:\d+/metrics)", first)
    if not found:
        process.terminate()
        raise AssertionError(f"the exporter did not say where it serves: {first!r}")
    return process, found.group(1)


@pytest.fixture(scope="module")
def exporter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exporter]:
    state = tmp_path_factory.mktemp("exporter")
    with lab_in_background(preset_name="demo", time_scale=0, state_dir=state / "lab") as lab:
        process, url = start_exporter(lab.inventory, state, "1h")  # the first read is enough
        try:
            yield Exporter(lab, url, process, state)
        finally:
            process.terminate()
            process.wait(10)


def _read(series: Series) -> bool:
    return value(series, "uccert_cluster_read_success", cluster="lab") == 1


def test_the_scrape_passes_promtool_check_metrics(exporter: Exporter) -> None:
    wait_for(exporter.url, _read)
    text = scrape(exporter.url)
    assert "uccert_cert_not_after_timestamp_seconds{" in text
    promtool("check", "metrics", stdin=text)


def test_the_scrape_shows_every_cert_and_finding_of_the_lab(
    exporter: Exporter, capsys: pytest.CaptureFixture[str]
) -> None:
    series = wait_for(exporter.url, _read)
    assert main(["inventory", "--json", "--inventory", str(exporter.lab.inventory)]) == 0
    inventory = json.loads(capsys.readouterr().out)
    nodes = inventory["clusters"][0]["nodes"]
    count = 0
    for node in nodes:
        for cert in node["identities"]:
            got = value(
                series,
                "uccert_cert_not_after_timestamp_seconds",
                node=node["name"],
                kind="identity",
                unit=cert["unit"],
            )
            want = datetime.fromisoformat(cert["not_after"].replace("Z", "+00:00"))
            assert got == want.timestamp(), (node["name"], cert["unit"])
            count += 1
    assert count > 10
    names = [n for n, _ in series]
    assert not any("serial" in dict(ls) for _, ls in series), "no serials as labels"
    assert names.count("uccert_node_read_success") == len(nodes)
    mismatch = value(
        series, "uccert_findings", cluster="lab", node="imp-sub2", code="ipsec-trust-mismatch"
    )
    assert mismatch is not None and mismatch >= 1
    assert (value(series, "uccert_cluster_read_duration_seconds", cluster="lab") or 0) > 0


def _alert_test(series: Series, findings: list[dict[str, str]], days: int) -> dict[str, object]:
    """A promtool unit test of the rule for `days`: the scraped identity series as input
    (shifted so that time() at the eval time is the scrape's now), and as expected alerts the
    identity certs that `uccert check --warn-days DAYS` found expiring or expired."""
    rules = yaml.safe_load(RULES.read_text())["groups"][0]["rules"]
    rule = next(r for r in rules if r["alert"] == f"UccertIdentityExpiringIn{days}Days")
    now, eval_at = time.time(), 7200
    expected = {
        (f["node"], f["subject"])
        for f in findings
        if f["code"] in ("identity-expiring", "identity-expired")
    }
    inputs, alerts = [], []
    for (name, labels), v in series.items():
        if name != "uccert_cert_not_after_timestamp_seconds" or ("kind", "identity") not in labels:
            continue
        text = ",".join(f'{k}="{val}"' for k, val in labels)
        inputs.append({"series": f"{name}{{{text}}}", "values": f"{v - now + eval_at}x180"})
        ls = dict(labels)
        if (ls["node"], ls["unit"]) in expected:

            def fill(template: str, ls: dict[str, str] = ls) -> str:
                return re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: ls[m.group(1)], template)

            alerts.append(
                {
                    "exp_labels": {**{k: x for k, x in ls.items() if x}, **rule["labels"]},
                    "exp_annotations": {k: fill(t) for k, t in rule["annotations"].items()},
                }
            )
    return {
        "interval": "1m",
        "input_series": inputs,
        "alert_rule_test": [
            {"eval_time": f"{eval_at}s", "alertname": rule["alert"], "exp_alerts": alerts}
        ],
    }


def test_the_expiry_alerts_fire_for_the_labs_expiring_imp_certs(
    exporter: Exporter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    series = wait_for(exporter.url, _read)
    cases = []
    for days in (30, 7):
        argv = ["check", "--json", "--warn-days", str(days)]
        code = main([*argv, "--inventory", str(exporter.lab.inventory)])
        assert code in (0, 3)
        findings = json.loads(capsys.readouterr().out)["findings"]
        cases.append(_alert_test(series, findings, days))
    fired = cases[0]["alert_rule_test"][0]["exp_alerts"]  # type: ignore[index]
    assert fired, "the demo lab has IM/P certs expiring within 30 days"
    imp = {"imp-pub", "imp-sub1", "imp-sub2", "imp-sub3"}
    assert {a["exp_labels"]["node"] for a in fired} <= imp
    test_file = tmp_path / "lab_alerts_test.yml"
    test_file.write_text(
        yaml.safe_dump({"rule_files": [str(RULES)], "evaluation_interval": "1m", "tests": cases})
    )
    assert "SUCCESS" in promtool("test", "rules", str(test_file))


def test_a_cluster_that_goes_away_keeps_its_last_values_and_reads_as_failed(
    tmp_path: Path,
) -> None:
    """Also: the last run of the cluster (status, start and end), read from the run database a
    regen left."""
    with lab_in_background(preset_name="minimal", time_scale=0, state_dir=tmp_path / "lab") as lab:
        argv = ["regen", "apply", "--units", "cup", "--yes", "--inventory", str(lab.inventory)]
        regen = subprocess.run(
            [sys.executable, "-m", "uccert", *argv],
            env={**os.environ, "UCCERT_STATE_DIR": str(tmp_path / "runs")},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
        assert regen.returncode == 0, regen.stdout + regen.stderr
        regen_done = time.time()
        process, url = start_exporter(lab.inventory, tmp_path, "1s")
        try:
            before = wait_for(url, _read)
        except BaseException:
            process.terminate()
            raise
    # the lab has stopped: the next reads fail
    try:
        after = wait_for(url, lambda s: value(s, "uccert_cluster_read_success", cluster="lab") == 0)
        certs = {k: v for k, v in before.items() if k[0].startswith("uccert_cert_")}
        assert certs and all(after.get(k) == v for k, v in certs.items())
        assert process.poll() is None, "the exporter keeps running"
        nodes = [v for (n, _), v in after.items() if n == "uccert_node_read_success"]
        assert nodes and set(nodes) == {0.0}
        assert value(after, "uccert_last_run_status", cluster="lab", status="succeeded") == 1
        assert value(after, "uccert_last_run_status", cluster="lab", status="failed") == 0
        started = value(after, "uccert_last_run_start_timestamp_seconds", cluster="lab")
        assert started is not None and abs(started - time.time()) < 300
        ended = value(after, "uccert_last_run_end_timestamp_seconds", cluster="lab")
        assert ended is not None and started < ended <= regen_done
    finally:
        process.terminate()
        process.wait(10)
        stderr = process.stderr.read() if process.stderr else ""
    assert "warning: cluster lab: not read:" in stderr
