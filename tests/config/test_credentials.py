from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from uccert.config import (
    InventoryError,
    Secret,
    load_inventory,
    resolve_account,
    resolve_credentials,
)
from uccert.lab.servers.runtime import Credentials

from .conftest import write_private

ENV_INVENTORY = """\
schema_version = 1

[clusters.east]
publisher = "cucm-pub.example.com"
os_admin_env = "UCCERT_OS_ADMIN"
app_admin_env = "UCCERT_APP_ADMIN"
app_admin_user = "ccmadmin"
"""


def east(tmp_path: Path, text: str = ENV_INVENTORY):  # type: ignore[no-untyped-def]
    path = tmp_path / "uccert.toml"
    path.write_text(text, encoding="utf-8")
    return load_inventory(path).clusters["east"]


def test_env_var_credentials(tmp_path: Path) -> None:
    env = {
        "UCCERT_OS_ADMIN_USER": "admin",
        "UCCERT_OS_ADMIN_PASSWORD": "os-pw",
        "UCCERT_APP_ADMIN_PASSWORD": "app-pw",
    }
    creds = resolve_credentials(east(tmp_path).credentials, cluster="east", environ=env)
    assert (creds.os_admin.username, creds.os_admin.password.reveal()) == ("admin", "os-pw")
    # the username may come from the inventory when only the password is in the environment
    assert (creds.app_admin.username, creds.app_admin.password.reveal()) == ("ccmadmin", "app-pw")
    assert creds.os_readonly is None
    assert creds.os_admin.source == "env UCCERT_OS_ADMIN"


def test_env_password_without_a_username_is_refused(tmp_path: Path) -> None:
    env = {"UCCERT_OS_ADMIN_PASSWORD": "os-pw", "UCCERT_APP_ADMIN_PASSWORD": "app-pw"}
    with pytest.raises(InventoryError) as info:
        resolve_credentials(east(tmp_path).credentials, cluster="east", environ=env)
    assert "UCCERT_OS_ADMIN_USER" in str(info.value)
    assert "os-pw" not in str(info.value)


def test_no_source_says_every_way_to_give_credentials(tmp_path: Path) -> None:
    with pytest.raises(InventoryError) as info:
        resolve_credentials(east(tmp_path).credentials, cluster="east", environ={})
    message = str(info.value)
    assert "os_admin" in message and "credentials_file" in message and "_PASSWORD" in message
    assert "\n" not in message


def test_prompt_is_used_when_allowed_and_a_username_is_known(tmp_path: Path) -> None:
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return "typed"

    refs = east(tmp_path).credentials
    acct = resolve_account(refs, "app_admin", cluster="east", environ={}, prompt=prompt)
    assert acct is not None and acct.password.reveal() == "typed" and acct.source == "prompt"
    assert asked and "ccmadmin" in asked[0]
    no_prompt = east(tmp_path, ENV_INVENTORY + "prompt = false\n").credentials
    assert resolve_account(no_prompt, "app_admin", environ={}, prompt=prompt) is None


def test_a_world_readable_credentials_file_is_refused(
    lab_files: tuple[Path, Credentials],
) -> None:
    inv_path, creds = lab_files
    cred_path = inv_path.parent / "credentials.toml"
    os.chmod(cred_path, 0o644)
    lab = load_inventory(inv_path).clusters["lab"]
    with pytest.raises(InventoryError) as info:
        resolve_credentials(lab.credentials, cluster="lab", environ={})
    message = str(info.value)
    assert f"chmod 600 {cred_path}" in message and "0644" in message
    assert creds.os_admin.password not in message


def test_a_group_readable_credentials_file_is_refused(tmp_path: Path) -> None:
    write_private(tmp_path / "c.toml", '[os_admin]\nusername = "a"\npassword = "b"\n', 0o640)
    text = ENV_INVENTORY + 'credentials_file = "c.toml"\n'
    with pytest.raises(InventoryError, match="chmod 600"):
        resolve_credentials(east(tmp_path, text).credentials, environ={})


def test_a_missing_credentials_file_says_so(tmp_path: Path) -> None:
    text = ENV_INVENTORY + 'credentials_file = "nope.toml"\n'
    with pytest.raises(InventoryError, match=r"nope\.toml: no such credentials file"):
        resolve_credentials(east(tmp_path, text).credentials, environ={})


def test_a_bad_credentials_file_names_its_line_without_values(tmp_path: Path) -> None:
    cred = write_private(
        tmp_path / "c.toml", '[os_admin]\nusername = "a"\npasword = "s3cr3t-value"\n'
    )
    text = ENV_INVENTORY + 'credentials_file = "c.toml"\n'
    with pytest.raises(InventoryError) as info:
        resolve_credentials(east(tmp_path, text).credentials, environ={})
    message = str(info.value)
    assert message.startswith(f"{cred}:3: ") and "did you mean password" in message
    assert "s3cr3t-value" not in message


def test_keyring_without_the_package_gives_a_clear_message(tmp_path: Path) -> None:
    try:
        import keyring  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("keyring is installed here")
    text = ENV_INVENTORY + 'keyring_service = "uccert-east"\n'
    with pytest.raises(InventoryError, match=r"uccert\[keyring\]"):
        resolve_account(east(tmp_path, text).credentials, "app_admin", environ={})


def test_secret_masks_and_refuses_storage() -> None:
    s = Secret("pa55word")
    assert "pa55word" not in f"{s} {s!r} {s:>20} {[s]} {(s,)} {s!s:10}"
    assert s == Secret("pa55word") and s != Secret("other")
    with pytest.raises(TypeError):
        pickle.dumps(s)
    with pytest.raises(TypeError):
        json.dumps({"p": s})
    with pytest.raises(AttributeError):
        s._value = "x"


passwords = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40
).filter(lambda p: p.strip() != "")


def _toml(value: str) -> str:
    escaped = "".join(
        f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F or c in '"\\' else c for c in value
    )
    return f'"{escaped}"'


def _renderings(tmp_path: Path, os_pw: str, app_pw: str) -> list[str]:
    write_private(
        tmp_path / "credentials.toml",
        f'[os_admin]\nusername = "administrator"\npassword = {_toml(os_pw)}\n'
        f'[app_admin]\nusername = "ccmadmin"\npassword = {_toml(app_pw)}\n',
    )
    inv_path = tmp_path / "uccert.toml"
    inv_path.write_text(ENV_INVENTORY + 'credentials_file = "credentials.toml"\n', "utf-8")
    inv = load_inventory(inv_path)
    creds = resolve_credentials(inv.clusters["east"].credentials, cluster="east", environ={})
    assert creds.os_admin.password.reveal() == os_pw
    assert creds.app_admin.password.reveal() == app_pw
    return [
        repr(inv),
        str(inv),
        repr(creds),
        str(creds),
        f"{creds}",
        f"{creds.os_admin}",
        f"{creds.os_admin.password}",
        f"{creds.os_admin.password:>30}",
        repr(creds.app_admin.password),
        str(creds.app_admin.password),
    ]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(os_pw=passwords, app_pw=passwords)
def test_passwords_never_show_in_any_config_object(tmp_path: Path, os_pw: str, app_pw: str) -> None:
    # Every rendering is the same whatever the passwords are: none of them can leak one.
    reference = _renderings(tmp_path, "REFERENCE-os-pw", "REFERENCE-app-pw")
    assert not any("REFERENCE" in text for text in reference)
    assert _renderings(tmp_path, os_pw, app_pw) == reference
