"""What people read, at 80 and 200 columns, compared with golden files a reviewer reads.

The demo lab is read once for the module (instant clock, fixed start) and made deterministic
(`lab_snapshot.deterministic`); each command's renderer draws it at both widths. A golden file
changes only on purpose: ``UCCERT_UPDATE_GOLDEN=1 pytest tests/cli/test_golden.py`` rewrites
them, and the diff is reviewed like code. Whatever the golden files say, no line may be wider
than the terminal (a table cell never wraps), every certificate and every step is one line,
and no design-document section (``§``) reaches the reader.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from uccert.checks import run_checks
from uccert.cli.check import render_lines as check_lines
from uccert.cli.common import read_snapshots
from uccert.cli.inventory import render_lines as inventory_lines
from uccert.cli.run_display import print_plan
from uccert.cli.trust import print_prune
from uccert.lab.servers.background import lab_in_background
from uccert.model import Finding, Plan, PlanTiming, Snapshot, findings_to_json
from uccert.plan import PruneRequest, RegenRequest, parse_units, plan_prune, plan_regen

from .lab_snapshot import START, deterministic

pytestmark = pytest.mark.timeout(120)

GOLDEN = Path(__file__).parent / "golden"
WIDTHS = (80, 200)
UPDATE = os.environ.get("UCCERT_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def snap() -> Snapshot:
    with lab_in_background(preset_name="demo", time_scale=0, start=START) as lab:
        _, snapshots = read_snapshots(lab.inventory, None)
    (only,) = snapshots
    return deterministic(only)


def regen_plan(snap: Snapshot) -> Plan:
    command = "uccert regen apply --units all --nodes imp"
    request = RegenRequest(units=parse_units("all"), nodes="imp", command=command)
    return plan_regen(snap, request, PlanTiming())


def prune_plan(snap: Snapshot) -> Plan:
    command = "uccert trust prune --expired --duplicates --nodes all"
    request = PruneRequest(expired=True, duplicates=True, command=command)
    return plan_prune(snap, request, PlanTiming(), START)


def findings(snap: Snapshot) -> list[Finding]:
    return sorted(run_checks(snap, START, 30), key=Finding.sort_key)


def draw(width: int, paint: Callable[[Console], None]) -> str:
    buffer = io.StringIO()
    paint(Console(file=buffer, width=width, color_system=None, highlight=False))
    return buffer.getvalue()


def lines_of(lines: list[object]) -> Callable[[Console], None]:
    def paint(out: Console) -> None:
        for line in lines:
            out.print(line, soft_wrap=True)

    return paint


OUTPUTS: dict[str, Callable[[Snapshot, int], Callable[[Console], None]]] = {
    "inventory": lambda s, w: lines_of(list(inventory_lines((s,), START, w))),
    "inventory-wide": lambda s, w: lines_of(list(inventory_lines((s,), START, w, wide=True))),
    "check": lambda s, w: lines_of(list(check_lines(findings(s), w, [s]))),
    "check-details": lambda s, w: lines_of(list(check_lines(findings(s), w, [s], details=True))),
    "regen-plan": lambda s, w: lambda out: print_plan(out, regen_plan(s)),
    "regen-plan-explain": lambda s, w: lambda out: print_plan(out, regen_plan(s), explain=True),
    "trust-prune-dry-run": lambda s, w: lambda out: print_prune(out, prune_plan(s)),
    "trust-prune-dry-run-explain": lambda s, w: (
        lambda out: print_prune(out, prune_plan(s), explain=True)
    ),
}


def golden(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.txt"
    if UPDATE:
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path.name}: run with UCCERT_UPDATE_GOLDEN=1 once"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"{path.name} differs; if the change is meant, rerun with UCCERT_UPDATE_GOLDEN=1 and "
        "review the diff"
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_output_matches_its_golden_file_and_fits_the_width(
    snap: Snapshot, name: str, width: int
) -> None:
    text = draw(width, OUTPUTS[name](snap, width))
    too_wide = [line for line in text.splitlines() if cell_len(line) > width]
    assert not too_wide, f"{len(too_wide)} lines wider than {width}: {too_wide[:3]}"
    assert "§" not in text
    golden(f"{name}-{width}", text)


@pytest.mark.parametrize(("wide", "width"), [(False, 80), (True, 200)])
def test_every_certificate_is_one_line(snap: Snapshot, wide: bool, width: int) -> None:
    text = draw(width, OUTPUTS["inventory-wide" if wide else "inventory"](snap, width))
    lines = text.splitlines()
    identities = lines[lines.index(next(x for x in lines if x.startswith("Identity"))) + 2 :]
    identities = identities[: identities.index("")]
    assert len(identities) == sum(len(n.identities) for n in snap.nodes)
    trust_rows = [x for x in lines if re.match(r"    \S", x)]
    assert len(trust_rows) == sum(len(n.trusts) for n in snap.nodes)
    for row in identities + trust_rows:
        assert re.search(r"\d{4}-\d\d-\d\d +-?\d+$", row), f"a row cut short or wrapped: {row!r}"


def test_wide_on_80_columns_is_one_block_per_certificate(snap: Snapshot) -> None:
    text = draw(80, OUTPUTS["inventory-wide"](snap, 80))
    serials = re.findall(r"serial (\w+)", text)
    expected = [c.serial for n in snap.nodes for c in n.identities]
    expected += [t.cert.serial for n in snap.nodes for t in n.trusts]
    assert serials == expected


def test_every_step_is_one_line_with_its_reason_at_80_columns(snap: Snapshot) -> None:
    for plan in (regen_plan(snap), prune_plan(snap)):
        text = draw(80, partial(print_plan, plan=plan))
        steps = [x for x in text.splitlines() if re.match(r" +\d+  ", x)]
        assert [int(x.split()[0]) for x in steps] == list(range(1, len(plan.steps) + 1))
        phases = [
            x.split(" (")[0] for x in text.splitlines() if re.match(r"\w.* \(\d+ steps?\)$", x)
        ]
        assert phases[0] == "Before any change" and phases[1] == "HA off"
        assert phases[-2:] == ["Verify", "HA on"]


def test_no_design_document_reference_reaches_json(snap: Snapshot) -> None:
    documents = [*(p.to_json() for p in (regen_plan(snap), prune_plan(snap)))]
    documents.append(findings_to_json(findings(snap)))
    text = json.dumps(documents, ensure_ascii=False)
    assert not re.search(r"§|PROCEDURE|INTERFACES|ARCHITECTURE", text)


def test_check_opens_with_the_summary_and_gives_each_fix_once(snap: Snapshot) -> None:
    found = findings(snap)
    text = draw(80, OUTPUTS["check"](snap, 80))
    first = text.splitlines()[0]
    errors = sum(1 for f in found if f.severity.value == "error")
    assert first.startswith("Cluster lab: ") and f"{errors} error" in first
    assert "uccert regen apply --units all" in text
    assert text.count("uccert trust prune --expired") == 1
    assert len(text.splitlines()) < len(found), "one line per group, not per finding"
