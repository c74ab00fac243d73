"""AdminCliSession against the lab's SSH listeners on 127.0.0.1 (real sockets)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import pytest

from uccert.lab.servers.runtime import RunningLab, running_lab
from uccert.lab.state import Fault, FaultKind
from uccert.protocols import parse_cert_list
from uccert.transport import (
    AdminCliSession,
    AuthenticationFailed,
    CliCommandFailed,
    CliTimeout,
    HostKeyMismatch,
    HostKeyUnknown,
    KnownHostsStore,
    SessionDropped,
    SshTarget,
)

NODE = "imp-pub"


@pytest.fixture
async def lab(tmp_path: Path) -> AsyncIterator[RunningLab]:
    async with running_lab(preset_name="minimal", time_scale=0, state_dir=tmp_path) as running:
        yield running


def target(lab: RunningLab, *, password: str | None = None, key: str | None = None) -> SshTarget:
    port = lab.ports[NODE]
    store = KnownHostsStore(lab.state_dir / "client")
    store.pin("127.0.0.1", port, lab.host_public_key if key is None else key)
    account = lab.credentials.os_admin
    return SshTarget(
        host="127.0.0.1",
        port=port,
        username=account.username,
        password=account.password if password is None else password,
        known_hosts=store.source(),
        node=NODE,
    )


def session(lab: RunningLab, **kw: float) -> AdminCliSession:
    return AdminCliSession(target(lab), login_timeout=kw.get("login", 10), command_timeout=10)


async def test_login_waits_for_banner_and_turns_pagination_off(lab: RunningLab) -> None:
    async with session(lab) as cli:
        assert "Welcome to the Platform Command Line Interface" in cli.banner
        assert "admin:" not in cli.banner
        dump = await cli.run("show cert own tomcat")
        # More than a screenful arrived without a single pager prompt.
        assert len(dump.splitlines()) > 24
        assert cli.pager_prompts_answered == 0
        assert "Press <enter>" not in dump


async def test_show_cert_list_own_parses(lab: RunningLab) -> None:
    async with session(lab) as cli:
        out = await cli.run("show cert list own")
    assert not out.startswith("show cert list own")
    assert "admin:" not in out
    paths = {entry.path for entry in parse_cert_list(out)}
    assert {c.file for c in lab.lab.own_certs(NODE)} == paths


async def test_regen_through_run_confirm_changes_the_serial(lab: RunningLab) -> None:
    def serial() -> int:
        return next(c.cert.serial_number for c in lab.lab.own_certs(NODE) if c.unit == "tomcat")

    before = serial()
    async with session(lab) as cli:
        out = await cli.run_confirm("set cert regen tomcat")
    assert "Successfully Regenerated Certificate for tomcat." in out
    assert serial() != before


async def test_run_confirm_no_leaves_the_cert(lab: RunningLab) -> None:
    before = [c.cert.serial_number for c in lab.lab.own_certs(NODE)]
    async with session(lab) as cli:
        await cli.run_confirm("set cert regen tomcat", answer="no")
        assert "tomcat" in await cli.run("show cert list own")  # the session is still in step
    assert [c.cert.serial_number for c in lab.lab.own_certs(NODE)] == before


async def test_service_restart_streams_each_state(lab: RunningLab) -> None:
    seen: list[str] = []
    async with session(lab) as cli:
        out = await cli.run_streaming("utils service restart Cisco SIP Proxy", seen.append)
    states = [line for line in seen if line.startswith("Cisco SIP Proxy[")]
    assert states[0] == "Cisco SIP Proxy[STOPPING]"
    assert "Cisco SIP Proxy[STARTING]" in states
    assert states[-1] == "Cisco SIP Proxy[STARTED]"
    assert "Service Manager is running" in seen
    assert "utils service restart Cisco SIP Proxy" not in seen
    assert out.rstrip().endswith("Cisco SIP Proxy[STARTED]")


async def test_wrong_password_is_authentication_failed(lab: RunningLab) -> None:
    cli = AdminCliSession(target(lab, password="not-the-password"), login_timeout=10)
    with pytest.raises(AuthenticationFailed) as caught:
        await cli.connect()
    assert "not-the-password" not in str(caught.value)
    assert "\n" not in str(caught.value)


async def test_unknown_host_key_is_refused_with_pin_hint(lab: RunningLab, tmp_path: Path) -> None:
    good = target(lab)
    empty = KnownHostsStore(tmp_path / "nothing-pinned").source()
    cli = AdminCliSession(
        SshTarget(good.host, good.port, good.username, good.password, empty, NODE)
    )
    with pytest.raises(HostKeyUnknown) as caught:
        await cli.connect()
    message = str(caught.value)
    assert f"uccert pin {NODE}" in message
    assert lab.host_key.get_fingerprint("sha256") in message
    assert "\n" not in message


async def test_changed_host_key_is_refused_with_repin_hint(lab: RunningLab) -> None:
    other = asyncssh.generate_private_key("ecdsa-sha2-nistp256")
    old = other.export_public_key().decode()
    cli = AdminCliSession(target(lab, key=old), login_timeout=10)
    with pytest.raises(HostKeyMismatch) as caught:
        await cli.connect()
    message = str(caught.value)
    assert "CHANGED" in message and f"uccert pin {NODE}" in message
    assert caught.value.presented == lab.host_key.get_fingerprint("sha256")
    assert caught.value.pinned == (other.get_fingerprint("sha256"),)
    assert "\n" not in message


async def test_failed_command_is_cli_command_failed(lab: RunningLab) -> None:
    async with session(lab) as cli:
        lab.lab.inject_fault(Fault(FaultKind.COMMAND_FAILS, NODE, "show cert list own", 1))
        with pytest.raises(CliCommandFailed, match="Executed command unsuccessfully"):
            await cli.run("show cert list own")
        assert parse_cert_list(await cli.run("show cert list own"))  # next one works


async def test_unknown_command_is_cli_command_failed(lab: RunningLab) -> None:
    async with session(lab) as cli:
        with pytest.raises(CliCommandFailed):
            await cli.run("show nonsense")


async def test_dropped_session_then_ensure_connected_reconnects(lab: RunningLab) -> None:
    async with session(lab) as cli:
        lab.lab.inject_fault(Fault(FaultKind.DROP_AFTER_COMMAND, NODE, "show cert list own", 1))
        with pytest.raises(SessionDropped):
            await cli.run("show cert list own")
        assert not cli.connected
        with pytest.raises(SessionDropped, match="ensure_connected"):
            await cli.run("show cert list own")
        await cli.ensure_connected()
        assert cli.connected
        assert parse_cert_list(await cli.run("show cert list own"))


async def test_login_slower_than_the_timeout_is_cli_timeout(tmp_path: Path) -> None:
    # Scaled time: 1000 simulated seconds of slow login take ~10 real seconds, far past 0.5 s.
    async with running_lab(preset_name="minimal", time_scale=0.01, state_dir=tmp_path) as lab:
        lab.lab.inject_fault(Fault(FaultKind.SLOW_LOGIN, NODE, None, 1, seconds=1000))
        cli = AdminCliSession(target(lab), login_timeout=0.5)
        with pytest.raises(CliTimeout, match="login timeout"):
            await cli.connect()
        assert not cli.connected


async def test_pager_prompts_are_answered_when_pagination_is_on(lab: RunningLab) -> None:
    async with session(lab) as cli:
        await cli.run("set cli pagination on")
        dump = await cli.run("show cert own tomcat")
        assert cli.pager_prompts_answered > 0
    assert "Press <enter>" not in dump
    assert dump.rstrip().endswith("-----END CERTIFICATE-----")


async def test_a_session_the_node_closed_while_idle_logs_in_again_before_the_next_command(
    tmp_path: Path,
) -> None:
    """Real nodes close idle CLI sessions; a run waits minutes between commands. Nothing was in
    flight, so the command is sent once, on a new session; the old one is gone for good."""
    async with (
        running_lab(
            preset_name="minimal", time_scale=0, state_dir=tmp_path, idle_timeout=0.3
        ) as idle_lab,
        session(idle_lab) as cli,
    ):
        before = parse_cert_list(await cli.run("show cert list own"))
        await asyncio.sleep(0.8)  # the lab closes the session after 0.3 s at the prompt
        assert not cli.connected
        regen = await cli.run_confirm("set cert regen cup-xmpp", "yes")
        assert "Successfully Regenerated" in regen
        assert cli.reconnects == 1
        regenerated = [e for e in idle_lab.lab.events if e.kind == "cert-regenerated"]
        assert len(regenerated) == 1  # sent once
        assert parse_cert_list(await cli.run("show cert list own")) == before
