"""Every error is one line naming the problem and the fix (exit 2); Ctrl-C exits 4 with the
resume hint. uccert runs as a real process, as an admin's terminal runs it."""

from __future__ import annotations

import json
import signal
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from uccert.lab.state import Fault, FaultKind

from .conftest import UCCERT, Cli

pytestmark = pytest.mark.timeout(300)


def _uccert(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*UCCERT, *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "ignore", "UCCERT_STATE_DIR": str(cwd)},
    )


def _one_line(done: subprocess.CompletedProcess[str], *words: str) -> None:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr and "╭" not in done.stderr
    for word in words:
        assert word in lines[0]


def test_usage_errors_are_one_line(tmp_path: Path) -> None:
    _one_line(_uccert("regen", "apply", cwd=tmp_path), "--units", "uccert regen apply --help")
    _one_line(_uccert("check", "--warn-days", "-5", cwd=tmp_path), "--warn-days")
    _one_line(_uccert("runs", "list", "--nope", cwd=tmp_path), "--nope")
    _one_line(_uccert("inventory", "--inventory", str(tmp_path / "none.toml"), cwd=tmp_path))


def test_hostile_inventories_are_one_line(tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 50000 + "]" * 50000 + "\n")
    _one_line(_uccert("check", "--inventory", str(deep), cwd=tmp_path), "too deeply")
    big = tmp_path / "big.toml"
    with big.open("wb") as f:
        f.write(b"# padding\n" * (5 * 2**20))  # 50 MB of comments: valid TOML, not an inventory
    _one_line(_uccert("check", "--inventory", str(big), cwd=tmp_path), "larger than")


def test_a_known_hosts_that_is_not_utf8_is_a_pin_problem_not_a_traceback(lab_cli: Cli) -> None:
    hosts = lab_cli.lab.inventory.parent / "known_hosts"
    hosts.write_bytes(hosts.read_bytes() + b"\xff\xfe not utf-8\n")
    checked = lab_cli.run("check", "--json")
    assert checked.returncode == 1, checked.stderr  # no node could be read
    # the nodes it logs in to (publishers; a 14 subscriber is read over HTTPS alone)
    findings = [f for f in json.loads(checked.stdout)["findings"] if f["code"] == "pin-mismatch"]
    assert {f["node"] for f in findings} == {"cucm-pub", "imp-pub"}
    assert all("not UTF-8" in f["message"] and "uccert pin" in f["fix"] for f in findings)
    applied = lab_cli.run("regen", "apply", "--units", "cup", "--yes")
    assert applied.returncode == 2 and "not UTF-8" in applied.stderr
    assert "Traceback" not in checked.stderr + applied.stderr


def test_check_exits_1_when_a_node_cannot_be_read_and_names_a_pin_mismatch(
    lab_cli: Cli,
) -> None:
    lab_cli.lab.lab.inject_fault(Fault(FaultKind.NODE_UNREACHABLE, "imp-sub1", None, 1))
    checked = lab_cli.run("check", "--json")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    codes = {f["node"]: f["code"] for f in json.loads(checked.stdout)["findings"]}
    assert codes.get("imp-sub1") == "node-unreachable"
    hosts = lab_cli.lab.inventory.parent / "known_hosts"
    other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBm2aZ0yQGdZ8gq3bW1q9Z5bVnUqkJmQp2sB3Jq7sHkR"
    port = lab_cli.lab.ports["imp-pub"]  # a publisher: logged in to for HA and replication
    hosts.write_text(
        "".join(
            (f"[127.0.0.1]:{port} {other}\n" if f"]:{port} " in line else line + "\n")
            for line in hosts.read_text().splitlines()
        )
    )
    checked = lab_cli.run("check", "--json")
    assert checked.returncode == 1
    [pin] = [f for f in json.loads(checked.stdout)["findings"] if f["node"] == "imp-pub"]
    assert pin["code"] == "pin-mismatch" and "uccert pin" in pin["fix"]


def test_ctrl_c_during_a_run_exits_4_with_the_resume_hint_and_no_plan_dump(lab_cli: Cli) -> None:
    proc = lab_cli.spawn("regen", "apply", "--units", "cup", "--yes")
    lab_cli.wait_for(lambda: bool(lab_cli.events("cert-regenerated")), proc)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 4, out
    run_id = json.loads(lab_cli.run("runs", "list", "--json").stdout)[0]["id"]
    assert f"uccert runs resume {run_id}" in out
    assert "Traceback" not in out
    assert "'steps'" not in out and '"steps"' not in out, "the plan was dumped"
    long = [line for line in out.splitlines() if len(line) > 1000]
    assert not long, long[0][:3000]


def _leaf(cn: str, issuer: x509.Name, key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    now = datetime.now(UTC)
    own = ec.generate_private_key(ec.SECP256R1())
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(issuer)
        .public_key(own.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


def test_a_cert_file_with_two_leaves_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    ca = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    pems = b"".join(
        _leaf(cn, ca, key).public_bytes(Encoding.PEM) for cn in ("imp-pub.x", "imp-sub1.x")
    )
    (tmp_path / "two.pem").write_bytes(pems)
    done = _uccert(
        "upload", "--unit", "tomcat", "--cert", str(tmp_path / "two.pem"), "--yes", cwd=tmp_path
    )
    _one_line(done, "2 leaf certificates", "imp-sub1.x")


def _rename_override(cli: Cli, old: str, new: str) -> None:
    inventory = cli.lab.inventory
    inventory.write_text(inventory.read_text().replace(f'.nodes."{old}"]', f'.nodes."{new}"]'))


def test_a_node_override_that_matches_no_node_is_refused(lab_cli: Cli) -> None:
    _rename_override(lab_cli, "imp-sub1", "imp-sub9")
    done = lab_cli.run("check")
    assert done.returncode == 2 and "imp-sub9" in done.stderr and "names no node" in done.stderr
    _rename_override(lab_cli, "imp-sub9", "IMP-SUB1")
    done = lab_cli.run("regen", "apply", "--units", "cup", "--yes")
    assert done.returncode == 2 and "only in case" in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert not lab_cli.events("cert-regenerated")
