"""`uccert inventory` and `check` on labs that print what real nodes print (issue 13): nodes in
three time zones with daylight saving (11.5: the CLI path, no `Command successful`, the old
restart notice), a cluster installed without DNS, and a 15.0 cluster with its renamed services.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from uccert.catalog import Product, Role, ServiceAction, restarts_for
from uccert.catalog.versions import Version
from uccert.cli import main
from uccert.cli.lab import resolve_topology
from uccert.cluster.client import ClusterClient
from uccert.cluster.operations import ClusterOps, OperationFailed, ServiceFailed
from uccert.config import load_inventory, resolve_credentials
from uccert.lab.servers.runtime import RunningLab, running_lab
from uccert.lab.state import Fault, FaultKind, preset
from uccert.model import RunState, Via

pytestmark = pytest.mark.timeout(120)

ZONES = {"cucm-pub": "Europe/London", "imp-pub": "Asia/Kolkata", "imp-sub1": "America/Chicago"}
SUMMER = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)  # BST, CDT; IST has none


async def uccert(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


def _json(capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(capsys.readouterr().out)


def _ops(lab: RunningLab) -> ClusterOps:
    config = load_inventory(lab.inventory).clusters["lab"]
    creds = resolve_credentials(config.credentials, cluster="lab", environ={})
    nodes = {n.name: n.fqdn for n in lab.lab.topology.nodes}
    return ClusterOps(config, creds, lab.inventory.parent, nodes)


def _lab_serials(lab: RunningLab, node: str) -> set[str]:
    return {format(c.cert.serial_number, "x") for c in lab.lab.own_certs(node)}


async def test_three_time_zones_with_dst_read_cleanly_over_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = preset("minimal", "11.5")
    nodes = tuple(dataclasses.replace(n, timezone=ZONES[n.name]) for n in base.nodes)
    topo = dataclasses.replace(base, nodes=nodes)
    async with running_lab(topology=topo, time_scale=0, state_dir=tmp_path, start=SUMMER) as lab:
        session_dump = await _first_dump(lab, "cucm-pub")
        assert " BST 20" in session_dump  # the node really prints local, DST, dates
        assert await uccert("inventory", "--json", "--inventory", str(lab.inventory)) == 0
        doc = _json(capsys)
        assert await uccert("check", "--json", "--inventory", str(lab.inventory)) == 0
        findings = _json(capsys)["findings"]
        async with _ops(lab) as ops:  # 11.5's restart notice and doubled state lines
            await ops.control("imp-sub1", "Cisco DRF Local", ServiceAction.RESTART, Via.SSH)
            status = await ops.wait_started("imp-sub1", "Cisco DRF Local", None, 30, 0.01)
        # one cert the node refuses to show is a warning on that cert, not a failed node
        victim = lab.lab.trust_certs("imp-sub1")[0].file
        lab.lab.inject_fault(
            Fault(FaultKind.COMMAND_FAILS, "imp-sub1", f"show cert trust {victim}", 1)
        )
        assert await uccert("inventory", "--json", "--inventory", str(lab.inventory)) == 0
        printed = capsys.readouterr()
        again = {n["name"]: n for n in json.loads(printed.out)["clusters"][0]["nodes"]}
    assert f"warning: lab/imp-sub1: {victim}: not read" in printed.err
    assert status.state is RunState.STARTED
    [warning] = again["imp-sub1"]["warnings"]
    assert warning.startswith(f"{victim}: not read") and "unsuccessfully" in warning
    assert len(again["imp-sub1"]["trusts"]) == len(lab.lab.trust_certs("imp-sub1")) - 1
    read = {n["name"]: n for n in doc["clusters"][0]["nodes"]}
    for name in ZONES:
        assert read[name]["warnings"] == []
        assert {c["serial"] for c in read[name]["identities"]} == _lab_serials(lab, name)
        assert read[name]["trusts"]
    assert [f for f in findings if f["severity"] != "info"] == []


async def _first_dump(lab: RunningLab, node: str) -> str:
    async with _ops(lab) as ops:
        session = await ops._session(node)
        return await session.run("show cert own tomcat")


async def test_a_dns_less_cluster_is_read_by_host_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    topo = resolve_topology("minimal", None, "14.0", dns=False)
    async with running_lab(topology=topo, time_scale=0, state_dir=tmp_path) as lab:
        assert await uccert("inventory", "--json", "--inventory", str(lab.inventory)) == 0
        doc = _json(capsys)
        assert await uccert("check", "--inventory", str(lab.inventory)) == 0
        capsys.readouterr()
        config = load_inventory(lab.inventory).clusters["lab"]
        creds = resolve_credentials(config.credentials, cluster="lab", environ={})
        listed = await ClusterClient(config, creds, lab.inventory.parent).discover_cli()
    assert [(n.name, n.fqdn) for n in listed] == [
        ("cucm-pub", "cucm-pub"),
        ("imp-pub", "imp-pub"),
        ("imp-sub1", "imp-sub1"),
    ]
    nodes = doc["clusters"][0]["nodes"]
    assert [(n["name"], n["fqdn"]) for n in nodes] == [(n.name, n.fqdn) for n in listed]
    assert all(n["identities"] and n["warnings"] == [] for n in nodes)


async def test_a_15_cluster_restarts_drf_under_its_new_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_lab(
        preset_name="minimal", version="15.0", time_scale=0, state_dir=tmp_path
    ) as lab:
        assert await uccert("check", "--inventory", str(lab.inventory)) == 0
        capsys.readouterr()
        # from 14 DRF uses the tomcat cert (TAC 215534): a tomcat change restarts DRF
        [_, master, local] = restarts_for(
            "tomcat", Product.CUCM, Role.PUBLISHER, Version.parse("15.0")
        )
        async with _ops(lab) as ops:
            seen = await ops.service_status("cucm-pub", [master.service, "Cisco DRF Master"])
            await ops.control("cucm-pub", master.service, ServiceAction.RESTART, Via.SOAP)
            done = await ops.wait_started("cucm-pub", master.service, None, 30, 0.01)
            # the old name is refused, and reading Stopped never counts as restarted
            with pytest.raises(OperationFailed, match="check its name"):
                await ops.control("cucm-pub", "Cisco DRF Master", ServiceAction.RESTART, Via.SOAP)
            with pytest.raises(ServiceFailed, match="does not list"):
                await ops.wait_started("cucm-pub", "Cisco DRF Master", None, 30, 0.01)
        # this lab answers REST writes with 201 Created (third-party clients see it)
        out = tmp_path / "csrs"
        args = ("csr", "--unit", "tomcat", "--out", str(out), "--inventory", str(lab.inventory))
        assert await uccert(*args) == 0
        pending = lab.lab.pending_csr("imp-sub1", "tomcat")
    assert pending is not None and (out / "tomcat-imp-sub1.csr").read_text().strip() == (
        pending.strip()
    )
    assert (master.service, local.service) == ("Cisco DRF Primary", "Cisco DRF Local")
    assert seen["Cisco DRF Primary"].state is RunState.STARTED
    # Control Center answers Stopped for the old name: it must never be the one restarted
    assert seen["Cisco DRF Master"].state is RunState.STOPPED
    assert done.state is RunState.STARTED
