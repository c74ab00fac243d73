"""The CA-signed route end to end against the lab: `uccert csr`, the lab CA signs, `uccert upload
--yes` stores it, restarts what presents it as a durable run (HA off and restored) and verifies
the chain on the wire. The expectations are this file's own reading of docs/design/procedure.md
§1-§3, §6,
checked against the lab's log and state.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography import x509

from uccert.lab.ca import LabCa, init_ca, load_csr, sign_csr, write_cert

from .conftest import Cli
from .hook_env import env_hook, hook_envs

pytestmark = pytest.mark.timeout(600)

XCP_ROUTER = "Cisco XCP Router"  # §1: cup-xmpp changes restart it
TOMCAT = "Cisco Tomcat"
ISA = "Cisco Intercluster Sync Agent"  # §6: after CA certs reach the IM/P publisher


def imp_nodes(cli: Cli) -> list[str]:
    return [n.name for n in cli.lab.lab.topology.nodes if n.product == "imp"]


def sign(cli: Cli, tmp: Path, ca: LabCa, unit: str, distribution: str, node: str) -> Path:
    """`uccert csr` on the cluster, then the lab CA signs the CSR for ``node``."""
    out = tmp / f"csrs-{unit}-{node}"
    made = cli.run("csr", "--unit", unit, "--distribution", distribution, "--out", str(out))
    assert made.returncode == 0, made.stdout + made.stderr
    name = f"{unit}-multi-{node}" if distribution == "multi" else f"{unit}-{node}"
    csr = load_csr((out / f"{name}.csr").read_bytes(), "csr")
    signed = out / f"{name}.pem"
    write_cert(signed, sign_csr(ca, csr))
    return signed


def upload(cli: Cli, unit: str, signed: Path, ca: LabCa, *extra: str) -> str:
    done = cli.run(
        "upload",
        "--unit",
        unit,
        "--cert",
        str(signed),
        "--chain",
        str(ca.chain_path),
        "--yes",
        *extra,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def restarted_after(cli: Cli, node: str, service: str, t: float) -> bool:
    view = cli.lab.lab.service_state(node, service)
    return view.state == "Started" and view.started_at is not None and view.started_at > t


@pytest.mark.lab(preset="demo", time_scale=0.004)
def test_multi_server_cup_xmpp_is_uploaded_once_restarted_and_verified(
    lab_cli: Cli, tmp_path: Path
) -> None:
    lab = lab_cli.lab.lab
    ca = init_ca(tmp_path / "ca")
    signed = sign(lab_cli, tmp_path, ca, "cup-xmpp", "multi", "imp-pub")
    leaf = x509.load_pem_x509_certificate(signed.read_bytes())
    hooked = tmp_path / "hooks.jsonl"
    hooks = ("--deploy-hook", env_hook(hooked), "--post-hook", env_hook(hooked))
    out = upload(lab_cli, "cup-xmpp", signed, ca, *hooks)
    stored = lab_cli.events("cert-uploaded")
    assert sorted(e.node for e in stored) == sorted(imp_nodes(lab_cli)), "each node stores once"
    deploy, post = hook_envs(hooked)
    assert deploy["UCCERT_HOOK"] == "deploy" and post["UCCERT_HOOK"] == "post"
    assert deploy["UCCERT_COMMAND"] == "upload" and post["UCCERT_STATUS"] == "succeeded"
    changed = sorted(deploy["UCCERT_CHANGED"].split())
    assert changed == sorted(f"{n}/cup-xmpp" for n in imp_nodes(lab_cli))
    assert "hook ran" not in out  # hook output goes to stderr
    uploaded_at = max(e.t for e in stored)
    for node in imp_nodes(lab_cli):
        (own,) = [o for o in lab.own_certs(node) if o.unit == "cup-xmpp"]
        assert own.cert == leaf
        assert restarted_after(lab_cli, node, XCP_ROUTER, uploaded_at), node
        assert lab.presented_cert(node, "cup-xmpp") == leaf, f"{node} presents an old cup-xmpp"
        assert f"ok {node} cup-xmpp" in out  # the chain validated against the uploaded root
    assert restarted_after(lab_cli, "imp-pub", ISA, uploaded_at)
    assert f"restart {ISA}" not in out, "the run restarted it: no manual step to ask for"
    assert all(g.ha_enabled for g in lab.groups()), "HA was not restored"
    assert any(not e.data["enabled"] for e in lab_cli.events("ha-changed")), "HA never went off"
    assert lab_cli.events("failover") == []
    listed = json.loads(lab_cli.run("inventory", "--json").stdout)
    (cluster,) = listed["clusters"]
    for node in cluster["nodes"]:
        if node["product"] == "imp":
            (ident,) = [i for i in node["identities"] if i["unit"] == "cup-xmpp"]
            assert ident["self_signed"] is False and ident["distribution"] == "multi"


@pytest.mark.lab(preset="minimal", time_scale=0.004)
def test_single_node_tomcat_node_by_node_then_regen_leaves_it_alone(
    lab_cli: Cli, tmp_path: Path
) -> None:
    lab = lab_cli.lab.lab
    ca = init_ca(tmp_path / "ca")
    leaves = {}
    for node in imp_nodes(lab_cli):
        signed = sign(lab_cli, tmp_path, ca, "tomcat", "single", node)
        leaves[node] = x509.load_pem_x509_certificate(signed.read_bytes())
        mark = lab.now
        out = upload(lab_cli, "tomcat", signed, ca)
        assert restarted_after(lab_cli, node, TOMCAT, mark), f"{node}: Tomcat not restarted"
        assert f"ok {node} tomcat" in out
    for node, leaf in leaves.items():
        assert lab.presented_cert(node, "tomcat") == leaf
    assert lab_cli.events("failover") == []
    planned = lab_cli.run("regen", "plan", "--units", "tomcat", "--json")
    doc = json.loads(planned.stdout)
    assert not [s for s in doc["steps"] if s["kind"] == "regenerate"]
    assert "ca-signed-skipped" in {w["code"] for w in doc["warnings"]}
    forced = json.loads(
        lab_cli.run("regen", "plan", "--units", "tomcat", "--force-self-signed", "--json").stdout
    )
    assert {s["node"] for s in forced["steps"] if s["kind"] == "regenerate"} == set(leaves)


@pytest.mark.lab(preset="minimal", time_scale=0.004)
def test_multi_server_tomcat_from_the_cucm_publisher_reaches_every_node(
    lab_cli: Cli, tmp_path: Path
) -> None:
    """§2: one CSR on the CUCM publisher names every CUCM and IM/P node; the cert uploaded
    once is stored, and after the run presented, on all of them."""
    lab = lab_cli.lab.lab
    ca = init_ca(tmp_path / "ca")
    signed = sign(lab_cli, tmp_path, ca, "tomcat", "multi", "cucm-pub")
    leaf = x509.load_pem_x509_certificate(signed.read_bytes())
    mark = lab.now
    out = upload(lab_cli, "tomcat", signed, ca)
    for node in lab.node_names():
        assert restarted_after(lab_cli, node, TOMCAT, mark), f"{node}: Tomcat not restarted"
        assert lab.presented_cert(node, "tomcat") == leaf, f"{node} presents an old tomcat"
        assert f"ok {node} tomcat" in out
    assert all(g.ha_enabled for g in lab.groups())
    assert lab_cli.events("failover") == []
