"""contrib/prometheus/uccert-alerts.yml is valid, and each alert fires when and only when its
unit tests (alerts_test.yml) say."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .promtool import RULES, promtool

pytestmark = pytest.mark.pure  # in `make check`: needs no lab and no network

HERE = Path(__file__).resolve().parent
TESTS = HERE / "alerts_test.yml"


def test_the_alert_rules_pass_promtool_check_rules() -> None:
    out = promtool("check", "rules", str(RULES))
    assert "SUCCESS" in out


def test_every_alert_passes_its_unit_tests() -> None:
    out = promtool("test", "rules", TESTS.name, cwd=HERE)
    assert "SUCCESS" in out


def test_every_alert_has_a_unit_test_that_fires_it() -> None:
    rules = yaml.safe_load(RULES.read_text())
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
    tests = yaml.safe_load(TESTS.read_text())["tests"]
    fired = {
        t["alertname"]
        for case in tests
        for t in case.get("alert_rule_test", ())
        if t.get("exp_alerts")
    }
    assert alerts == fired, f"alerts without a firing unit test: {sorted(alerts - fired)}"
