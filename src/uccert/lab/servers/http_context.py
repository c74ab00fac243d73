"""What every HTTP handler of a lab node needs: the lab, the node, and who may call it.

Real nodes answer Basic auth: the application admin for AXL and Control Center (the OS admin
also works for Control Center), the OS admin for Certificate Management REST, where a second OS
account with CLI privilege 0 may only read (docs/design/interfaces.md §2-4).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from uccert.lab.state import Lab

from .clock import VirtualClock
from .ssh import Account


@dataclass(frozen=True)
class LabAccounts:
    os_admin: Account
    app_admin: Account
    os_readonly: Account  # OS account with CLI privilege 0: REST reads only


@dataclass(frozen=True)
class HttpContext:
    lab: Lab
    clock: VirtualClock
    node: str
    accounts: LabAccounts


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """(username, password) from an ``Authorization: Basic ...`` header, None if absent or bad."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def authenticate(authorization: str | None, *allowed: Account) -> Account | None:
    """The allowed account these credentials belong to, or None (the caller answers 401)."""
    credentials = basic_credentials(authorization)
    if credentials is None:
        return None
    for account in allowed:
        if account.accepts(*credentials):
            return account
    return None
