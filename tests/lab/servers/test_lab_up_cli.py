"""`uccert lab up` as a user runs it, and its refusals of bad input."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from uccert.cli import main

pytestmark = pytest.mark.timeout(60)


def _uccert(*args: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        "import sys; from uccert.cli import main; sys.exit(main())",
        *args,
    ]


def test_lab_up_writes_the_ready_file_and_stops_on_sigterm(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    state = tmp_path / "state"
    proc = subprocess.Popen(
        _uccert(
            "lab",
            "up",
            "--preset",
            "minimal",
            "--time-scale",
            "0",
            "--ready-file",
            str(ready),
            "--state-dir",
            str(state),
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no ready file"
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        assert stat.S_IMODE(ready.stat().st_mode) == 0o600
        assert [n["name"] for n in info["nodes"]] == ["cucm-pub", "imp-pub", "imp-sub1"]
        for n in info["nodes"]:
            assert set(n) == {"name", "fqdn", "product", "role", "version", "address", "ports"}
            assert n["address"] == "127.0.0.1" and n["ports"]["ssh"] > 0
        assert set(info["credentials"]) == {"os_admin", "app_admin", "os_readonly"}
        password = info["credentials"]["os_admin"]["password"]
        assert info["control_url"].startswith("http://127.0.0.1:")
        inventory = Path(info["inventory"])
        text = inventory.read_text()
        assert password not in text
        doc = tomllib.loads(text)
        assert doc["schema_version"] == 1
        cluster = doc["clusters"]["lab"]
        assert cluster["publisher"] == "cucm-pub.lab.example"
        creds = inventory.parent / cluster["credentials_file"]
        assert stat.S_IMODE(creds.stat().st_mode) == 0o600
        assert tomllib.loads(creds.read_text())["os_admin"]["password"] == password
        ports = {n["name"]: n["ports"]["ssh"] for n in info["nodes"]}
        assert {k: v["ssh_port"] for k, v in cluster["nodes"].items()} == ports
        assert set(cluster["timing"]) == {"ha_sync_wait", "poll_interval", "restart_timeout"}
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert password not in out + err
        assert not ready.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--preset", "huge"], "unknown preset 'huge'"),
        (["--version", "3.0"], "3.0"),
        (["--version", "banana"], "banana"),
        (["--time-scale", "-1"], "time scale '-1'"),
        (["--time-scale", "fast"], "time scale 'fast'"),
        (["--idle-timeout", "-5"], "idle timeout '-5'"),
        (["--idle-timeout", "never"], "idle timeout 'never'"),
        (["--topology", "/nonexistent/topo.toml"], "cannot read topology file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ready = tmp_path / "ready.json"
    code = main(["lab", "up", *args, "--ready-file", str(ready)])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and " — " in lines[0], err
    assert needle in lines[0]
    assert not ready.exists()


def test_a_bad_topology_file_names_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    topo = tmp_path / "topo.toml"
    topo.write_text("nodes = [ this is not toml")
    assert main(["lab", "up", "--topology", str(topo)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(topo) in err


def test_bad_flag_as_a_subprocess_exits_2() -> None:
    env = dict(os.environ)
    proc = subprocess.run(
        _uccert("lab", "up", "--preset", "nope"),
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: unknown preset 'nope' — ")
