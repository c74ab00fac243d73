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


def test_human_output_opens_with_the_summary_and_says_each_groups_fix_once() -> None:
    regen = "regenerate {} on {} with `uccert regen apply --units {}` (publisher first)"
    findings = [
        Finding("trust-expired", Severity.WARNING, "lab", "imp-pub", "cup-trust/a.pem", "m1", "f1"),
        Finding(
            "trust-expired", Severity.WARNING, "lab", "imp-sub1", "cup-trust/a.pem", "m1", "f1"
        ),
        Finding("ha-disabled", Severity.WARNING, "lab", None, "Subcluster2", "m2", "f2"),
        Finding(
            "ipsec-trust-mismatch", Severity.ERROR, "lab", "imp-sub2", "ipsec-trust", "m3", "f3"
        ),
        *(
            Finding(
                "identity-expiring",
                Severity.WARNING,
                "lab",
                node,
                unit,
                "m4",
                regen.format(unit, node, unit),
            )
            for node in ("imp-pub", "imp-sub1", "imp-sub2", "imp-sub3")
            for unit in ("cup", "cup-xmpp")
        ),
    ]
    out = render(findings, 80)
    lines = out.splitlines()
    assert lines[0] == "Cluster lab: 1 error, 11 warnings, 0 info on 4 nodes"
    summary = {
        line.split()[1]: line.split() for line in lines if line.startswith(("error", "warn"))
    }
    assert summary["trust-expired"][2:] == ["2", "imp-pub,", "imp-sub1"]
    assert summary["identity-expiring"][2:] == ["8", "imp-pub,", "imp-sub1..3"]
    assert "  identity-expiring -> uccert regen apply --units cup,cup-xmpp" in lines
    assert out.count("f1") == 1 and "m1" not in out, "the fix once, the detail only on demand"
    detailed = render(findings, 80, details=True)
    assert detailed.count("m4") == 8 and "lab" in detailed
    assert all(len(line) <= 80 for line in detailed.splitlines())


async def test_check_passes_a_lab_without_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_lab(preset_name="minimal", time_scale=0, state_dir=tmp_path) as lab:
        code = await uccert("check", "--inventory", str(lab.inventory), "--warn-days", "30")
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 errors, 0 warnings" in out


def test_check_without_an_inventory_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--inventory", str(tmp_path / "missing.toml")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
