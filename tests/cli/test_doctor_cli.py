"""`uccert doctor` against labs on loopback: all green on the demo lab, each injected fault named
with its node, interface and fix, and a recorded node served back by `lab up --replay`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from uccert.cli import main
from uccert.lab.servers.replay import running_replay
from uccert.lab.servers.runtime import running_lab
from uccert.lab.state import load_topology

pytestmark = pytest.mark.timeout(120)


async def uccert(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


def rows(out: str) -> list[list[str]]:
    """The table's rows as cells (a folded cell continues on the next line; first lines only)."""
    found = []
    for line in out.splitlines():
        text = line.strip()
        if not (text.startswith("│") and text.endswith("│")):
            continue
        cells = [c.strip() for c in text[1:-1].split("│")]
        if len(cells) == 5 and cells[0]:
            found.append(cells)
    return found


async def test_doctor_is_green_on_the_demo_lab_and_names_each_injected_fault(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_lab(preset_name="demo", time_scale=0, state_dir=tmp_path) as lab:
        code = await uccert("doctor", "--inventory", str(lab.inventory))
        out = capsys.readouterr().out
        assert code == 0, out
        table = rows(out)
        assert {r[0] for r in table} == set(lab.lab.node_names())
        assert all(r[2] == "ok" for r in table[1:]), out
        interfaces = {r[1] for r in table}
        assert {"AXL", "SSH login", "Control Center SOAP", "REST certmgr snapshot"} <= interfaces
        assert "TLS cup-xmpp-s2s :5269" in interfaces
        assert any(r[1] == "AXL" and "schema 14.0" in r[3] for r in table)

        assert lab.control_url is not None
        async with httpx.AsyncClient(base_url=lab.control_url) as control:
            for fault in (
                {"kind": "node-unreachable", "node": "imp-sub2", "count": 50},
                {"kind": "login-refused", "node": "cucm-sub1", "count": 1},
            ):
                assert (await control.post("/faults", json=fault)).status_code == 201
            code = await uccert("doctor", "--inventory", str(lab.inventory))
            await control.delete("/faults")
    captured = capsys.readouterr()
    assert code == 1
    errors = [line for line in captured.err.splitlines() if line.startswith("error:")]
    unreachable = [e for e in errors if "imp-sub2: SSH login" in e]
    refused = [e for e in errors if "cucm-sub1: SSH login" in e]
    assert unreachable and "firewall: allow TCP" in unreachable[0]
    assert refused and "refused the password" in refused[0]
    assert "credentials: check the OS admin" in refused[0]
    assert all("imp-pub" not in e and "cucm-pub" not in e for e in errors)


async def test_a_recorded_15_node_replays_so_inventory_reads_the_same_certs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = tmp_path / "record"
    async with running_lab(
        preset_name="minimal", version="15.0", time_scale=0, state_dir=tmp_path / "lab"
    ) as lab:
        code = await uccert("doctor", "--inventory", str(lab.inventory), "--record", str(record))
        doctor_out = capsys.readouterr().out
        assert code == 0, doctor_out
        code = await uccert("inventory", "--json", "--inventory", str(lab.inventory))
        live = json.loads(capsys.readouterr().out)
        secrets = [a["password"] for a in lab.credentials.to_json().values()]
    assert code == 0
    table = rows(doctor_out)
    assert any(r[1] == "AXL" and "schema 15.0" in r[3] for r in table)
    # XMPP federation is off in the minimal lab: 5269 is closed and that is not a failure
    s2s = [r for r in table if r[1] == "TLS cup-xmpp-s2s :5269"]
    assert len(s2s) == 2 and all(r[2] == "not in use" for r in s2s), s2s
    written = "".join(p.read_text() for p in record.rglob("*.json"))
    assert "PRIVATE KEY" not in written
    assert not any(s in written for s in secrets)

    async with running_replay(record, state_dir=tmp_path / "replay") as replay:
        code = await uccert("inventory", "--json", "--inventory", str(replay.inventory))
        replayed = json.loads(capsys.readouterr().out)
    assert code == 0

    def certs(doc: dict[str, object]) -> dict[str, object]:
        clusters = doc["clusters"]
        assert isinstance(clusters, list)
        (cluster,) = clusters
        return {
            n["name"]: (
                sorted((i["unit"], i["serial"], i["sha256"]) for i in n["identities"]),
                sorted((t["store"], t["file"], t["serial"]) for t in n["trusts"]),
                n["version"],
            )
            for n in cluster["nodes"]
        }

    assert certs(replayed) == certs(live)
    assert len(certs(live)) == 3


async def test_replay_of_a_folder_that_is_no_record_is_refused_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await uccert("lab", "up", "--replay", str(tmp_path))
    err = capsys.readouterr().err
    assert code == 2
    assert "record.json is missing" in err and "uccert doctor --record" in err
    code = await uccert("lab", "up", "--replay", str(tmp_path), "--version", "15.0")
    assert code == 2
    assert "drop --topology and --version" in capsys.readouterr().err


async def test_xmpp_is_probed_in_the_presence_domain_and_refused_in_the_dns_domain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lab's IM/P serves XMPP only for its presence domain (not its DNS domain): with the
    domain in the inventory every XMPP listener answers; without it the doctor names the fix."""
    topo = load_topology(
        'preset = "minimal"\nxmpp_federation = true\npresence_domains = ["im.corp.example"]\n',
        "test",
    )
    async with running_lab(topology=topo, time_scale=0, state_dir=tmp_path) as lab:
        text = lab.inventory.read_text()
        assert 'presence_domains = ["im.corp.example"]' in text
        code = await uccert("doctor", "--inventory", str(lab.inventory))
        with_domain = capsys.readouterr().out
        lab.inventory.write_text(text.replace('presence_domains = ["im.corp.example"]\n', ""))
        failed = await uccert("doctor", "--inventory", str(lab.inventory))
        without = capsys.readouterr()
    assert code == 0, with_domain
    xmpp = [r for r in rows(with_domain) if r[1].startswith("TLS cup-xmpp")]
    assert len(xmpp) == 4 and all(r[2] == "ok" for r in xmpp), xmpp
    assert failed == 1
    errors = [e for e in without.err.splitlines() if "TLS cup-xmpp" in e]
    assert len(errors) == 4
    assert all("host-unknown" in e and "presence_domains" in e for e in errors)
