"""`uccert pin` against a lab on loopback, with the pins the lab wrote taken away first.

One lab serves the whole module (starting one costs more than these tests); each test starts
without ``known_hosts`` / ``tls_pins.json`` and compares what `pin` writes with what the lab
wrote itself (its own, independent record of the keys and certs it presents).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import stat
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest
import pytest_asyncio
import typer
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from uccert.cli import main
from uccert.cli import pin as pin_cli
from uccert.lab.servers.runtime import RunningLab, running_lab
from uccert.lab.state import Fault, FaultKind
from uccert.transport import KnownHostsStore, fingerprint
from uccert.transport.tls_pins import TlsPinStore, cert_fingerprint

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio(loop_scope="module")]

PUB_FQDN = "cucm-pub.lab.example"
IMP_FQDN = "imp-pub.lab.example"


@dataclass(frozen=True)
class Lab:
    running: RunningLab
    known_hosts: str  # as the lab wrote them
    tls_pins: dict[str, str]

    @property
    def inventory(self) -> str:
        return str(self.running.inventory)

    @property
    def dir(self) -> Path:
        return self.running.inventory.parent

    def node_fqdns(self) -> set[str]:
        return {n.fqdn for n in self.running.lab.topology.nodes}


async def uccert(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


def pin_files(lab: Lab) -> tuple[Path, Path]:
    return lab.dir / "known_hosts", lab.dir / "tls_pins.json"


def snapshot(lab: Lab) -> tuple[str | None, str | None]:
    known, tls = pin_files(lab)
    return (
        known.read_text() if known.exists() else None,
        tls.read_text() if tls.exists() else None,
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def lab(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Lab]:
    state_dir = tmp_path_factory.mktemp("pin-lab")
    async with running_lab(preset_name="minimal", time_scale=0, state_dir=state_dir) as running:
        pins = json.loads((state_dir / "tls_pins.json").read_text())
        yield Lab(running, (state_dir / "known_hosts").read_text(), pins)


@pytest.fixture(autouse=True)
def no_pins(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts unpinned, with stdin not a terminal (as under CI)."""
    for path in pin_files(lab):
        path.unlink(missing_ok=True)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    yield


def assert_pinned_as_the_lab_did(lab: Lab) -> None:
    known, tls = pin_files(lab)
    assert stat.S_IMODE(known.stat().st_mode) == 0o600
    assert stat.S_IMODE(tls.stat().st_mode) == 0o600
    assert sorted(known.read_text().splitlines()) == sorted(lab.known_hosts.splitlines())
    assert json.loads(tls.read_text()) == lab.tls_pins


async def test_unpinned_lab_is_refused_until_pin_yes_records_its_keys_and_certs(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await uccert("inventory", "--json", "--inventory", lab.inventory) == 1
    assert "uccert pin" in capsys.readouterr().err

    code = await uccert("pin", "--yes", "--inventory", lab.inventory)
    out = capsys.readouterr().out
    assert code == 0
    assert "The publisher first" in out and "new" in out
    for fqdn in lab.node_fqdns():
        assert fqdn.split(".")[0] in out
    assert_pinned_as_the_lab_did(lab)

    assert await uccert("inventory", "--json", "--inventory", lab.inventory) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {n["fqdn"] for n in doc["clusters"][0]["nodes"]} == lab.node_fqdns()


async def test_pinned_nodes_are_unchanged_and_nothing_is_rewritten(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await uccert("pin", "--yes", "--inventory", lab.inventory) == 0
    before = snapshot(lab)
    known_mtime = pin_files(lab)[0].stat().st_mtime_ns
    capsys.readouterr()

    # No --yes and no terminal is fine when there is nothing to confirm.
    code = await uccert("pin", "--json", "--inventory", lab.inventory)
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert doc["schema_version"] == 1
    rows = doc["pins"]
    # every node: its SSH host key and one https cert (the lab's REST port is the same port)
    assert len(rows) == 2 * len(lab.node_fqdns())
    assert {r["status"] for r in rows} == {"unchanged"}
    assert not any(r["recorded"] for r in rows)
    assert {r["what"] for r in rows} == {"ssh_host_key", "https_cert"}
    assert {r["fqdn"] for r in rows} == lab.node_fqdns()
    assert snapshot(lab) == before
    assert pin_files(lab)[0].stat().st_mtime_ns == known_mtime


def other_cert(fqdn: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, fqdn)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(Encoding.PEM).decode("ascii")


async def test_tampered_pins_are_shown_changed_with_a_warning_and_repinned_with_yes(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await uccert("pin", "--yes", "--inventory", lab.inventory) == 0
    pub_port = lab.running.ports["cucm-pub"]
    fake_key = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    KnownHostsStore(lab.dir).pin("127.0.0.1", pub_port, fake_key)
    fake_pem = other_cert(IMP_FQDN)
    TlsPinStore(lab.dir).pin(IMP_FQDN, fake_pem)
    assert await uccert("inventory", "--json", "--inventory", lab.inventory) == 1
    capsys.readouterr()

    # Without --yes nothing can confirm: refused, files untouched.
    tampered = snapshot(lab)
    assert await uccert("pin", "--inventory", lab.inventory) == 2
    err = capsys.readouterr().err
    assert "CHANGED" in err and "--yes" in err.splitlines()[-1]
    assert snapshot(lab) == tampered

    code = await uccert("pin", "--yes", "--json", "--inventory", lab.inventory)
    captured = capsys.readouterr()
    assert code == 0
    changed = {(r["node"], r["what"]): r for r in json.loads(captured.out)["pins"]}
    ssh = changed[("cucm-pub", "ssh_host_key")]
    assert ssh["status"] == "changed" and ssh["recorded"]
    assert ssh["pinned"] == [fingerprint(fake_key)]
    assert ssh["fingerprint"] == fingerprint(lab.running.host_public_key)
    tls = changed[("imp-pub", "https_cert")]
    assert tls["status"] == "changed" and tls["recorded"]
    fake_fp = cert_fingerprint(x509.load_pem_x509_certificate(fake_pem.encode()))
    assert tls["pinned"] == [fake_fp]
    others = {r["status"] for k, r in changed.items() if k[0] != "cucm-pub" and k[0] != "imp-pub"}
    assert others == {"unchanged"}
    assert "WARNING" in captured.err and "attack" in captured.err
    assert_pinned_as_the_lab_did(lab)
    assert await uccert("inventory", "--json", "--inventory", lab.inventory) == 0


async def test_nodes_are_listed_over_ssh_while_the_publishers_cert_is_not_pinned(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await uccert("pin", "--yes", "--inventory", lab.inventory) == 0
    TlsPinStore(lab.dir).unpin(PUB_FQDN)  # AXL cannot be asked: show network cluster is
    capsys.readouterr()
    code = await uccert("pin", "--yes", "--json", "--inventory", lab.inventory)
    rows = json.loads(capsys.readouterr().out)["pins"]
    assert code == 0
    assert {r["fqdn"] for r in rows} == lab.node_fqdns()
    assert [r["node"] for r in rows if r["status"] == "new"] == ["cucm-pub"]
    assert_pinned_as_the_lab_did(lab)


async def test_no_terminal_and_no_yes_refuses_and_writes_nothing(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await uccert("pin", "--inventory", lab.inventory)
    captured = capsys.readouterr()
    assert code == 2
    err_lines = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(err_lines) == 1 and "--yes" in err_lines[0]
    assert "new" in captured.out  # the fingerprints were shown first
    assert snapshot(lab) == (None, None)


async def test_interactive_answers_decide(
    lab: Lab, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: list[str] = []

    def confirm(text: str, default: bool = False, err: bool = False) -> bool:
        answers.append(text)
        return reply

    monkeypatch.setattr(pin_cli, "interactive", lambda: True)
    monkeypatch.setattr(typer, "confirm", confirm)
    reply = False
    assert await uccert("pin", "--inventory", lab.inventory) == 1
    assert answers == ["Record these pins?"]
    assert snapshot(lab) == (None, None)
    assert "not recorded" in capsys.readouterr().err

    reply = True
    assert await uccert("pin", "--inventory", lab.inventory) == 0
    assert len(answers) == 3  # the publisher, then the nodes it lists
    assert_pinned_as_the_lab_did(lab)


async def test_named_nodes_by_name_or_fqdn_pin_only_those(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await uccert("pin", "cucm-pub", "--yes", "--inventory", lab.inventory) == 0
    assert set(json.loads(pin_files(lab)[1].read_text())) == {PUB_FQDN}
    assert len(pin_files(lab)[0].read_text().splitlines()) == 1
    capsys.readouterr()

    code = await uccert("pin", IMP_FQDN.upper(), "--yes", "--json", "--inventory", lab.inventory)
    assert code == 0
    rows = json.loads(capsys.readouterr().out)["pins"]
    assert {r["node"] for r in rows} == {"imp-pub"}
    assert set(json.loads(pin_files(lab)[1].read_text())) == {PUB_FQDN, IMP_FQDN}
    assert len(pin_files(lab)[0].read_text().splitlines()) == 2


async def test_an_unknown_node_is_one_line_and_exit_2(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    # Unpinned: the nodes cannot be listed yet, and the message says how to get there.
    assert await uccert("pin", "nope", "--yes", "--inventory", lab.inventory) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "uccert pin cucm-pub" in err
    assert snapshot(lab) == (None, None)

    assert await uccert("pin", "--yes", "--inventory", lab.inventory) == 0
    capsys.readouterr()
    assert await uccert("pin", "nope", "--inventory", lab.inventory) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "known nodes: cucm-pub, imp-pub, imp-sub1" in err


async def test_an_unreachable_node_exits_1_and_the_others_are_pinned(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    lab.running.lab.inject_fault(Fault(FaultKind.NODE_UNREACHABLE, "imp-sub1", None, 1000))
    code = await uccert("pin", "--yes", "--json", "--inventory", lab.inventory)
    captured = capsys.readouterr()
    assert code == 1
    rows = {(r["node"], r["what"]): r for r in json.loads(captured.out)["pins"]}
    assert rows[("imp-sub1", "ssh_host_key")]["status"] == "unreachable"
    assert "imp-sub1: ssh host key not reached" in captured.err
    known = pin_files(lab)[0].read_text()
    assert f":{lab.running.ports['imp-sub1']} " not in known
    assert f":{lab.running.ports['imp-pub']} " in known
    unreached = lab.running.lab.spec("imp-sub1").fqdn  # its HTTPS refuses too
    assert set(json.loads(pin_files(lab)[1].read_text())) == lab.node_fqdns() - {unreached}


async def test_an_unknown_cluster_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inv = tmp_path / "uccert.toml"
    inv.write_text('schema_version = 1\n[clusters.lab]\npublisher = "pub.example"\n')
    assert await uccert("pin", "--inventory", str(inv), "--cluster", "nope") == 2
    assert "known clusters: lab" in capsys.readouterr().err
