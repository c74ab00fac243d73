"""Every lab fault kind at every step kind of a small regen and a small prune.

Each cell arms one fault on imp-sub1 (or AXL on the publisher) just before the first step of
one kind starts, lets the run end, and checks what the issue asks of a run that meets trouble,
from the lab's own event log and state:

- HA is never turned on while a critical service of one of the group's nodes is down, and no
  node fails over;
- no regeneration and no commanded restart (or stop) happens twice on a node;
- a failed run's summary is true: each service it lists is in the state it prints, and a group
  it says it left off is off;
- a failed run resumes (faults cleared) to the end state.

The full matrix is `make faults` (marker ``faults``, deselected otherwise); `make test` runs the
representative cells in ``QUICK``.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import dataclass

import pytest

from uccert.lab.state import Event, Fault, FaultKind
from uccert.lab.state.tables import SERVICES

from .conftest import Cli
from .test_trust_prune import import_expired

pytestmark = pytest.mark.timeout(300)

COMMANDED = ("ssh", "soap")
CRITICAL = frozenset(s.name for s in SERVICES if s.critical)
NODE = "imp-sub1"  # in the minimal lab's one group, with imp-pub
JOBS = {
    "regen": ("regen", "apply", "--units", "tomcat", "--yes"),
    "prune": ("trust", "prune", "--yes"),
}
PLANS = {
    "regen": ("regen", "plan", "--units", "tomcat", "--json"),
    "prune": ("trust", "prune", "--dry-run", "--json"),
}
STEP_KINDS = {
    "regen": ("preflight", "ha-off", "regenerate", "restart", "verify", "ha-restore"),
    "prune": (
        "preflight",
        "ha-off",
        "stop",
        "delete-trust",
        "restart",
        "start",
        "verify",
        "ha-restore",
    ),
}
# 11.5: trust deletes need the pre-stops and starts around them (the prune has every kind).
LAB_OF = {"regen": pytest.mark.lab(preset="minimal"), "prune": pytest.mark.lab(version="11.5")}
QUICK = {
    ("regen", "restart", "service-start-fails"),
    ("prune", "delete-trust", "drop-after-command"),
}


def fault_of(kind: FaultKind) -> Fault:
    """Twice (once for a start that fails): within the retries for transient kinds, a
    failure of the run for the others."""
    if kind is FaultKind.AXL_FAILS:
        return Fault(kind, None, None, 2)
    if kind is FaultKind.SLOW_LOGIN:
        return Fault(kind, NODE, None, 2, seconds=20)
    count = 1 if kind is FaultKind.SERVICE_START_FAILS else 2
    return Fault(kind, NODE, None, count)


@dataclass(frozen=True)
class Cell:
    job: str
    step: str
    fault: FaultKind


def cells() -> list[object]:
    out: list[object] = []
    for job, steps in STEP_KINDS.items():
        for step in steps:
            for fault in FaultKind:
                marks = [LAB_OF[job]]
                if (job, step, fault.value) not in QUICK:
                    marks.append(pytest.mark.faults)
                out.append(
                    pytest.param(Cell(job, step, fault), id=f"{job}-{step}-{fault}", marks=marks)
                )
    return out


def _arm_when(plan: list[dict[str, object]], step: str) -> int:
    """How many steps end before the first ``step`` kind starts."""
    kinds = [s["kind"] for s in plan]
    assert step in kinds, f"the plan has no {step} step: {kinds}"
    return kinds.index(step)


def run_arming(cli: Cli, args: tuple[str, ...], done_before: int, fault: Fault) -> tuple[int, str]:
    """Run uccert, injecting ``fault`` once ``done_before`` steps have ended."""
    proc = cli.spawn(*args)
    assert proc.stdout is not None
    lines: list[str] = []
    armed = False
    for line in proc.stdout:
        lines.append(line)
        if armed:
            continue
        m = re.match(r"^. \[\s*(\d+)/\d+\]", line)
        if (done_before == 0 and "started (resume it with" in line) or (
            m is not None and int(m.group(1)) == done_before
        ):
            cli.lab.lab.inject_fault(fault)
            armed = True
    proc.wait(240)
    return proc.returncode, "".join(lines)


def initial_states(cli: Cli) -> dict[tuple[str, str], str]:
    lab = cli.lab.lab
    return {(n, s.name): s.state for n in lab.node_names() for s in lab.services(n)}


def assert_invariants(cli: Cli, initial: dict[tuple[str, str], str]) -> None:
    """HA never on over a down critical service; nothing regenerated or restarted twice."""
    lab = cli.lab.lab
    members = {g.name: (g.server1, g.server2) for g in lab.groups()}
    state = dict(initial)
    events: list[Event] = list(lab.events)
    for e in events:
        if e.kind == "service-state":
            state[(e.node, str(e.data["service"]))] = str(e.data["state"])
        elif e.kind == "ha-changed" and e.data["enabled"]:
            down = [
                f"{service} on {node}"
                for node in members[str(e.data["group"])]
                for (n, service), s in state.items()
                if n == node
                and service in CRITICAL
                and initial.get((n, service)) == "Started"
                and s != "Started"
            ]
            assert not down, f"HA turned on over {down}"
    assert [e for e in events if e.kind == "failover"] == []
    regens = Counter((e.node, e.data["unit"]) for e in events if e.kind == "cert-regenerated")
    assert all(n == 1 for n in regens.values()), f"regenerated twice: {regens}"
    stops = Counter(
        (e.node, e.data["service"])
        for e in events
        if e.kind == "service-state"
        and e.data["state"] == "Stopping"
        and e.data.get("via") in COMMANDED
    )
    assert all(n == 1 for n in stops.values()), f"restarted or stopped twice: {stops}"


def assert_summary_true(cli: Cli, out: str) -> None:
    lab = cli.lab.lab
    text = out.split("Services the plan controls", 1)
    if len(text) == 2:
        for m in re.finditer(r"^  (\S+) (Cisco [^:\n]+): (\w+)", text[1], re.M):
            node, service, shown = m.groups()
            now = lab.service_state(node, service).state
            assert shown == now or shown in ("Starting", "Stopping"), (
                f"the summary says {service} on {node} is {shown}; the node shows {now}"
            )
    groups = {g.name: g.ha_enabled for g in lab.groups()}
    for m in re.finditer(r"HA left OFF on (\S+):", out):
        assert groups[m.group(1)] is False, f"the summary says HA is off on {m.group(1)}"
    for m in re.finditer(r"^  ha-restore:(\S+): HA (?:on|already on)", out, re.M):
        assert groups[m.group(1)] is True, f"the summary says HA is on on {m.group(1)}"


def assert_end_state(
    cli: Cli, job: str, serial: int | None, initial: dict[tuple[str, str], str]
) -> None:
    lab = cli.lab.lab
    assert all(g.ha_enabled for g in lab.groups()), "HA not restored"
    if job == "regen":
        regens = {(e.node, e.data["unit"]) for e in cli.events("cert-regenerated")}
        assert regens == {("imp-pub", "tomcat"), ("imp-sub1", "tomcat")}
    else:
        held = {t.cert.serial_number for n in lab.node_names() for t in lab.trust_certs(n)}
        assert serial not in held
    for (node, service), was in initial.items():
        now = lab.service_state(node, service).state
        assert was != "Started" or now == "Started", f"{node} {service} is {now}"


@pytest.mark.parametrize("cell", cells())
def test_a_fault_at_a_step(lab_cli: Cli, cell: Cell) -> None:
    serial = import_expired(lab_cli) if cell.job == "prune" else None
    planned = lab_cli.run(*PLANS[cell.job])
    assert planned.returncode == 0, planned.stdout + planned.stderr
    plan = json.loads(planned.stdout)["steps"]
    initial = initial_states(lab_cli)
    code, out = run_arming(
        lab_cli, JOBS[cell.job], _arm_when(plan, cell.step), fault_of(cell.fault)
    )
    assert code in (0, 1), out
    assert_invariants(lab_cli, initial)
    if code == 1:
        assert "uccert runs resume" in out, out
        assert_summary_true(lab_cli, out)
        lab_cli.lab.lab.clear_faults()
        run_id = json.loads(lab_cli.run("runs", "list", "--json").stdout)[0]["id"]
        resumed = lab_cli.run("runs", "resume", run_id, "--yes")
        assert resumed.returncode == 0, out + resumed.stdout + resumed.stderr
        assert_invariants(lab_cli, initial)
    time.sleep(0.05)  # the lab's clock settles the last transitions
    lab_cli.lab.clock.settle()
    assert_end_state(lab_cli, cell.job, serial, initial)
