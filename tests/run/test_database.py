"""Where runs live and who may execute them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from uccert.errors import ConfigError
from uccert.run.database import ExecutorLock, RunBusy, RunDatabase, state_dir


def test_default_database_is_sqlite_in_the_state_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UCCERT_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("UCCERT_DATABASE_URL", raising=False)
    db = RunDatabase.locate()
    assert state_dir() == tmp_path
    assert db.url == f"sqlite:///{(tmp_path / 'runs.sqlite').resolve()}"
    assert db.lock_path == tmp_path / "runs.lock"
    assert not db.exists


def test_xdg_state_home_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UCCERT_STATE_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert state_dir() == tmp_path / "uccert"


def test_a_password_in_the_database_url_flag_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="UCCERT_DATABASE_URL"):
        RunDatabase.locate("postgresql://uccert:s3cret@db.example/uccert", tmp_path)


def test_a_password_may_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UCCERT_DATABASE_URL", "postgresql://uccert:s3cret@db.example/uccert")
    assert RunDatabase.locate(directory=tmp_path).url.startswith("postgresql://")


def test_an_unknown_scheme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sqlite:///PATH"):
        RunDatabase.locate("mysql://db.example/uccert", tmp_path)


def test_the_lock_excludes_a_second_holder_and_is_released(tmp_path: Path) -> None:
    db = RunDatabase.locate(directory=tmp_path)
    with ExecutorLock(db):
        assert db.busy()
        with pytest.raises(RunBusy, match="runs are being executed by uccert pid"):
            ExecutorLock(db).__enter__()
    assert not db.busy()


def test_the_lock_of_a_killed_process_is_free(tmp_path: Path) -> None:
    db = RunDatabase.locate(directory=tmp_path)
    code = (
        "import os,sys,signal\n"
        "from pathlib import Path\n"
        "from uccert.run.database import ExecutorLock, RunDatabase\n"
        f"db = RunDatabase.locate(directory=Path({str(tmp_path)!r}))\n"
        "lock = ExecutorLock(db).__enter__()\n"
        "print('held', flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.strip() == "held"
    assert proc.returncode == -9
    assert not db.busy()


def test_the_database_and_its_lock_are_private_in_an_open_state_directory(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o755)
    state.chmod(0o755)
    (state / "runs.lock").write_text("")
    (state / "runs.lock").chmod(0o644)  # left by an older uccert
    db = RunDatabase.locate(directory=state)
    with ExecutorLock(db):
        pass
    assert (state / "runs.lock").stat().st_mode & 0o777 == 0o600
    assert (state / "runs.sqlite").stat().st_mode & 0o777 == 0o600
    assert not db.exists  # created empty: nothing to list yet
