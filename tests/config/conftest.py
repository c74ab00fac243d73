from __future__ import annotations

import os
from pathlib import Path

import pytest

from uccert.lab.servers.runtime import Credentials, credentials_toml, inventory_toml
from uccert.lab.state import preset


def write_private(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


@pytest.fixture
def lab_files(tmp_path: Path) -> tuple[Path, Credentials]:
    """The inventory and credentials file exactly as `uccert lab up` writes them."""
    topo = preset("demo")
    ports = {n.name: 22000 + i for i, n in enumerate(topo.nodes)}
    https = {n.name: 28000 + i for i, n in enumerate(topo.nodes)}
    creds = Credentials.random()
    write_private(tmp_path / "credentials.toml", credentials_toml(creds))
    inv = tmp_path / "uccert.toml"
    inv.write_text(inventory_toml(topo, ports, 0.0, "credentials.toml", https), encoding="utf-8")
    return inv, creds
