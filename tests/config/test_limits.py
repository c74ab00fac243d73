"""Concurrency limits in the inventory: a fleet-wide ``[limits]`` and per-cluster
``[clusters.NAME.limits]``; defaults suit a 500-node fleet, bad values are one located line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from uccert.config import ClusterLimits, FleetLimits, InventoryError, load_inventory

BASE = """\
schema_version = 1

[clusters.east]
publisher = "cucm-pub.east.example.com"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "uccert.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_bound_axl_per_cluster_and_read_500_nodes_in_two_waves(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, BASE))
    assert inv.limits == FleetLimits(nodes_in_flight=256)
    assert inv.clusters["east"].limits == ClusterLimits(axl_requests=2, tls_per_node=4)


def test_limits_are_read_from_the_inventory(tmp_path: Path) -> None:
    text = BASE.replace(
        "schema_version = 1\n", "schema_version = 1\n\n[limits]\nnodes_in_flight = 64\n"
    )
    text += "\n[clusters.east.limits]\naxl_requests = 1\ntls_per_node = 2\n"
    inv = load_inventory(write(tmp_path, text))
    assert inv.limits.nodes_in_flight == 64
    assert inv.clusters["east"].limits == ClusterLimits(axl_requests=1, tls_per_node=2)


@pytest.mark.parametrize(
    ("table", "line", "expected"),
    [
        ("[clusters.east.limits]", "axl_requests = 0", "must be 1 or more"),
        ("[clusters.east.limits]", "tls_per_node = 1.5", "must be an integer"),
        ("[clusters.east.limits]", "axl_request = 2", "did you mean axl_requests"),
        ("[limits]", "nodes_in_flight = -3", "must be 1 or more"),
    ],
)
def test_a_bad_limit_is_one_located_line(
    tmp_path: Path, table: str, line: str, expected: str
) -> None:
    path = write(tmp_path, f"{BASE}\n{table}\n{line}\n")
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    message = str(info.value)
    assert message.startswith(f"{path}:7: "), message
    assert expected in message and " — " in message


FLEET_BOUND = """
import asyncio, resource
from uccert.cluster.client import fleet_bound
from uccert.config import FleetLimits
resource.setrlimit(resource.RLIMIT_NOFILE, (200, 200))  # soft = hard: cannot be raised
print(fleet_bound(FleetLimits(nodes_in_flight=500), tls_per_node=4)._value)
print(fleet_bound(FleetLimits(nodes_in_flight=10), tls_per_node=4)._value)
"""


def test_the_fleet_bound_fits_the_open_files_limit() -> None:
    """500 nodes x (1 SSH + 4 TLS) files cannot fit 200 open files: the bound drops to what
    does, (200 - 64 reserved) // 5 = 27, and says so; a bound that fits is kept."""
    done = subprocess.run(
        [sys.executable, "-c", FLEET_BOUND], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["27", "10"]
    assert "reading 27 nodes at once, not 500" in done.stderr
