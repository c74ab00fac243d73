"""`uccert lab up --domain` and `--clusters N`: labs that merge into one fleet inventory."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from uccert.cli import main

pytestmark = pytest.mark.timeout(90)


@contextmanager
def lab_up(tmp_path: Path, *args: str) -> Iterator[dict[str, Any]]:
    ready = tmp_path / "ready.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "uccert", "lab", "up", "--preset", "minimal", "--time-scale",
         "0", "--ready-file", str(ready), "--state-dir", str(tmp_path / "state"), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no ready file"
            time.sleep(0.05)
        yield json.loads(ready.read_text())
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_domain_puts_every_node_and_the_cluster_name_in_that_domain(tmp_path: Path) -> None:
    with lab_up(tmp_path, "--domain", "East.Example.com") as info:
        assert {n["fqdn"] for n in info["nodes"]} == {
            "cucm-pub.east.example.com",
            "imp-pub.east.example.com",
            "imp-sub1.east.example.com",
        }
        doc = tomllib.loads(Path(info["inventory"]).read_text())
        assert list(doc["clusters"]) == ["east"]
        assert doc["clusters"]["east"]["publisher"] == "cucm-pub.east.example.com"


def test_clusters_serves_distinct_domains_in_one_inventory_that_uccert_reads(
    tmp_path: Path,
) -> None:
    with lab_up(tmp_path, "--clusters", "2", "--domain", "corp.example") as info:
        domains = {c["name"]: c["domain"] for c in info["clusters"]}
        assert domains == {"lab01": "lab01.corp.example", "lab02": "lab02.corp.example"}
        inventory = Path(info["inventory"])
        doc = tomllib.loads(inventory.read_text())
        assert sorted(doc["clusters"]) == ["lab01", "lab02"]
        pins = json.loads((inventory.parent / "tls_pins.json").read_text())
        for name, domain in domains.items():
            assert any(domain in host for host in json.dumps(pins).split('"')), name
        read = subprocess.run(
            [sys.executable, "-m", "uccert", "inventory", "--json", "--inventory", str(inventory)],
            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert read.returncode == 0, read.stderr
        fqdns = {n["fqdn"] for c in json.loads(read.stdout)["clusters"] for n in c["nodes"]}
        assert {f.split(".", 1)[1] for f in fqdns} == set(domains.values())
        assert len(fqdns) == 6


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--domain", "nodots"], "--domain 'nodots'"),
        (["--domain", "bad_label.example"], "--domain 'bad_label.example'"),
        (["--clusters", "0"], "--clusters 0"),
        (["--clusters", "2", "--topology", "t.toml"], "drop --topology"),
        (["--domain", "a.example", "--no-dns"], "drop --replay and --no-dns"),
    ],
)
def test_bad_fleet_flags_are_one_line_and_exit_2(
    args: list[str], needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ready = tmp_path / "ready.json"
    assert main(["lab", "up", *args, "--ready-file", str(ready)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], lines
    assert not ready.exists()
