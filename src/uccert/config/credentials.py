"""Credentials: where a cluster's accounts come from, and a `Secret` that never shows itself.

The inventory holds only *references*; passwords come, per account, from the first of:

1. environment variables: ``os_admin_env = "UCCERT_OS_ADMIN"`` in a cluster means
   ``UCCERT_OS_ADMIN_USER`` (or the inventory's ``os_admin_user``) and
   ``UCCERT_OS_ADMIN_PASSWORD``; the same for ``app_admin_env`` and ``os_readonly_env``;
2. ``credentials_file`` (relative to the inventory), mode 0600, with a ``[os_admin]``,
   ``[app_admin]`` and optional ``[os_readonly]`` table of ``username`` and ``password``;
3. the OS keyring (the optional ``keyring`` extra), when the cluster sets ``keyring_service``:
   the password of the account's username under that service name;
4. a prompt (getpass), when the caller passes one and the cluster does not set ``prompt = false``;
   the username comes from ``os_admin_user`` / ``app_admin_user`` / ``os_readonly_user``.

Passwords never travel in argv, and nothing here prints, logs or serializes them: a `Secret`'s
repr, str and format are masked and it refuses to be pickled.
"""

from __future__ import annotations

import hmac
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn

from ._source import InventoryError, Source, check_keys, fail, one_line, parse, read_text

AccountName = Literal["os_admin", "app_admin", "os_readonly"]
ACCOUNTS: tuple[AccountName, ...] = ("os_admin", "app_admin", "os_readonly")
REQUIRED: tuple[AccountName, ...] = ("os_admin", "app_admin")
ENV_USER_SUFFIX = "_USER"
ENV_PASSWORD_SUFFIX = "_PASSWORD"

Prompt = Callable[[str], str]
"""Asks for a password (``getpass.getpass``); takes the prompt text, returns what was typed."""


class Secret:
    """A password. ``reveal()`` is the only way to read it; repr/str/format show ``'********'``."""

    __slots__ = ("_value",)
    _value: str

    def __init__(self, value: str) -> None:
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        return self._value

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Secret is immutable")

    def __repr__(self) -> str:
        return "Secret('********')"

    def __str__(self) -> str:
        return "********"

    def __format__(self, spec: str) -> str:
        return format("********", spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(Secret)

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled or stored")

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class AccountRef:
    """Where one account comes from: a username (not secret) and env var prefix, each optional."""

    user: str | None = None
    env: str | None = None


@dataclass(frozen=True)
class CredentialRefs:
    """A cluster's credential references, as written in the inventory (no passwords)."""

    os_admin: AccountRef = field(default_factory=AccountRef)
    app_admin: AccountRef = field(default_factory=AccountRef)
    os_readonly: AccountRef = field(default_factory=AccountRef)
    credentials_file: Path | None = None  # absolute (resolved against the inventory's folder)
    keyring_service: str | None = None
    prompt: bool = True
    inventory: Path | None = None  # the file the references came from, for messages

    def ref(self, account: AccountName) -> AccountRef:
        ref: AccountRef = getattr(self, account)
        return ref


@dataclass(frozen=True)
class Account:
    username: str
    password: Secret
    source: str  # "env UCCERT_OS_ADMIN", "file /path", "keyring", "prompt"


@dataclass(frozen=True)
class ClusterCredentials:
    os_admin: Account
    app_admin: Account
    os_readonly: Account | None = None


def check_private(path: Path) -> None:
    """Refuse a credentials file others could read or write."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InventoryError(
            one_line(
                f"{path}: no such credentials file — create it with mode 0600 "
                "(see docs/inventory.md) or fix credentials_file in the inventory"
            )
        ) from None
    if not stat.S_ISREG(st.st_mode):
        raise InventoryError(f"{path}: not a regular file — point credentials_file at a file")
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise InventoryError(
            f"{path}: mode {mode:04o} lets other users read these passwords — chmod 600 {path}"
        )


def load_credentials_file(path: Path) -> dict[AccountName, tuple[str, Secret]]:
    """The accounts in a 0600 credentials file (refused when group or others have any access)."""
    check_private(path)
    text = read_text(path, "credentials file", "create it with mode 0600")
    data = parse(path, text, "the credentials file")
    src = Source(path, text)
    check_keys(src, (), data, ACCOUNTS)
    out: dict[AccountName, tuple[str, Secret]] = {}
    for name in ACCOUNTS:
        section = data.get(name)
        if section is None:
            continue
        if not isinstance(section, dict):
            raise src.fail(
                (),
                name,
                f"{name} must be a table",
                f'write it as [{name}] with username = "..." and password = "..."',
            )
        check_keys(src, (name,), section, ("username", "password"))
        for key in ("username", "password"):
            if key not in section:
                raise src.fail((name,), None, f"[{name}] has no {key}", f'add {key} = "..."')
            if not isinstance(section[key], str) or not section[key]:
                raise src.fail(
                    (name,), key, f"[{name}] {key} must be a non-empty string", "quote it"
                )
        out[name] = (section["username"], Secret(section["password"]))
    return out


def _no_source(refs: CredentialRefs, cluster: str, account: AccountName) -> InventoryError:
    where = refs.inventory if refs.inventory is not None else Path("uccert.toml")
    return fail(
        where,
        None,
        f"cluster {cluster!r}: no credentials for {account}",
        f'set {account}_env = "PREFIX" and export PREFIX{ENV_USER_SUFFIX} and '
        f"PREFIX{ENV_PASSWORD_SUFFIX}, or add [{account}] to a 0600 credentials_file, "
        f"or set {account}_user and run interactively (see docs/inventory.md)",
    )


def _from_keyring(service: str, username: str) -> str | None:
    try:
        import keyring  # type: ignore[import-not-found,unused-ignore]
        import keyring.errors  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise InventoryError(
            f"keyring_service = {service!r} is set but the keyring package is not installed "
            "— pip install 'uccert[keyring]', or use environment variables or a credentials file"
        ) from None
    try:
        value: Any = keyring.get_password(service, username)
    except keyring.errors.KeyringError as exc:
        raise InventoryError(
            one_line(
                f"the OS keyring is not usable here ({type(exc).__name__}) — "
                "use environment variables or a 0600 credentials file instead"
            )
        ) from None
    return value if isinstance(value, str) else None


def resolve_account(
    refs: CredentialRefs,
    account: AccountName,
    *,
    cluster: str = "",
    environ: Mapping[str, str] | None = None,
    prompt: Prompt | None = None,
    file_accounts: Mapping[AccountName, tuple[str, Secret]] | None = None,
) -> Account | None:
    """The first source that has ``account``, or None when none has it."""
    env = os.environ if environ is None else environ
    ref = refs.ref(account)
    username = ref.user
    if ref.env is not None:
        user_var, password_var = ref.env + ENV_USER_SUFFIX, ref.env + ENV_PASSWORD_SUFFIX
        username = env.get(user_var) or username
        password = env.get(password_var)
        if password:
            if not username:
                raise _env_user_missing(refs, cluster, account, user_var)
            return Account(username, Secret(password), f"env {ref.env}")
    if refs.credentials_file is not None:
        accounts = (
            file_accounts
            if file_accounts is not None
            else load_credentials_file(refs.credentials_file)
        )
        if account in accounts:
            user, secret = accounts[account]
            return Account(user, secret, f"file {refs.credentials_file}")
    if refs.keyring_service is not None and username:
        found = _from_keyring(refs.keyring_service, username)
        if found:
            return Account(username, Secret(found), f"keyring {refs.keyring_service}")
    if prompt is not None and refs.prompt and username:
        typed = prompt(f"{account} password for {username} on cluster {cluster}: ")
        if typed:
            return Account(username, Secret(typed), "prompt")
    return None


def _env_user_missing(
    refs: CredentialRefs, cluster: str, account: AccountName, user_var: str
) -> InventoryError:
    where = refs.inventory if refs.inventory is not None else Path("uccert.toml")
    return fail(
        where,
        None,
        f"cluster {cluster!r}: {account} has a password in the environment but no username",
        f"export {user_var} or set {account}_user in the cluster",
    )


def resolve_credentials(
    refs: CredentialRefs,
    *,
    cluster: str = "",
    environ: Mapping[str, str] | None = None,
    prompt: Prompt | None = None,
) -> ClusterCredentials:
    """os_admin and app_admin (required) and os_readonly (optional) for one cluster."""
    file_accounts = (
        load_credentials_file(refs.credentials_file) if refs.credentials_file is not None else {}
    )
    found: dict[AccountName, Account | None] = {}
    for name in ACCOUNTS:
        found[name] = resolve_account(
            refs,
            name,
            cluster=cluster,
            environ=environ,
            prompt=prompt if name in REQUIRED else None,
            file_accounts=file_accounts,
        )
    os_admin, app_admin = found["os_admin"], found["app_admin"]
    if os_admin is None:
        raise _no_source(refs, cluster, "os_admin")
    if app_admin is None:
        raise _no_source(refs, cluster, "app_admin")
    return ClusterCredentials(os_admin, app_admin, found["os_readonly"])
