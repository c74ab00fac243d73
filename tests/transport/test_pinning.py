"""The known_hosts store under the state directory."""

from __future__ import annotations

import stat
from pathlib import Path

import asyncssh
import pytest

from uccert.errors import ConfigError
from uccert.transport import KnownHostsSource, KnownHostsStore, fingerprint


def new_key() -> str:
    key = asyncssh.generate_private_key("ecdsa-sha2-nistp256")
    return str(key.export_public_key().decode().strip())


def test_pin_adds_then_replaces_only_that_host_and_port(tmp_path: Path) -> None:
    store = KnownHostsStore(tmp_path / "state")
    first, second, other = new_key(), new_key(), new_key()
    store.pin("10.0.0.1", 22, first)
    store.pin("10.0.0.1", 2222, other)
    pinned = store.pin("10.0.0.1", 22, second)
    assert pinned.fingerprint == fingerprint(second)
    assert [p.fingerprint for p in store.pinned("10.0.0.1", 22)] == [fingerprint(second)]
    assert [p.key for p in store.pinned("10.0.0.1", 2222)] == [" ".join(other.split()[:2])]
    text = store.path.read_text()
    assert text.count("\n") == 2
    assert "[10.0.0.1]:2222 " in text and "\n10.0.0.1 " in "\n" + text
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    # asyncssh reads the file the same way
    known = asyncssh.import_known_hosts(text)
    matched = known.match("10.0.0.1", "10.0.0.1", 2222)[0]
    assert {fingerprint(k) for k in matched} == {fingerprint(other)}


def test_unpin_and_missing_file(tmp_path: Path) -> None:
    store = KnownHostsStore(tmp_path)
    assert store.pinned("h", 22) == ()
    assert store.unpin("h", 22) is False
    store.pin("h", 22, new_key())
    assert store.unpin("h", 22) is True
    assert store.pinned("h", 22) == ()


def test_fingerprint_is_openssh_sha256() -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    text = key.export_public_key().decode()
    assert fingerprint(text) == key.get_fingerprint("sha256")
    assert fingerprint(text).startswith("SHA256:")


def test_bad_key_and_bad_host_are_config_errors(tmp_path: Path) -> None:
    store = KnownHostsStore(tmp_path)
    with pytest.raises(ConfigError, match="OpenSSH public key"):
        store.pin("h", 22, "ssh-rsa notbase64")
    with pytest.raises(ConfigError):
        store.pin("bad host", 22, new_key())


def test_in_memory_source() -> None:
    key = new_key()
    source = KnownHostsSource.from_text(f"[127.0.0.1]:2022 {key}\n")
    assert [p.fingerprint for p in source.pinned("127.0.0.1", 2022)] == [fingerprint(key)]
    with pytest.raises(ValueError):
        KnownHostsSource()
