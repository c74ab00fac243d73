"""`uccert regen apply` end to end against the lab: what an admin would check afterwards.

The expectations below are this test's own reading of docs/design/procedure.md §1-§4 (not the
catalog's),
checked against the lab's own log of what happened on each node.
"""

from __future__ import annotations

import json
import re
import signal
from collections import Counter

import pytest

from uccert.lab.state import Fault, FaultKind

from .conftest import Cli

pytestmark = pytest.mark.timeout(600)

IMP_UNITS = ("cup", "cup-xmpp", "cup-xmpp-s2s", "ipsec", "tomcat")
# §7: the service whose port presents each unit (XMPP federation is often not activated).
PRESENTED_BY = {
    "cup": "Cisco SIP Proxy",
    "cup-xmpp": "Cisco XCP Connection Manager",
    "cup-xmpp-s2s": "Cisco XCP XMPP Federation Connection Manager",
    "tomcat": "Cisco Tomcat",
}
# §1: services that must restart on a node after each unit changed there.
DEPENDENTS = {
    "cup": ("Cisco SIP Proxy", "Cisco Presence Engine"),
    "cup-xmpp": ("Cisco XCP Router",),
    "cup-xmpp-s2s": ("Cisco XCP Router",),
    "ipsec": ("Cisco DRF Local",),  # up to 12.5: DRF uses ipsec
    "tomcat": ("Cisco Tomcat", "Cisco DRF Local"),  # from 14 DRF uses tomcat (TAC 215534)
}
COMMANDED = ("ssh", "soap")


def imp_nodes(cli: Cli) -> list[str]:
    return [n.name for n in cli.lab.lab.topology.nodes if n.product == "imp"]


def regenerations(cli: Cli) -> Counter[tuple[str, str]]:
    return Counter((e.node, str(e.data["unit"])) for e in cli.events("cert-regenerated"))


def commanded_stops(cli: Cli, service: str) -> Counter[str]:
    return Counter(
        e.node
        for e in cli.events("service-state")
        if e.data["service"] == service
        and e.data["state"] == "Stopping"
        and e.data.get("via") in COMMANDED
    )


def assert_end_state(cli: Cli, units: tuple[str, ...] = IMP_UNITS) -> None:
    """Every unit regenerated once per IM/P node, restarted after, shown on the wire, HA on."""
    lab = cli.lab.lab
    regens = regenerations(cli)
    for node in imp_nodes(cli):
        for unit in units:
            assert regens[(node, unit)] == 1, f"{node} {unit} regenerated {regens[(node, unit)]}x"
        changed = max(
            e.t
            for e in cli.events("cert-regenerated")
            if e.node == node and e.data["unit"] in units
        )
        for service in {s for u in units for s in DEPENDENTS[u]}:
            view = lab.service_state(node, service)
            assert view.state == "Started", f"{node} {service} is {view.state}"
            assert view.started_at is not None and view.started_at >= changed, (
                f"{node}: {service} was not restarted after its cert changed"
            )
        own = {c.unit: c.cert.serial_number for c in lab.own_certs(node)}
        for unit in set(units) & set(PRESENTED_BY):
            if lab.service_state(node, PRESENTED_BY[unit]).state != "Started":
                continue  # not activated on this lab: nothing on the wire to compare
            presented = lab.presented_cert(node, unit)
            assert presented is not None and presented.serial_number == own[unit], (
                f"{node} presents an old {unit}"
            )
    assert all(g.ha_enabled for g in lab.groups()), "HA was not restored"


def assert_one_node_at_a_time(cli: Cli) -> None:
    """§2.4 and §1: a node's restarts begin only when every service the previous one touched,
    including what Cisco XCP Router restarted with it, is Started again. Read from the lab's
    log: when a command takes a service down on one node, nothing is down on another."""
    down: dict[str, set[str]] = {}
    for e in cli.events("service-state"):
        service, state = str(e.data["service"]), e.data["state"]
        if state == "Started":
            down.get(e.node, set()).discard(service)
            continue
        if state == "Stopping" and e.data.get("via") in COMMANDED:
            elsewhere = {n: sorted(s) for n, s in down.items() if s and n != e.node}
            assert not elsewhere, (
                f"event {e.seq}: {e.node} {service} went down while {elsewhere} not Started yet"
            )
        down.setdefault(e.node, set()).add(service)


def assert_drf_master_restarted_first(cli: Cli, drf_unit: str) -> None:
    """§1: DRF Master, on the CUCM publisher, restarted once after every IM/P node's DRF cert
    changed and before any DRF Local; it then holds every node's new DRF cert."""
    lab = cli.lab.lab
    master, local = "Cisco DRF Master", "Cisco DRF Local"
    assert commanded_stops(cli, master) == Counter({"cucm-pub": 1})
    stops = [
        e
        for e in cli.events("service-state")
        if e.data["state"] == "Stopping" and e.data.get("via") in COMMANDED
    ]
    first_local = min(e.seq for e in stops if e.data["service"] == local)
    assert next(e.seq for e in stops if e.data["service"] == master) < first_local
    changed = max(e.t for e in cli.events("cert-regenerated") if e.data["unit"] == drf_unit)
    view = lab.service_state("cucm-pub", master)
    assert view.state == "Started" and view.started_at is not None
    assert view.started_at >= changed


def run_id_of(cli: Cli) -> tuple[str, str]:
    listed = json.loads(cli.run("runs", "list", "--json").stdout)
    assert len(listed) == 1
    return listed[0]["id"], listed[0]["status"]


@pytest.mark.lab(preset="demo", time_scale=0.004)
def test_apply_all_on_the_demo_lab(lab_cli: Cli) -> None:
    done = lab_cli.run("regen", "apply", "--units", "all", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert_end_state(lab_cli)
    assert_one_node_at_a_time(lab_cli)
    assert_drf_master_restarted_first(lab_cli, "tomcat")
    lab = lab_cli.lab.lab
    # At most one SSH login per node per command. On 14 the reads go over HTTPS but for what
    # only the CLI tells (HA, replication: publishers), so the plan's read logs in to the
    # publishers only; the run logs in once to each node it acts on (its final read included).
    publishers = {"cucm-pub", "imp-pub"}
    acted_on = {"cucm-pub", *imp_nodes(lab_cli)}  # cucm-pub: DRF Master restarted first
    assert lab_cli.lab.ssh_logins == Counter(
        {n: (n in publishers) + (n in acted_on) for n in lab.node_names() if n in acted_on}
    )
    assert lab_cli.events("failover") == [], "a node failed over during the run"
    # merged plan: XCP Router restarted once per IM/P node
    assert commanded_stops(lab_cli, "Cisco XCP Router") == Counter(
        {n: 1 for n in imp_nodes(lab_cli)}
    )
    # §4: the seeded stale ipsec-trust on imp-sub2 is repaired
    pub_ipsec = next(c for c in lab.own_certs("cucm-pub") if c.unit == "ipsec").cert
    held = {t.cert.serial_number for t in lab.trust_certs("imp-sub2") if t.store == "ipsec-trust"}
    assert pub_ipsec.serial_number in held
    # nothing outside the IM/P scope was regenerated
    assert not [n for n, _ in regenerations(lab_cli) if n.startswith("cucm")]
    run_id, status = run_id_of(lab_cli)
    assert status == "succeeded"
    shown = json.loads(lab_cli.run("runs", "show", run_id, "--json").stdout)
    kinds = [s["kind"] for a in shown["history"] for s in a["steps"]]
    assert kinds[0] == "preflight" and kinds[-1] == "ha-restore"
    # the XCP Router restart restarted the federation connection manager: not restarted again
    fcm = "Cisco XCP XMPP Federation Connection Manager"
    steps = [s for a in shown["history"] for s in a["steps"] if s["kind"] == "restart"]
    cascaded = [s for s in steps if s["detail"].startswith(fcm)]
    assert len(cascaded) == len(imp_nodes(lab_cli))
    assert all("already restarted after the change" in s["detail"] for s in cascaded)
    assert commanded_stops(lab_cli, fcm) == Counter({n: 1 for n in imp_nodes(lab_cli)})  # cascade
    checked = lab_cli.run("check", "--json")
    codes = {f["code"] for f in json.loads(checked.stdout)["findings"]}
    assert not codes & {
        "identity-expiring",
        "ipsec-trust-mismatch",
        "restart-pending",
        "drf-restart-pending",
        "ha-not-normal",
    }


def _after_ha_off(cli: Cli) -> bool:
    return any(not e.data["enabled"] for e in cli.events("ha-changed"))


def _mid_regeneration(cli: Cli) -> bool:
    return len(cli.events("cert-regenerated")) >= 3


def _mid_restarts(cli: Cli) -> bool:
    return sum(commanded_stops(cli, "Cisco XCP Router").values()) >= 1


KILL_POINTS = {
    "after-ha-off": _after_ha_off,
    "mid-regeneration": _mid_regeneration,
    "mid-restarts": _mid_restarts,
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkill_then_resume_finishes_without_doing_anything_twice(
    lab_cli: Cli, point: str
) -> None:
    proc = lab_cli.spawn("regen", "apply", "--units", "all", "--yes")
    lab_cli.wait_for(lambda: KILL_POINTS[point](lab_cli), proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    run_id, status = run_id_of(lab_cli)
    assert status == "interrupted"
    refused = lab_cli.run("regen", "apply", "--units", "cup", "--yes")
    assert refused.returncode == 2 and run_id in refused.stderr
    resumed = lab_cli.run("runs", "resume", run_id, "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert_end_state(lab_cli)
    assert_one_node_at_a_time(lab_cli)
    assert run_id_of(lab_cli) == (run_id, "succeeded")


def test_an_ssh_drop_right_after_regen_does_not_regenerate_twice(lab_cli: Cli) -> None:
    lab_cli.lab.lab.inject_fault(
        Fault(FaultKind.DROP_AFTER_COMMAND, "imp-sub1", "set cert regen cup-xmpp", 1)
    )
    done = lab_cli.run("regen", "apply", "--units", "cup-xmpp", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert regenerations(lab_cli)[("imp-sub1", "cup-xmpp")] == 1
    assert_end_state(lab_cli, ("cup-xmpp",))


def test_an_ssh_drop_right_after_a_restart_does_not_restart_twice(lab_cli: Cli) -> None:
    lab_cli.lab.lab.inject_fault(
        Fault(FaultKind.DROP_AFTER_COMMAND, "imp-sub1", "utils service restart Cisco Tomcat", 1)
    )
    done = lab_cli.run("regen", "apply", "--units", "tomcat", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert commanded_stops(lab_cli, "Cisco Tomcat") == Counter({"imp-pub": 1, "imp-sub1": 1})
    assert "took effect already; not sent again" in done.stdout
    assert_end_state(lab_cli, ("tomcat",))


def _ha_of(cli: Cli, node: str) -> bool:
    return next(g.ha_enabled for g in cli.lab.lab.groups() if node in (g.server1, g.server2))


@pytest.mark.parametrize("service", ["Cisco XCP Router", "Cisco Tomcat"])
def test_a_service_that_fails_to_start_leaves_ha_off_until_resume(
    lab_cli: Cli, service: str
) -> None:
    """HA back on over a stopped critical service fails the node over: the run leaves it off,
    says so, and the resumed run restores it once the service runs."""
    lab = lab_cli.lab.lab
    lab.inject_fault(Fault(FaultKind.SERVICE_START_FAILS, "imp-sub1", service, 1))
    unit = "cup-xmpp" if service == "Cisco XCP Router" else "tomcat"
    failed = lab_cli.run("regen", "apply", "--units", unit, "--yes")
    assert failed.returncode == 1
    out = " ".join(failed.stdout.split())
    assert re.search(rf"FAILED.*{service}", out)
    assert "HA left OFF on" in out and "on imp-sub1 is stopped" in out
    assert "uccert runs resume" in out
    assert f"imp-sub1 {service}: Stopped" in out  # observed, not assumed
    assert not _ha_of(lab_cli, "imp-sub1"), "HA was turned on over a stopped service"
    run_id, status = run_id_of(lab_cli)
    assert status == "failed"
    if lab_cli.events("failover"):  # HA came back while the router was down: fall back first
        lab.fallback("DefaultCUPSubcluster", "test")
    resumed = lab_cli.run("runs", "resume", run_id, "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert_end_state(lab_cli, (unit,))
    assert lab_cli.events("failover") == []
    assert (lab_cli.state / "runs.sqlite").stat().st_mode & 0o777 == 0o600


def _no_changes(cli: Cli) -> None:
    changed = [
        e
        for e in cli.events()
        if e.kind in ("cert-regenerated", "ha-changed")
        or (e.kind == "service-state" and e.data.get("via") in COMMANDED)
    ]
    assert changed == []


def test_a_wrong_password_stops_before_any_change(lab_cli: Cli) -> None:
    creds = lab_cli.lab.inventory.parent / "credentials.toml"
    password = lab_cli.lab.credentials.os_admin.password
    creds.write_text(creds.read_text().replace(password, "wrong-" + password))
    done = lab_cli.run("regen", "apply", "--units", "cup", "--yes")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "error:" in done.stderr
    assert password not in done.stderr + done.stdout
    _no_changes(lab_cli)


def test_a_pin_mismatch_stops_before_any_change(lab_cli: Cli) -> None:
    hosts = lab_cli.lab.inventory.parent / "known_hosts"
    other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBm2aZ0yQGdZ8gq3bW1q9Z5bVnUqkJmQp2sB3Jq7sHkR"
    hosts.write_text(
        "\n".join(
            line.rsplit(" ", 2)[0].split(" ")[0] + " " + other if line.strip() else line
            for line in hosts.read_text().splitlines()
        )
        + "\n"
    )
    done = lab_cli.run("regen", "apply", "--units", "cup", "--yes")
    assert done.returncode == 2
    assert "uccert pin" in done.stderr
    _no_changes(lab_cli)


def test_an_unreachable_publisher_stops_before_any_change(lab_cli: Cli) -> None:
    inventory = lab_cli.lab.inventory
    text = inventory.read_text()
    pub_port = lab_cli.lab.ports["cucm-pub"]
    inventory.write_text(text.replace(f"ssh_port = {pub_port}", "ssh_port = 9"))
    https = lab_cli.lab.https_ports["cucm-pub"]
    inventory.write_text(inventory.read_text().replace(f"https_port = {https}", "https_port = 9"))
    done = lab_cli.run("regen", "apply", "--units", "cup", "--yes")
    assert done.returncode == 2
    assert "cucm-pub" in done.stderr
    _no_changes(lab_cli)


@pytest.mark.lab(preset="minimal", time_scale=0.004, version="12.5")
def test_on_12_5_drf_follows_ipsec_and_its_master_restarts_on_the_cucm_publisher(
    lab_cli: Cli,
) -> None:
    done = lab_cli.run("regen", "apply", "--units", "ipsec", "--nodes", "imp", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert_end_state(lab_cli, ("ipsec",))
    assert_drf_master_restarted_first(lab_cli, "ipsec")
    assert not [n for n, _ in regenerations(lab_cli) if n.startswith("cucm")]


@pytest.mark.lab(preset="minimal", time_scale=0.004, timezone="America/New_York")
def test_nodes_in_another_time_zone_restart_after_the_change(lab_cli: Cli) -> None:
    """Control Center prints start times in the node's local time. Read as UTC, behind UTC a
    restart never looks done (New York: the run hangs until its timeout); ahead of UTC a
    service started less than the offset before the change would look restarted already."""
    done = lab_cli.run("regen", "apply", "--units", "cup,tomcat", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert_end_state(lab_cli, ("cup", "tomcat"))


def test_a_failed_over_node_is_refused_before_any_change(lab_cli: Cli) -> None:
    """§3 assumes Normal groups: `utils ha status` on the IM/P publisher shows imp-sub1 failed
    over, so nothing starts (exit 2, one line with the fix) and nothing changes."""
    lab_cli.lab.lab.failover("imp-sub1", "test")
    done = lab_cli.run("regen", "apply", "--units", "cup", "--yes")
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = [x for x in done.stderr.splitlines() if "fall back first" in x]  # one line
    assert "imp-sub1 is Failed Over" in line
    _no_changes(lab_cli)
    checked = lab_cli.run("check", "--json")
    codes = {f["code"] for f in json.loads(checked.stdout)["findings"]}
    assert "ha-not-normal" in codes


def test_a_failover_during_the_run_stops_it_with_ha_restored_and_says_so(lab_cli: Cli) -> None:
    lab = lab_cli.lab.lab
    proc = lab_cli.spawn("regen", "apply", "--units", "cup-xmpp", "--yes")
    lab_cli.wait_for(lambda: _mid_restarts(lab_cli), proc)
    lab.failover("imp-sub1", "test")  # e.g. a crash before the HA change reached the SRM
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 1, out
    flat = " ".join(out.split())
    assert "a failover happened during the run" in flat and "imp-sub1 is Failed Over" in flat
    assert "fall back first" in flat
    assert all(g.ha_enabled for g in lab.groups()), "HA must be restored after a failure"
    assert run_id_of(lab_cli)[1] == "failed"
    # nothing more was restarted after the failover was seen
    failover_at = next(e.seq for e in lab_cli.events("failover"))
    later = [
        e
        for e in lab_cli.events("service-state")
        if e.seq > failover_at and e.data["state"] == "Stopping" and e.data.get("via") in COMMANDED
    ]
    assert len({e.node for e in later}) <= 1, later


def test_broken_replication_is_refused_before_any_change_unless_forced(lab_cli: Cli) -> None:
    """TAC reads `utils dbreplication runtimestate` before certificate work: a node whose
    replication is bad (control API fault replication-broken) stops the run before it starts."""
    lab = lab_cli.lab.lab
    lab.inject_fault(Fault(FaultKind.REPLICATION_BROKEN, "imp-sub1", None, 1))
    done = lab_cli.run("regen", "apply", "--units", "cup", "--yes")
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = [x for x in done.stderr.splitlines() if "--force-replication" in x]
    assert "imp-sub1 is (3)" in line
    _no_changes(lab_cli)
    checked = json.loads(lab_cli.run("check", "--json").stdout)
    assert ("replication-not-good", "imp-sub1") in {
        (f["code"], f["subject"]) for f in checked["findings"]
    }
    shown = lab_cli.run("regen", "plan", "--units", "cup", "--force-replication")
    assert shown.returncode == 0 and "replication" in shown.stdout


def test_a_drf_cert_changed_after_drf_master_started_is_reported(lab_cli: Cli) -> None:
    """14: DRF uses tomcat (TAC 215534); DRF Master on the CUCM publisher keeps what it loaded."""
    lab_cli.lab.lab.regenerate("imp-sub1", "tomcat", "test")
    checked = json.loads(lab_cli.run("check", "--json").stdout)
    found = [f for f in checked["findings"] if f["code"] == "drf-restart-pending"]
    assert [(f["node"], f["subject"]) for f in found] == [("cucm-pub", "imp-sub1")]
