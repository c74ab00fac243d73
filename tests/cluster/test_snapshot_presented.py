"""The snapshot's wire view: each node's listeners are probed, so a cert changed without the
restart that loads it shows up as `restart-pending` in `uccert check` (docs/design/procedure.md
§2.4, §7)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from uccert.cli import main
from uccert.cluster import ClusterClient
from uccert.lab.servers.runtime import RunningLab, running_lab
from uccert.model import Snapshot

from .conftest import cluster_of

pytestmark = [pytest.mark.timeout(90), pytest.mark.asyncio(loop_scope="module")]

IMP_PROBED = {"tomcat", "cup", "cup-xmpp"}  # minimal: no XMPP federation, so no s2s listener


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def lab(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningLab]:
    state_dir = tmp_path_factory.mktemp("presented-lab")
    async with running_lab(preset_name="minimal", time_scale=0, state_dir=state_dir) as running:
        yield running


async def snapshot(lab: RunningLab) -> Snapshot:
    config, creds = cluster_of(lab)
    return await ClusterClient(config, creds, lab.inventory.parent).snapshot()


def on_the_wire(lab: RunningLab, node: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for unit in ("tomcat", "cup", "cup-xmpp", "cup-xmpp-s2s"):
        if unit not in {o.unit for o in lab.lab.own_certs(node)}:
            continue
        cert = lab.lab.presented_cert(node, unit)
        if cert is not None:
            found[unit] = format(cert.serial_number, "x")
    return found


async def check_findings(
    lab: RunningLab, capsys: pytest.CaptureFixture[str]
) -> tuple[int, set[tuple[str, str, str]]]:
    """`uccert check --json` on the lab's inventory: exit code, (code, node, subject)s."""
    capsys.readouterr()
    argv = ["check", "--json", "--inventory", str(lab.inventory)]
    code = await asyncio.to_thread(main, argv)
    found = json.loads(capsys.readouterr().out)["findings"]
    return code, {(f["code"], f["node"], f["subject"]) for f in found}


async def sync_listeners(lab: RunningLab, node: str) -> None:
    for listener in lab.tls_listeners[node].values():
        await listener.sync()


async def test_every_node_shows_the_serials_its_listeners_present(lab: RunningLab) -> None:
    snap = await snapshot(lab)
    for n in snap.nodes:
        assert n.error is None, n.error
        assert dict(n.presented) == on_the_wire(lab, n.node.name)
        expected = IMP_PROBED if n.node.product.value == "imp" else {"tomcat"}
        assert set(n.presented) == expected
        assert all(n.presented[u] == n.identity(u).serial for u in n.presented)  # type: ignore[union-attr]


async def test_a_regenerated_cert_without_its_restart_is_restart_pending(
    lab: RunningLab, capsys: pytest.CaptureFixture[str]
) -> None:
    _, found = await check_findings(lab, capsys)
    assert not {f for f in found if f[0] == "restart-pending"}
    lab.lab.regenerate("imp-pub", "cup", via="lab")  # as an admin would, without the restarts
    lab.clock.settle()
    code, found = await check_findings(lab, capsys)
    assert code == 3
    assert {f for f in found if f[0] == "restart-pending"} == {
        ("restart-pending", "imp-pub", "cup")
    }
    for service in ("Cisco SIP Proxy", "Cisco Presence Engine"):
        lab.lab.control_service("imp-pub", service, "restart", via="lab")
    lab.clock.settle()
    await sync_listeners(lab, "imp-pub")
    _, found = await check_findings(lab, capsys)
    assert not {f for f in found if f[0] == "restart-pending"}


async def test_a_stopped_listener_leaves_its_unit_out(lab: RunningLab) -> None:
    lab.lab.control_service("imp-sub1", "Cisco SIP Proxy", "stop", via="lab")
    lab.clock.settle()
    await sync_listeners(lab, "imp-sub1")
    try:
        snap = await snapshot(lab)
        node = next(n for n in snap.nodes if n.node.name == "imp-sub1")
        assert set(node.presented) == IMP_PROBED - {"cup"}
    finally:
        lab.lab.control_service("imp-sub1", "Cisco SIP Proxy", "start", via="lab")
        lab.clock.settle()
        await sync_listeners(lab, "imp-sub1")
