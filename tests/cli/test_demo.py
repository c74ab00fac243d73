"""`uccert demo` shows an admin the demo lab's problems and a live regeneration, over SSH."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from uccert.cli.demo import run_demo

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def demo_output() -> str:
    import asyncio

    out = io.StringIO()
    asyncio.run(run_demo(Console(file=out, width=200, color_system=None)))
    return out.getvalue()


def _row(output: str, *cells: str) -> bool:
    pattern = r"\s*│\s*".join(re.escape(c) for c in cells)
    return re.search(pattern, output) is not None


def test_demo_lists_every_node_of_the_cluster(demo_output: str) -> None:
    for host in ("cucm-pub", "cucm-sub1", "imp-pub", "imp-sub1", "imp-sub2", "imp-sub3"):
        assert f"{host}.lab.example {host} " in demo_output


def test_demo_shows_imp_identities_expiring_within_30_days(demo_output: str) -> None:
    days = [int(d) for d in re.findall(r"imp-pub\s*│\s*cup-xmpp\s*│.*?│\s*(\d+) d", demo_output)]
    assert days and all(0 <= d <= 30 for d in days)


def test_demo_shows_expired_trusts_and_the_ipsec_mismatch_on_imp_sub2(demo_output: str) -> None:
    assert _row(demo_output, "imp-sub2") and "MISSING (old serial held)" in demo_output
    mismatched = re.findall(r"│ ([\w-]+)\s*│[^\n]*MISSING", demo_output)
    assert mismatched == ["imp-sub2"]
    expired = re.findall(r"(cucm-pub|imp-pub)\s*│\s*\d+\s*│\s*(\d+)\s*│", demo_output)
    assert expired and all(int(n) > 0 for _, n in expired)


def test_demo_regenerates_and_streams_the_restart(demo_output: str) -> None:
    assert "Successfully Regenerated Certificate for cup." in demo_output
    states = re.findall(r"Cisco SIP Proxy\[(\w+)\]", demo_output)
    assert states[:1] == ["STOPPING"] and states[-1] == "STARTED"
