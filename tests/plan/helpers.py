"""Reading a plan the way an admin would: what happens, on which node, in which order."""
# Steps are read off the Step union; a step of the wrong kind fails the test.
# mypy: disable-error-code="union-attr"

from __future__ import annotations

from collections import Counter

from uccert.model import Plan, Snapshot, Step, StepKind
from uccert.plan import RegenRequest, parse_units, plan_regen

from .build import demo


def plan_for(
    units: str = "all",
    snapshot: Snapshot | None = None,
    *,
    nodes: tuple[str, ...] | str = "imp",
    literal: bool = False,
    force: bool = False,
) -> Plan:
    request = RegenRequest(parse_units(units), nodes, literal, force, "uccert regen apply")
    return plan_regen(snapshot if snapshot is not None else demo(), request)


def kinds(plan: Plan) -> list[StepKind]:
    return [s.kind for s in plan.steps]


def index(plan: Plan, step_id: str) -> int:
    return next(i for i, s in enumerate(plan.steps) if s.id == step_id)


def positions(plan: Plan, kind: StepKind) -> list[int]:
    return [i for i, s in enumerate(plan.steps) if s.kind is kind]


def restarts(plan: Plan) -> list[Step]:
    return list(plan.of_kind(StepKind.RESTART))


def restart_counts(plan: Plan) -> Counter[tuple[str | None, str | None]]:
    return Counter((s.node, s.service) for s in restarts(plan))


def regenerated(plan: Plan) -> list[tuple[str | None, str | None]]:
    return [(s.node, s.unit) for s in plan.of_kind(StepKind.REGENERATE)]


def codes(plan: Plan) -> list[str]:
    return [w.code for w in plan.warnings]


def warning(plan: Plan, code: str) -> str:
    [found] = [w.message for w in plan.warnings if w.code == code]
    return found
