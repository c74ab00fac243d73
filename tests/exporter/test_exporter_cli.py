"""`uccert exporter`'s options: durations and listen addresses, and bad ones refused with one
line and exit 2 before anything is read or bound."""

from __future__ import annotations

from pathlib import Path

import pytest

from uccert.cli import main
from uccert.cli.exporter import parse_interval, parse_listen
from uccert.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15m", 900), ("90s", 90), ("1h", 3600), ("1h30m", 5400), ("1d", 86400), (" 2S ", 2)],
)
def test_intervals_are_read_as_seconds(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "15", "m", "15 m", "1.5h", "-1m", "15min", "0s", "1h-5m"])
def test_a_bad_interval_is_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="--interval"):
        parse_interval(text)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("127.0.0.1:9611", ("127.0.0.1", 9611)),
        ("0.0.0.0:80", ("0.0.0.0", 80)),
        ("[::1]:9611", ("::1", 9611)),
        ("127.0.0.1:0", ("127.0.0.1", 0)),
    ],
)
def test_listen_addresses_are_split(text: str, address: tuple[str, int]) -> None:
    assert parse_listen(text) == address


@pytest.mark.parametrize(
    "text", ["9611", "localhost:9611", "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:http", "::1"]
)
def test_a_bad_listen_address_is_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="--listen"):
        parse_listen(text)


def test_bad_options_exit_2_with_one_line_before_reading_the_inventory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "none.toml")
    assert main(["exporter", "--interval", "soon", "--inventory", missing]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--interval 'soon' is not a duration" in err
    assert main(["exporter", "--listen", "localhost:9611", "--inventory", missing]) == 2
    assert "does not name an IP address" in capsys.readouterr().err


def test_the_run_database_is_read_without_creating_or_locking_anything(tmp_path: Path) -> None:
    from uccert.exporter.service import read_runs
    from uccert.run.database import ExecutorLock, RunDatabase

    state = tmp_path / "state"
    database = RunDatabase.locate(directory=state)
    assert read_runs(database) == []
    assert not state.exists(), "reading created the state directory"
    with ExecutorLock(database):  # a regen apply holding the lock: reading still works
        assert read_runs(database) == []


def test_an_unfinished_run_is_running_only_while_the_lock_holder_lives(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from uccert.exporter.service import _holder_alive
    from uccert.run.database import ExecutorLock, RunDatabase

    database = RunDatabase.locate(directory=tmp_path)
    assert not _holder_alive(database)  # no lock file yet
    with ExecutorLock(database):
        assert _holder_alive(database)  # this process, as `uccert pid N`
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    database.lock_path.write_text(f"uccert pid {dead}\n")
    assert not _holder_alive(database)
    database.lock_path.write_text(f"uccert pid {os.getpid()}\n")
    assert _holder_alive(database)
