"""The guard against double execution lives in PostgreSQL: two uccert processes on one
PostgreSQL run database never execute one run at once, whatever machine they run on.

A `regen apply` is killed mid-run (SIGKILL); one process resumes it while a second tries to:
the second is refused with exit 2 naming the first (its executor id: host-pid-tag), `runs
list` shows the first as the run's holder, and every certificate is regenerated exactly once.
Nothing secret reaches the database (its dump holds no lab password).
"""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pgserver import PostgresServer
from run.conftest import Cli
from uccert.lab.servers.background import lab_in_background
from uccert.lab.state import Fault, FaultKind

pytestmark = pytest.mark.timeout(300)


@dataclass
class PgCli(Cli):
    """uccert on the lab's inventory, its runs in PostgreSQL (URL from the environment)."""

    url: str = ""

    def env(self) -> dict[str, str]:
        return {**super().env(), "UCCERT_DATABASE_URL": self.url}


@pytest.fixture
def pg_cli(pg_url: str, tmp_path: Path) -> Iterator[PgCli]:
    with lab_in_background(
        preset_name="minimal", time_scale=0.004, state_dir=tmp_path / "lab"
    ) as lab:
        yield PgCli(lab, tmp_path / "state", pg_url)


def listed(cli: PgCli) -> list[dict[str, str]]:
    done = cli.run("runs", "list", "--json")
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def test_a_second_process_is_refused_a_run_the_first_executes(
    pg_cli: PgCli, pg_server: PostgresServer
) -> None:
    first = pg_cli.spawn("regen", "apply", "--units", "cup", "--yes")
    pg_cli.wait_for(lambda: bool(pg_cli.events("cert-regenerated")), first)
    first.send_signal(signal.SIGKILL)
    first.wait(30)
    [run] = listed(pg_cli)
    assert run["status"] == "interrupted" and run["holder"] == ""

    # The resumer's first login waits (4 s of real time): it holds the run meanwhile.
    pg_cli.lab.lab.inject_fault(Fault(FaultKind.SLOW_LOGIN, None, None, 1, seconds=1000))
    resumer = pg_cli.spawn("runs", "resume", run["id"], "--yes")
    deadline = time.monotonic() + 60
    while not (held := listed(pg_cli)[0])["holder"]:
        assert resumer.poll() is None, "the resume ended before it was seen holding the run"
        assert time.monotonic() < deadline, "the resume never took the run"
        time.sleep(0.05)
    assert held["status"] == "running"
    assert f"-{resumer.pid}-" in held["holder"]

    second = pg_cli.run("runs", "resume", run["id"], "--yes")
    assert second.returncode == 2, second.stdout + second.stderr
    assert f"run {run['id']} is being executed by" in second.stderr
    assert f"-{resumer.pid}-" in second.stderr

    out, _ = resumer.communicate(timeout=240)
    assert resumer.returncode == 0, out
    regens = Counter((e.node, str(e.data["unit"])) for e in pg_cli.events("cert-regenerated"))
    imps = [n.name for n in pg_cli.lab.lab.topology.nodes if n.product == "imp"]
    assert regens == Counter({(n, u): 1 for n in imps for u in ("cup",)})
    [done] = listed(pg_cli)
    assert (done["status"], done["holder"]) == ("succeeded", "")

    dump = pg_server.dump(pg_cli.url.rsplit("/", 1)[-1])
    assert run["id"] in dump  # the dump does hold the runs
    creds = pg_cli.lab.credentials
    for secret in (creds.os_admin.password, creds.app_admin.password):
        assert secret not in dump
