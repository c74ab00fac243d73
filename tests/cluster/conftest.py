"""A lab on loopback for the cluster client, its SSH host key pinned next to its inventory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from uccert.config import ClusterConfig, ClusterCredentials, load_inventory, resolve_credentials
from uccert.lab.servers.runtime import RunningLab, running_lab
from uccert.transport import KnownHostsStore


def pin_lab(lab: RunningLab) -> None:
    """Pin the lab's host key next to its inventory, unless the lab already wrote known_hosts."""
    store = KnownHostsStore(lab.inventory.parent)
    for port in lab.ports.values():
        if not store.pinned("127.0.0.1", port):
            store.pin("127.0.0.1", port, lab.host_public_key)


def cluster_of(lab: RunningLab) -> tuple[ClusterConfig, ClusterCredentials]:
    config = load_inventory(lab.inventory).clusters["lab"]
    return config, resolve_credentials(config.credentials, cluster="lab", environ={})


@pytest.fixture
async def demo_lab(tmp_path: Path) -> AsyncIterator[RunningLab]:
    async with running_lab(preset_name="demo", time_scale=0, state_dir=tmp_path) as lab:
        pin_lab(lab)
        yield lab
