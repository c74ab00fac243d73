"""Both read paths on one lab: AXL discovery with groups, REST (14+) and CLI certs agree."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

import httpx
import pytest

from uccert.cluster import ClusterClient
from uccert.cluster import client as client_module
from uccert.cluster.discovery import negotiate
from uccert.cluster.rest_reader import read_certs_rest_with_warnings
from uccert.config.credentials import Account, Secret
from uccert.lab.servers.runtime import RunningLab, running_lab
from uccert.model import CertInfo, Snapshot, TrustEntry

from .conftest import cluster_of, pin_lab

pytestmark = pytest.mark.timeout(60)

CertKey = tuple[str, str, str, str]
RestCerts = tuple[tuple[CertInfo, ...], tuple[TrustEntry, ...], tuple[str, ...]]


def client(
    lab: RunningLab, *, prefer_rest: bool = True, axl_password: str | None = None
) -> ClusterClient:
    config, creds = cluster_of(lab)
    if axl_password is not None:
        wrong = Account(creds.app_admin.username, Secret(axl_password), "test")
        creds = dataclasses.replace(creds, app_admin=wrong)
    return ClusterClient(config, creds, lab.inventory.parent, 4, prefer_rest=prefer_rest)


def certs(snap: Snapshot) -> dict[str, tuple[set[CertKey], set[CertKey]]]:
    """Node -> (identities, trusts), each by unit/store, file, serial, sha256."""
    out = {}
    for n in snap.nodes:
        assert n.error is None, n.error
        ids = {(c.unit, c.file, c.serial, c.sha256) for c in n.identities}
        trusts = {(t.store, t.file, t.cert.serial, t.cert.sha256) for t in n.trusts}
        out[n.node.name] = (ids, trusts)
    return out


def spy_rest(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the base URL of every REST certs read the client makes."""
    calls: list[str] = []

    async def spy(http: httpx.AsyncClient, fqdns: Iterable[str]) -> RestCerts:
        calls.append(str(http.base_url))
        return await read_certs_rest_with_warnings(http, fqdns)

    monkeypatch.setattr(client_module, "read_certs_rest_with_warnings", spy)
    return calls


async def test_rest_and_cli_paths_read_the_same_certs(
    demo_lab: RunningLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = spy_rest(monkeypatch)
    rest = await client(demo_lab).snapshot()
    assert len(calls) == len(demo_lab.lab.node_names())
    cli = await client(demo_lab, prefer_rest=False).snapshot()
    assert len(calls) == len(demo_lab.lab.node_names())  # the CLI path made no REST call
    assert all(int(n.node.version.split(".")[0]) >= 14 for n in rest.nodes)
    assert [n.node for n in rest.nodes] == [n.node for n in cli.nodes]
    rest_certs, cli_certs = certs(rest), certs(cli)
    # The one difference: the partner CA uploaded from the web page has a name the CLI cannot
    # take. REST lists it; the CLI path leaves it out and says so on that node.
    partner = "Example Partner Root CA (2019).pem"
    only_rest = {
        (name, key)
        for name, (_, trusts) in rest_certs.items()
        for key in trusts - cli_certs[name][1]
    }
    assert {(name, key[1]) for name, key in only_rest} == {("cucm-pub", partner)}
    for name, (ids, trusts) in rest_certs.items():
        assert cli_certs[name] == (ids, {k for k in trusts if (name, k) not in only_rest})
    [warning] = [w for n in cli.nodes for w in n.warnings]
    assert warning.startswith(f"tomcat-trust/{partner}: not read")
    assert all(n.warnings == () for n in rest.nodes)
    assert all(ids and trusts for ids, trusts in rest_certs.values())
    assert [n.services for n in rest.nodes] == [n.services for n in cli.nodes]


async def test_groups_come_from_axl_with_their_ha_flags(demo_lab: RunningLab) -> None:
    c = client(demo_lab)
    snap = await c.snapshot()
    assert c.discovery_note is None
    expected = {(g.name, g.server1, g.server2) for g in demo_lab.lab.groups()}
    assert {(g.name, g.server1, g.server2) for g in snap.groups} == expected
    assert len(snap.groups) == 2
    assert all(g.ha_enabled for g in snap.groups)


async def test_axl_failure_falls_back_to_the_cli_and_says_so(demo_lab: RunningLab) -> None:
    c = client(demo_lab, axl_password="not-the-password")
    snap = await c.snapshot()
    assert [n.node.name for n in snap.nodes] == demo_lab.lab.node_names()
    assert all(n.error is None for n in snap.nodes)
    assert snap.groups == ()
    assert c.discovery_note and "AXL discovery failed" in c.discovery_note
    assert "show network cluster" in c.discovery_note


async def test_a_12_5_lab_uses_the_cli_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = spy_rest(monkeypatch)
    async with running_lab(
        preset_name="minimal", version="12.5", time_scale=0, state_dir=tmp_path
    ) as lab:
        pin_lab(lab)
        c = client(lab)
        snap = await c.snapshot()
        cli = await client(lab, prefer_rest=False).snapshot()
    assert all(n.node.version.startswith("12.5") for n in snap.nodes)
    assert certs(snap) == certs(cli)
    assert all(n.identities for n in snap.nodes)
    assert calls == []
    assert c.discovery_note is None  # AXL (12.5 schema) listed the nodes


@pytest.mark.parametrize("version", ["10.5", "11.5"])
async def test_an_older_publisher_is_asked_in_its_own_axl_schema(
    tmp_path: Path, version: str
) -> None:
    """A pre-12.5 publisher refuses the 12.5 schema; its groups (and their HA flags, which a
    run must turn off) are still read over AXL."""
    async with running_lab(
        preset_name="demo", version=version, time_scale=0, state_dir=tmp_path
    ) as lab:
        pin_lab(lab)
        c = client(lab)
        snap = await c.snapshot()
        expected = {(g.name, g.ha_enabled) for g in lab.lab.groups()}
    assert c.discovery_note is None, c.discovery_note
    assert {(g.name, g.ha_enabled) for g in snap.groups} == expected
    assert len(expected) == 2


@pytest.mark.parametrize(("version", "schema"), [("15.0", "15.0"), ("12.5", "12.5")])
async def test_axl_is_spoken_in_the_publishers_own_schema(
    tmp_path: Path, version: str, schema: str
) -> None:
    """15 refuses the schemas before 12, 12.5 refuses those after it: each is asked in its own,
    and its groups are read."""
    async with running_lab(
        preset_name="minimal", version=version, time_scale=0, state_dir=tmp_path
    ) as lab:
        pin_lab(lab)
        c = client(lab)
        async with c.targets.axl_http() as http:
            axl, shown = await negotiate(http)
            groups = await axl.list_groups()
        expected = {g.name for g in lab.lab.groups()}
    assert axl.version == schema
    assert shown.startswith(version)
    assert {g.name for g in groups} == expected
