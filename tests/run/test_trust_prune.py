"""`uccert trust prune` end to end against the lab: what an admin would check afterwards.

The expectations are this file's own reading of docs/design/procedure.md §5 (which services stop
on which
product before which version, where a delete must be repeated), checked against the lab's log
of what happened on each node and its state at the end.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from uccert.cli import main
from uccert.lab.state import Event, Fault, FaultKind

from .conftest import Cli
from .hook_env import env_hook, hook_envs

pytestmark = pytest.mark.timeout(600)

CCN = "Cisco Certificate Change Notification"
# §5.1 on the minimal lab (cucm-pub, imp-pub, imp-sub1) when tomcat-trust certs go
STOPS_11_5 = {
    "cucm-pub": ("Cisco Certificate Expiry Monitor", CCN),
    "imp-pub": ("Cisco Certificate Expiry Monitor", "Cisco Intercluster Sync Agent"),
    "imp-sub1": ("Cisco Certificate Expiry Monitor", "Cisco Intercluster Sync Agent"),
}
COMMANDED = ("ssh", "soap")
RESTARTED = "Cisco Tomcat"  # §5.4 after tomcat-trust: restarted, not stopped and started
CHANGES = ("trust-deleted", "trust-added", "cert-regenerated", "ha-changed", "cert-uploaded")


def trusts(cli: Cli) -> set[tuple[str, str, int]]:
    lab = cli.lab.lab
    return {(n, t.file, t.cert.serial_number) for n in lab.node_names() for t in lab.trust_certs(n)}


def expired(cli: Cli) -> set[tuple[str, str, int]]:
    lab = cli.lab.lab
    now = lab.now_datetime()
    return {
        (n, t.file, t.cert.serial_number)
        for n in lab.node_names()
        for t in lab.trust_certs(n)
        if t.cert.not_valid_after_utc < now
    }


def import_expired(cli: Cli, cn: str = "old-peer.lab.example") -> int:
    """An expired self-signed cert in every node's tomcat-trust (as a left-over peer cert)."""
    lab = cli.lab.lab
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    until = lab.now_datetime() - timedelta(days=30)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(until - timedelta(days=1825))
        .not_valid_after(until)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    for node in lab.node_names():
        lab.import_trust(node, "tomcat-trust", pem, "lab")
    return cert.serial_number


def since(cli: Cli, mark: int, kind: str) -> list[Event]:
    return [e for e in cli.events(kind) if e.seq > mark]


def pre_stopped(cli: Cli, mark: int) -> set[tuple[str, str]]:
    """Services uccert stopped (other than by restarting them) since `mark`."""
    return {
        (e.node, str(e.data["service"]))
        for e in since(cli, mark, "service-state")
        if e.data["state"] == "Stopped"
        and e.data.get("via") in COMMANDED
        and e.data["service"] != RESTARTED
    }


def all_started(cli: Cli, stops: Mapping[str, tuple[str, ...]]) -> None:
    lab = cli.lab.lab
    for node, services in stops.items():
        for service in services:
            state = lab.service_state(node, service).state
            assert state == "Started", f"{node}: {service} is {state} after the run"


def last_mark(cli: Cli) -> int:
    events = cli.events()
    return events[-1].seq if events else -1


@pytest.mark.lab(preset="demo", time_scale=0.004)
def test_prune_expired_on_the_demo_lab(lab_cli: Cli, tmp_path: Path) -> None:
    before, old, mark = trusts(lab_cli), expired(lab_cli), last_mark(lab_cli)
    assert old, "the demo lab seeds expired trust certs"
    assert {n.version for n in lab_cli.lab.lab.topology.nodes} == {"14.0"}
    hooked = tmp_path / "deploy.jsonl"
    done = lab_cli.run(
        "trust", "prune", "--expired", "--yes", "--json", "--deploy-hook", env_hook(hooked)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads(done.stdout)  # the hook's output went to stderr
    assert document["run"]["status"] == "succeeded"
    [env] = hook_envs(hooked)
    assert env["UCCERT_COMMAND"] == "trust prune" and env["UCCERT_RUN_ID"] == document["run"]["id"]
    changed = set(env["UCCERT_CHANGED"].split())  # where the deletes were commanded
    assert changed and changed <= {f"{n}/{file.split('/')[0]}" for n, file, _ in old}, changed
    assert {c.split("/")[1] for c in changed} == {file.split("/")[0] for _, file, _ in old}
    assert trusts(lab_cli) == before - old, "exactly the expired certs went, on every node"
    assert all(g.ha_enabled for g in lab_cli.lab.lab.groups()), "HA was not restored"
    assert lab_cli.events("failover") == []
    assert pre_stopped(lab_cli, mark) == set(), "14.0 needs no pre-stop (§5.1)"
    checked = json.loads(lab_cli.run("check", "--json").stdout)
    assert "trust-expired" not in {f["code"] for f in checked["findings"]}


@pytest.mark.lab(preset="minimal", version="11.5", time_scale=0.004)
def test_11_5_stops_change_notification_first_and_the_cert_stays_gone(lab_cli: Cli) -> None:
    serial = import_expired(lab_cli)
    before, mark = trusts(lab_cli), last_mark(lab_cli)
    done = lab_cli.run("trust", "prune", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    deleted = since(lab_cli, mark, "trust-deleted")
    assert [e.node for e in deleted if e.data.get("via") == "ssh"] == ["cucm-pub"], (
        "11.5 propagates a delete: it is done once, on the publisher"
    )
    ccn_stopped = [
        e.t
        for e in since(lab_cli, mark, "service-state")
        if e.data["service"] == CCN and e.data["state"] == "Stopped" and e.node == "cucm-pub"
    ]
    assert ccn_stopped and ccn_stopped[0] <= deleted[0].t, "CCN must be stopped before the delete"
    assert not [e for e in since(lab_cli, mark, "trust-added") if e.data["serial"] == f"{serial:x}"]
    assert trusts(lab_cli) == {t for t in before if t[2] != serial}
    assert pre_stopped(lab_cli, mark) == {(n, s) for n, ss in STOPS_11_5.items() for s in ss}
    all_started(lab_cli, STOPS_11_5)


@pytest.mark.lab(preset="minimal", version="10.5", time_scale=0.004)
def test_10_5_deletes_on_every_node_holding_the_cert(lab_cli: Cli) -> None:
    serial = import_expired(lab_cli)
    mark = last_mark(lab_cli)
    done = lab_cli.run("trust", "prune", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    deleted = [e.node for e in since(lab_cli, mark, "trust-deleted") if e.data.get("via") == "ssh"]
    assert sorted(deleted) == sorted(lab_cli.lab.lab.node_names())
    assert not [e for e in since(lab_cli, mark, "trust-added") if e.data["serial"] == f"{serial:x}"]
    assert not [t for t in trusts(lab_cli) if t[2] == serial]
    stopped = pre_stopped(lab_cli, mark)
    assert {(n, CCN) for n in lab_cli.lab.lab.node_names()} <= stopped
    all_started(lab_cli, {n: tuple(s for m, s in stopped if m == n) for n, _ in stopped})


@pytest.mark.lab(preset="minimal", version="11.5", time_scale=0.004)
def test_a_failure_after_the_stops_starts_them_again_and_the_run_resumes(lab_cli: Cli) -> None:
    serial = import_expired(lab_cli)
    lab = lab_cli.lab.lab
    lab.inject_fault(Fault(FaultKind.SERVICE_START_FAILS, "imp-pub", "Cisco Tomcat", 1))
    failed = lab_cli.run("trust", "prune", "--yes")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "restart:imp-pub:Cisco Tomcat" in failed.stdout
    all_started(lab_cli, STOPS_11_5)  # the safety steps ran
    listed = json.loads(lab_cli.run("runs", "list", "--json").stdout)
    assert [r["status"] for r in listed] == ["failed"]
    resumed = lab_cli.run("runs", "resume", listed[0]["id"], "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert not [t for t in trusts(lab_cli) if t[2] == serial]
    assert lab.service_state("imp-pub", "Cisco Tomcat").state == "Started"
    all_started(lab_cli, STOPS_11_5)


@pytest.mark.lab(preset="demo", time_scale=0.004)
def test_dry_run_changes_nothing(lab_cli: Cli) -> None:
    mark = last_mark(lab_cli)
    shown = lab_cli.run("trust", "prune", "--expired", "--duplicates", "--dry-run", "--json")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    plan = json.loads(shown.stdout)
    assert plan["run"] is None
    assert {s["kind"] for s in plan["steps"]} >= {"delete-trust", "restart", "ha-off"}
    human = lab_cli.run("trust", "prune", "--dry-run")
    assert human.returncode == 0 and "nothing changed" in human.stdout
    changes = [
        e for e in since(lab_cli, mark, "service-state") if e.data.get("via") in COMMANDED
    ] + [e for kind in CHANGES for e in since(lab_cli, mark, kind)]
    assert changes == []
    both = lab_cli.run("trust", "prune", "--dry-run", "--yes")
    assert both.returncode == 2 and both.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--subject", "(unclosed"), "--subject"),
        (("--store", "Phone-trust"), "--store"),
        (("--dry-run", "--yes"), "--dry-run and --yes"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_before_the_cluster_is_read(
    args: tuple[str, ...], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-inventory.toml"
    code = main(["trust", "prune", *args, "--dry-run", "--inventory", str(missing)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and words in err, err
