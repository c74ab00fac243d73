"""`uccert inventory` against a lab on loopback (the CLI runs in a worker thread, as in a shell)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from uccert.cli import main
from uccert.lab.servers.runtime import RunningLab, running_lab

pytestmark = pytest.mark.timeout(60)

IMP_UNITS = {"cup", "cup-xmpp", "cup-xmpp-s2s", "ipsec", "tomcat"}


async def uccert(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


@pytest.fixture
async def demo_lab(tmp_path: Path) -> AsyncIterator[RunningLab]:
    async with running_lab(preset_name="demo", time_scale=0, state_dir=tmp_path) as lab:
        yield lab


async def test_inventory_json_lists_every_node_with_the_labs_serials(
    demo_lab: RunningLab, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await uccert("inventory", "--json", "--inventory", str(demo_lab.inventory))
    out = capsys.readouterr().out
    assert code == 0
    doc = json.loads(out)
    assert doc["schema_version"] == 1
    (cluster,) = doc["clusters"]
    nodes = {n["name"]: n for n in cluster["nodes"]}
    assert sorted(nodes) == sorted(demo_lab.lab.node_names())
    for name, node in nodes.items():
        expected = {o.unit: format(o.cert.serial_number, "x") for o in demo_lab.lab.own_certs(name)}
        assert {i["unit"]: i["serial"] for i in node["identities"]} == expected
        if node["product"] == "imp":
            assert {i["unit"] for i in node["identities"]} >= IMP_UNITS
        assert len(node["trusts"]) == len(demo_lab.lab.trust_certs(name))


async def test_inventory_table_names_each_cert_and_its_days_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_lab(preset_name="minimal", time_scale=0, state_dir=tmp_path) as lab:
        code = await uccert("inventory", "--inventory", str(lab.inventory), "--cluster", "lab")
        out = capsys.readouterr().out
        wide_code = await uccert("inventory", "--wide", "--inventory", str(lab.inventory))
        wide = capsys.readouterr().out
        csv_code = await uccert("inventory", "--csv", "--inventory", str(lab.inventory))
        csv_text = capsys.readouterr().out
        tomcat = format(lab.lab.own_certs("imp-pub")[0].cert.serial_number, "x")
    assert code == wide_code == csv_code == 0
    assert "imp-pub.lab.example" in out and "self" in out and "DAYS" in out
    assert tomcat not in out, "the serial is a --wide column"
    assert tomcat in wide
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert {r["serial"] for r in rows if r["node"] == "imp-pub"} >= {tomcat}
    assert {r["kind"] for r in rows} == {"identity", "trust"}


async def test_unreachable_node_is_reported_and_exits_1(
    demo_lab: RunningLab, capsys: pytest.CaptureFixture[str]
) -> None:
    from uccert.lab.state import Fault, FaultKind

    demo_lab.lab.inject_fault(Fault(FaultKind.NODE_UNREACHABLE, "cucm-pub", None, 1000))
    code = await uccert("inventory", "--json", "--inventory", str(demo_lab.inventory))
    captured = capsys.readouterr()
    assert code == 1
    assert "lab/cucm-pub: not read" in captured.err


def test_a_bad_inventory_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "uccert.toml"
    bad.write_text("schema_version = 1\n[clusters.lab]\npublishr = 'x'\n")
    code = main(["inventory", "--inventory", str(bad)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1


def test_an_unknown_cluster_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inv = tmp_path / "uccert.toml"
    inv.write_text('schema_version = 1\n[clusters.lab]\npublisher = "pub.example"\n')
    code = main(["inventory", "--inventory", str(inv), "--cluster", "nope"])
    assert code == 2
    assert "known clusters: lab" in capsys.readouterr().err
