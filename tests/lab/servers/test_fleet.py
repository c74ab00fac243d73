"""Many labs in one process (``fleet``) and the lab's per-node latency (``latency``).

Latency is checked only as a lower bound (a command never answers sooner than asked), which
cannot flake on a slow machine; how much concurrency saves is for ``bench/inventory.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from uccert.cluster import ClusterClient, snapshot_clusters
from uccert.config import load_inventory, resolve_credentials
from uccert.lab.servers.fleet import cluster_names, ensure_fd_limit, running_fleet
from uccert.lab.servers.http_context import LabAccounts
from uccert.lab.servers.latency import NO_LATENCY, Latency
from uccert.lab.servers.runtime import running_lab

from .http_lab import HttpLab

Connect = Callable[..., Awaitable[Any]]


async def test_a_fleet_is_one_inventory_of_distinct_clusters(tmp_path: Path) -> None:
    async with running_fleet(2, preset_name="minimal", state_dir=tmp_path) as fleet:
        inventory = load_inventory(fleet.inventory)
        assert sorted(inventory.clusters) == ["lab01", "lab02"]
        pins = json.loads((tmp_path / "tls_pins.json").read_text())
        known_hosts = (tmp_path / "known_hosts").read_text().splitlines()
        assert len(pins) == len(known_hosts) == fleet.node_count == 6
        for name in ("credentials.toml", "known_hosts", "tls_pins.json"):
            assert (tmp_path / name).stat().st_mode & 0o777 == 0o600

        bound = asyncio.Semaphore(4)
        clients = [
            ClusterClient(c, resolve_credentials(c.credentials, cluster=c.name), tmp_path, bound)
            for c in inventory.clusters.values()
        ]
        snapshots = await snapshot_clusters(clients)

    assert [s.cluster for s in snapshots] == ["lab01", "lab02"]
    nodes = [n for s in snapshots for n in s.nodes]
    assert [n.error for n in nodes] == [None] * 6
    fqdns = {n.node.fqdn for n in nodes}
    assert len(fqdns) == 6
    assert set(pins) == fqdns
    assert {f for f in fqdns if f.endswith(".lab02.lab.example")} == {
        "cucm-pub.lab02.lab.example",
        "imp-pub.lab02.lab.example",
        "imp-sub1.lab02.lab.example",
    }
    serials = [c.serial for n in nodes for c in n.identities]
    assert len(set(serials)) == len(serials)


async def test_a_fleet_can_do_without_tls_listeners_and_control_api(tmp_path: Path) -> None:
    async with running_fleet(
        1, preset_name="minimal", state_dir=tmp_path, tls_listeners=False
    ) as fleet:
        (running,) = fleet.labs
        assert running.tls_listeners == {} and running.control_url is None
        text = fleet.inventory.read_text()
    assert "sip_tls_port" not in text
    assert tomllib.loads(text)["clusters"]["lab01"]["publisher"] == "cucm-pub.lab01.lab.example"


def test_cluster_names_sort_as_numbers() -> None:
    assert cluster_names(3) == ["lab01", "lab02", "lab03"]
    assert cluster_names(100)[:2] == ["lab001", "lab002"]


def test_the_fd_limit_is_kept_when_high_enough_and_a_too_low_hard_limit_is_refused() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert ensure_fd_limit(64) >= 64
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == (soft, hard)
    if hard != resource.RLIM_INFINITY:
        with pytest.raises(OSError, match="hard limit"):
            ensure_fd_limit(hard + 1)


def test_latency_is_never_negative() -> None:
    assert Latency() == NO_LATENCY
    with pytest.raises(ValueError, match="command"):
        Latency(command=-1)
    with pytest.raises(ValueError, match="login"):
        Latency(login=float("nan"))


async def test_latency_delays_login_commands_and_https(tmp_path: Path, connect: Connect) -> None:
    latency = Latency(login=0.2, command=0.1, http=0.1)
    async with running_lab(preset_name="minimal", state_dir=tmp_path, latency=latency) as lab:
        began = time.monotonic()
        admin = await connect(lab, "cucm-pub")
        try:
            assert time.monotonic() - began >= latency.login
            began = time.monotonic()
            output = await asyncio.to_thread(admin.lines, "show version active")
            assert time.monotonic() - began >= latency.command
            assert any("14.0" in line for line in output)
        finally:
            admin.close()

        creds = lab.credentials
        http = HttpLab(lab, LabAccounts(creds.os_admin, creds.app_admin, creds.os_readonly))
        async with http.client("cucm-pub") as client:
            began = time.monotonic()
            answer = await client.post(http.url("cucm-pub", "/axl/"), content=b"")
            assert time.monotonic() - began >= latency.http
        assert answer.status_code == 401  # no credentials: the delay comes before the answer


def test_the_fleet_runs_as_a_process_until_sigterm(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uccert.lab.servers.fleet",
            "--clusters=1",
            "--preset=minimal",
            "--command-latency=0.01",
            f"--state-dir={tmp_path / 'state'}",
            f"--ready-file={ready}",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={k: v for k, v in os.environ.items() if not k.startswith("UCCERT_")},
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert proc.poll() is None, proc.communicate()[0]
            assert time.monotonic() < deadline, "no ready file within 60 s"
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        assert [c["name"] for c in info["clusters"]] == ["lab01"]
        assert Path(info["inventory"]) == tmp_path / "state" / "uccert.toml"
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out
    assert not ready.exists()
