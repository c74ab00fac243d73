"""The lab's control API over real HTTP on 127.0.0.1 (and the same documents in-process)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from cryptography import x509

from uccert.lab.servers.control_api import (
    ControlInputError,
    LabControl,
    LabControlError,
    events_json,
    fault_from_json,
    state_json,
)
from uccert.lab.servers.runtime import RunningLab
from uccert.lab.state import Fault, FaultKind

pytestmark = pytest.mark.timeout(60)

Connect = Callable[..., Awaitable[Any]]


def control(lab: RunningLab) -> LabControl:
    assert lab.control_url is not None
    return LabControl(lab.control_url)


async def test_state_shapes_and_serials_match_the_certs(lab: RunningLab) -> None:
    async with control(lab) as c:
        state = await c.state()
    assert set(state) == {"now", "nodes", "groups"}
    assert dt.datetime.fromisoformat(state["now"]) == lab.lab.now_datetime()
    assert [n["name"] for n in state["nodes"]] == lab.lab.node_names()
    for node in state["nodes"]:
        name = node["name"]
        assert set(node) == {"name", "version", "identities", "trusts", "services"}
        assert node["version"] == lab.lab.display_version(name)
        own = {c.unit: c.cert for c in lab.lab.own_certs(name)}
        assert {i["unit"] for i in node["identities"]} == set(own)
        for ident in node["identities"]:
            cert = own[ident["unit"]]
            assert set(ident) == {"unit", "serial", "not_after", "pem"}
            assert ident["serial"] == f"{cert.serial_number:x}"
            assert ident["serial"] == ident["serial"].lower()
            assert x509.load_pem_x509_certificate(ident["pem"].encode()) == cert
            parsed = dt.datetime.fromisoformat(ident["not_after"])
            assert parsed.utcoffset() == dt.timedelta(0)
            assert parsed == cert.not_valid_after_utc
        trusts = {t.file: t for t in lab.lab.trust_certs(name)}
        assert {t["file"] for t in node["trusts"]} == set(trusts)
        for t in node["trusts"]:
            assert set(t) == {"store", "file", "serial", "not_after", "pem"}
            assert t["store"] == trusts[t["file"]].store
            assert t["serial"] == f"{trusts[t['file']].cert.serial_number:x}"
        assert node["services"] == [
            {"name": s.name, "state": s.state} for s in lab.lab.services(name)
        ]
    assert state["groups"] == [
        {
            "name": "DefaultCUPSubcluster",
            "server1": "imp-pub",
            "server2": "imp-sub1",
            "ha_enabled": True,
        }
    ]
    assert state == state_json(lab.lab, lab.clock)


async def test_state_follows_a_regeneration(lab: RunningLab) -> None:
    _, new = lab.lab.regenerate("imp-pub", "cup", via="lab")
    async with control(lab) as c:
        state = await c.state()
    node = next(n for n in state["nodes"] if n["name"] == "imp-pub")
    assert next(i["serial"] for i in node["identities"] if i["unit"] == "cup") == new


async def test_events_filter_by_node_kind_and_since(lab: RunningLab) -> None:
    lab.lab.regenerate("imp-pub", "cup", via="lab")
    lab.lab.control_service("imp-sub1", "Cisco SIP Proxy", "restart", via="lab")
    lab.clock.settle()
    async with control(lab) as c:
        everything = await c.events()
        assert everything == [e.to_json() for e in lab.lab.events]
        sub1 = await c.events(node="imp-sub1")
        assert sub1 and all(e["node"] == "imp-sub1" for e in sub1)
        regen = await c.events(kind="cert-regenerated")
        assert [e["node"] for e in regen] == ["imp-pub"]
        assert regen[0]["unit"] == "cup" and {"seq", "t", "old_serial", "new_serial"} <= set(
            regen[0]
        )
        states = await c.events(node="imp-sub1", kind="service-state")
        assert [e["state"] for e in states] == ["Stopping", "Stopped", "Starting", "Started"]
        later = await c.events(since=states[1]["seq"])
        assert [e["seq"] for e in later] == [
            e["seq"] for e in everything if e["seq"] > states[1]["seq"]
        ]
        with pytest.raises(LabControlError, match="no node 'nope'"):
            await c.events(node="nope")
    assert events_json(lab.lab, "imp-sub1", "service-state") == states


async def test_post_faults_injects_and_delete_clears(lab: RunningLab) -> None:
    async with control(lab) as c:
        made = await c.inject_fault(
            "command-fails", node="imp-pub", target="utils service", count=2
        )
        assert made == {
            "kind": "command-fails",
            "node": "imp-pub",
            "target": "utils service",
            "count": 2,
            "seconds": 0.0,
        }
        assert lab.lab.faults == (Fault(FaultKind.COMMAND_FAILS, "imp-pub", "utils service", 2),)
        taken = lab.lab.take_fault(
            "command-fails", "imp-pub", "utils service restart Cisco SIP Proxy"
        )
        assert taken is not None
        assert (await c.faults())[0]["count"] == 1
        await c.inject_fault("slow-login", seconds=3)
        assert await c.clear_faults() == 2
        assert not lab.lab.faults
        assert lab.lab.take_fault("command-fails", "imp-pub", "utils service list") is None


async def test_an_injected_fault_is_seen_through_ssh(lab: RunningLab, connect: Connect) -> None:
    async with control(lab) as c:
        await c.inject_fault("command-fails", node="imp-pub", target="show cert list own")
    s = await connect(lab)
    failed = await asyncio.to_thread(s.lines, "show cert list own")
    works = await asyncio.to_thread(s.lines, "show cert list own")
    s.close()
    assert failed == ["Executed command unsuccessfully"]
    assert any(line.startswith("tomcat/tomcat.pem") for line in works), works
    assert lab.lab.faults == ()


BAD_FAULTS: list[tuple[object, str]] = [
    ({"kind": "explode"}, "kind must be one of"),
    ({"kind": "command-fails", "node": "nope"}, "node must be null"),
    ({"kind": "command-fails", "count": 0}, "count must be an integer >= 1"),
    ({"kind": "command-fails", "count": True}, "count must be an integer >= 1"),
    ({"kind": "slow-login", "seconds": -1}, "seconds must be a number >= 0"),
    ({"kind": "command-fails", "colour": "red"}, "unknown field"),
    ({"kind": "command-fails", "target": 5}, "target must be null or a non-empty string"),
    ([1, 2], "JSON object"),
]


async def test_bad_fault_json_is_a_400_with_a_clear_message(lab: RunningLab) -> None:
    assert lab.control_url is not None
    async with httpx.AsyncClient(base_url=lab.control_url, trust_env=False) as http:
        for body, message in BAD_FAULTS:
            response = await http.post("/faults", json=body)
            assert response.status_code == 400, body
            assert message in response.json()["error"], body
            with pytest.raises(ControlInputError, match=message):
                fault_from_json(lab.lab, body)
        raw = await http.post("/faults", content=b"{not json")
        assert raw.status_code == 400 and "JSON" in raw.json()["error"]
        since = await http.get("/events", params={"since": "yesterday"})
        assert since.status_code == 400 and "since" in since.json()["error"]
    assert lab.lab.faults == ()


async def test_control_api_binds_loopback_only(lab: RunningLab) -> None:
    assert lab.control_url is not None and lab.control_url.startswith("http://127.0.0.1:")
    assert lab.ready["control_url"] == lab.control_url
    assert "control" not in str(lab.ready["credentials"])


async def test_a_backup_fails_where_the_drf_cert_changed_since_drf_master_started(
    lab: RunningLab,
) -> None:
    async with control(lab) as c:
        assert set((await c.backup()).values()) == {"SUCCESS"}
        lab.lab.regenerate("imp-sub1", "tomcat", via="lab")  # 14: DRF's cert (TAC 215534)
        failed = {n: r for n, r in (await c.backup()).items() if r != "SUCCESS"}
    assert list(failed) == ["imp-sub1"] and "DRF Master on cucm-pub" in failed["imp-sub1"]


async def test_replication_broken_shows_in_the_cli_and_clears_with_the_faults(
    lab: RunningLab, connect: Connect
) -> None:
    s = await connect(lab, node="imp-pub")  # IM/P: the database publisher lists IM/P nodes
    command = "utils dbreplication runtimestate"
    async with control(lab) as c:
        await c.inject_fault("replication-broken", node="imp-sub1")
        broken = "\n".join(await asyncio.to_thread(s.lines, command))
        await c.clear_faults()
        good = "\n".join(await asyncio.to_thread(s.lines, command))
    s.close()
    assert "(3) Out Of Sync" in broken and "(2) Setup Completed" in broken
    assert "(3)" not in good and "imp-sub1" in good
