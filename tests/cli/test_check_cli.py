"""`uccert check` finds the demo lab's seeded problems and passes a clean lab."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from uccert.cli import main
from uccert.cli.check import render
from uccert.lab.servers.runtime import running_lab
from uccert.model import Finding, Severity

pytestmark = pytest.mark.timeout(60)


async def uccert(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


async def test_check_finds_the_demo_labs_seeded_problems_and_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_lab(preset_name="demo", time_scale=0, state_dir=tmp_path) as lab:
        code = await uccert("check", "--json", "--inventory", str(lab.inventory))
        json_out = capsys.readouterr().out
    assert code == 3
    found = {(f["code"], f["node"]) for f in json.loads(json_out)["findings"]}
    codes = {c for c, _ in found}
    assert {"identity-expiring", "trust-expired", "trust-duplicate"} <= codes
    assert ("ipsec-trust-mismatch", "imp-sub2") in found
    expiring = {node for c, node in found if c == "identity-expiring"}
    assert expiring and expiring <= {"imp-pub", "imp-sub1", "imp-sub2", "imp-sub3"}


def test_human_output_groups_findings_by_node_with_each_fix() -> None:
    findings = [
        Finding("trust-expired", Severity.WARNING, "lab", "imp-pub", "cup-trust/a.pem", "m1", "f1"),
        Finding("ha-disabled", Severity.WARNING, "lab", None, "Subcluster2", "m2", "f2"),
        Finding("trust-duplicate", Severity.WARNING, "lab", "imp-pub", "cup-trust", "m3", "f3"),
    ]
    out = render(findings)
    assert (
        out.index("lab/imp-pub:") < out.index("m1") < out.index("m3") < out.index("lab/(cluster):")
    )
    assert "fix: f1" in out and "fix: f2" in out
    assert out.rstrip().endswith("0 error, 3 warning, 0 info")


async def test_check_passes_a_lab_without_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_lab(preset_name="minimal", time_scale=0, state_dir=tmp_path) as lab:
        code = await uccert("check", "--inventory", str(lab.inventory), "--warn-days", "30")
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 error, 0 warning" in out


def test_check_without_an_inventory_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--inventory", str(tmp_path / "missing.toml")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
