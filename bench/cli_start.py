"""How long `uccert --help` takes to start, against the floor of any typer CLI.

Runs, in the same run and interleaved so that load on the machine hits all alike:
``python -c "import typer"`` (the floor: no typer CLI starts faster), ``uccert --help`` and
a few commands' ``--help`` (read commands, the lab, and regen/csr), each as a fresh process,
several times. Prints min and median of each
and the ratio of each median to the floor's median. Target: within 3x of the floor.

    .venv/bin/python bench/cli_start.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time

UCCERT = [sys.executable, "-m", "uccert"]
CASES: dict[str, list[str]] = {
    'python -c "import typer"': [sys.executable, "-c", "import typer"],
    "uccert --help": [*UCCERT, "--help"],
    "uccert check --help": [*UCCERT, "check", "--help"],
    "uccert inventory --help": [*UCCERT, "inventory", "--help"],
    "uccert pin --help": [*UCCERT, "pin", "--help"],
    "uccert lab up --help": [*UCCERT, "lab", "up", "--help"],
    "uccert regen apply --help": [*UCCERT, "regen", "apply", "--help"],
    "uccert csr --help": [*UCCERT, "csr", "--help"],
}
FLOOR = 'python -c "import typer"'
TARGET = 3.0


def once(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system) time of one fresh process, which must exit 0. The CPU time
    is what load from other processes on the machine disturbs least."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs of each case (default 7)")
    options = parser.parse_args()
    for argv in CASES.values():  # warm the file cache and .pyc files; not counted
        once(argv)
    walls: dict[str, list[float]] = {name: [] for name in CASES}
    cpus: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(options.repeat):
        for name, argv in CASES.items():
            wall, cpu = once(argv)
            walls[name].append(wall)
            cpus[name].append(cpu)
    for label, times in (("wall", walls), ("cpu", cpus)):
        floor = statistics.median(times[FLOOR])
        worst = 0.0
        for name, runs in times.items():
            median = statistics.median(runs)
            ratio = median / floor
            worst = max(worst, ratio)
            print(
                f"{label:4} {name:28} min {min(runs):6.3f} s  median {median:6.3f} s"
                f"  x{ratio:4.1f} of floor"
            )
        verdict = "within" if worst <= TARGET else "OVER"
        print(f"{label:4} slowest help: x{worst:.1f} of the typer floor ({verdict} {TARGET:.0f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
