"""How much outage the merged plan saves over the tech note's literal order.

On two fresh demo labs, `uccert regen apply --units all` runs once merged and once with
`--literal`. From each lab's own event log it counts the commanded restarts, the simulated
seconds services were down (summed over every service on every node), and the simulated
maintenance window (first change to last), then prints both and the ratios literal/merged.
Everything is measured in the same run; nothing is compared with a stored number.

    .venv/bin/python bench/outage.py [--time-scale 0.004]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass

from uccert.lab.servers.background import lab_in_background
from uccert.lab.state import Event

COMMANDED = ("ssh", "soap")
CHANGES = ("cert-regenerated", "ha-changed", "service-state", "trust-added")


@dataclass(frozen=True)
class Outage:
    restarts: int
    down_seconds: float
    window_seconds: float
    failovers: int


def measure(events: list[Event]) -> Outage:
    """From a lab's event log: commanded restarts, service-down seconds, change window."""
    restarts = sum(
        1
        for e in events
        if e.kind == "service-state"
        and e.data["state"] == "Stopping"
        and e.data.get("via") in COMMANDED
    )
    down_since: dict[tuple[str, object], float] = {}
    down = 0.0
    for e in events:
        if e.kind != "service-state":
            continue
        key = (e.node, e.data["service"])
        if e.data["state"] == "Started":
            if key in down_since:
                down += e.t - down_since.pop(key)
        else:
            down_since.setdefault(key, e.t)
    changes = [e.t for e in events if e.kind in CHANGES]
    window = max(changes) - min(changes) if changes else 0.0
    failovers = sum(1 for e in events if e.kind == "failover")
    return Outage(restarts, down, window, failovers)


def apply(literal: bool, time_scale: float) -> Outage:
    with (
        tempfile.TemporaryDirectory(prefix="uccert-bench-") as tmp,
        lab_in_background(preset_name="demo", time_scale=time_scale) as lab,
    ):
        env = {k: v for k, v in os.environ.items() if not k.startswith("UCCERT_")}
        env["UCCERT_STATE_DIR"] = tmp
        args = ["regen", "apply", "--units", "all", "--yes", "--inventory", str(lab.inventory)]
        if literal:
            args.append("--literal")
        done = subprocess.run(
            [sys.executable, "-m", "uccert", *args],
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        if done.returncode != 0:
            raise SystemExit(f"regen apply {'--literal ' if literal else ''}failed:\n{done.stdout}")
        return measure(list(lab.lab.events))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-scale", type=float, default=0.004)
    options = parser.parse_args()
    merged = apply(False, options.time_scale)
    literal = apply(True, options.time_scale)
    print("regen apply --units all on the demo lab (6 nodes, 4 IM/P), simulated seconds")
    print(f"{'':24}{'merged':>12}{'literal':>12}{'literal/merged':>16}")
    rows = (
        ("restarts", merged.restarts, literal.restarts),
        ("service-down seconds", merged.down_seconds, literal.down_seconds),
        ("maintenance seconds", merged.window_seconds, literal.window_seconds),
    )
    for name, m, lit in rows:
        ratio = lit / m if m else float("inf")
        print(f"{name:24}{m:>12.0f}{lit:>12.0f}{ratio:>16.2f}")
    print(f"{'failovers':24}{merged.failovers:>12}{literal.failovers:>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
