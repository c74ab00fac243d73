"""The plan document (``schema_version`` 1) keeps its shape while steps are typed.

The fixtures under ``fixtures/`` were written by the planner before each step kind got its own
type (a regeneration with an ipsec-trust repair, a prune on 11.5 with pre-stops, the restarts
after an upload). A run stored then must load into the right step types and write back the
very same document.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from uccert.model import (
    DeleteTrustStep,
    HaOffStep,
    HaRestoreStep,
    ImportTrustStep,
    RegenerateStep,
    RestartStep,
    StartStep,
    StopStep,
    UploadRestartStep,
    VerifyClusterStep,
    VerifyNodeStep,
    VerifyTrustsGoneStep,
    plan_from_json,
    step_from_json,
)

FIXTURES = Path(__file__).parent / "fixtures"


def document(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"plan-v1-{name}.json").read_text())
    return loaded


@pytest.mark.parametrize("name", ["regen", "prune", "upload"])
def test_a_stored_plan_loads_and_writes_back_the_same_document(name: str) -> None:
    stored = document(name)
    assert plan_from_json(stored).to_json() == stored


def test_a_stored_regeneration_loads_into_its_step_types() -> None:
    plan = plan_from_json(document("regen"))
    regen = plan.step("regenerate:imp-pub:cup")
    assert isinstance(regen, RegenerateStep)
    raw = {s["id"]: s for s in document("regen")["steps"]}
    assert regen.replaces_serial == raw[regen.id]["expect"]
    repair = plan.step("import-trust:imp-sub2:ipsec-trust")
    assert isinstance(repair, ImportTrustStep)
    assert (repair.source, repair.unit, repair.expected_serial) == (
        "cucm-pub",
        "ipsec",
        raw[repair.id]["expect"],
    )
    assert all(type(s) is RestartStep for s in plan.of_kind(RestartStep.kind))
    assert {type(s) for s in plan.of_kind(VerifyNodeStep.kind)} == {
        VerifyNodeStep,
        VerifyClusterStep,
    }
    off, restore = plan.of_type(HaOffStep), plan.of_type(HaRestoreStep)
    assert [s.group for s in off] == [s.group for s in restore] and off


def test_a_stored_prune_loads_stops_deletes_starts_and_what_must_stay_gone() -> None:
    plan = plan_from_json(document("prune"))
    raw = {s["id"]: s for s in document("prune")["steps"]}
    stops, starts = plan.of_type(StopStep), plan.of_type(StartStep)
    assert stops and starts
    assert [(s.node, s.service) for s in starts] == [(s.node, s.service) for s in reversed(stops)]
    for d in plan.of_type(DeleteTrustStep):
        assert (d.file, d.serial) == (raw[d.id]["file"], raw[d.id]["expect"])
    gone = plan.of_type(VerifyTrustsGoneStep)
    assert gone and all(list(v.serials) == raw[v.id]["serves"] for v in gone)
    (cluster,) = plan.of_type(VerifyClusterStep)
    assert list(cluster.codes) == raw[cluster.id]["serves"] and cluster.codes


def test_a_stored_upload_keeps_each_restarts_start_time_and_the_uploaded_serial() -> None:
    plan = plan_from_json(document("upload"))
    raw = {s["id"]: s for s in document("upload")["steps"]}
    restarts = plan.of_type(UploadRestartStep)
    assert {s.start_time_before for s in restarts} == {"2026-12-01T10:00:00Z", None}
    for s in restarts:
        assert (s.start_time_before or "") == raw[s.id]["expect"]
    assert {s.uploaded_serial for s in plan.of_type(VerifyNodeStep)} == {"7a3f"}


def test_a_damaged_step_is_refused_naming_it() -> None:
    regen = next(s for s in document("regen")["steps"] if s["kind"] == "regenerate")
    with pytest.raises(ValueError, match=f"step {regen['id']} has no node: the plan is damaged"):
        step_from_json({**regen, "node": None})
    ha = next(s for s in document("regen")["steps"] if s["kind"] == "ha-off")
    with pytest.raises(ValueError, match="the plan is damaged"):
        step_from_json({**ha, "expect": "on"})
