"""What uccert types at the admin CLI, and the prompts it waits for (docs/design/interfaces.md §1).

Sans-IO: the SSH transport sends these strings and matches these patterns against what it
has received so far; nothing here touches a socket. Every pattern is compiled once, and
every command builder refuses an argument that could smuggle a second command (a newline)
or confuse the CLI's tokenizer (whitespace, quotes, control characters).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

from uccert.catalog import ServiceAction
from uccert.protocols._lines import FAILURE_LINE_RE, split_lines
from uccert.protocols.pager import strip_pager

# ---------------------------------------------------------------- prompts and fixed lines

ADMIN_PROMPT: Final = "admin:"
"""The prompt, exactly [doc]."""

PROMPT_AT_END_RE: Final = re.compile(r"(?:\A|\n|\r)admin:[ \t]*\Z")
"""Matches a receive buffer that ends at a fresh ``admin:`` prompt."""

YES_NO_PROMPT_RE: Final = re.compile(r"\(yes\|no\)\?[ \t]*\Z", re.IGNORECASE)
"""``Proceed with regeneration (yes|no)?``, ``Include OU in CSR (yes|no)?`` at buffer end."""

PASTE_CERT_PROMPT: Final = "Paste the Certificate and Hit Enter"
"""Asked by ``set cert import trust|own <unit>`` [doc+seen]."""

PAGINATION_OFF_CONFIRMATION: Final = "Automatic pagination is turned off"
"""Printed by ``set cli pagination off`` [doc]."""

FAILURE_LINE: Final = "Executed command unsuccessfully"
"""The line that ends a failed or unknown command (sometimes with a period) [seen]."""

FAILURE_RE: Final = FAILURE_LINE_RE

# ---------------------------------------------------------------- commands

SET_PAGINATION_OFF: Final = "set cli pagination off"
SHOW_NETWORK_CLUSTER: Final = "show network cluster"
SHOW_TIMEZONE_CONFIG: Final = "show timezone config"
SHOW_VERSION_ACTIVE: Final = "show version active"
UTILS_SERVICE_LIST: Final = "utils service list"
UTILS_HA_STATUS: Final = "utils ha status"  # Presence Redundancy Groups, every node's HA state
UTILS_DBREPLICATION_RUNTIMESTATE: Final = "utils dbreplication runtimestate"

_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9._\-]+(?:/[A-Za-z0-9._\-]+)?")
# Service names contain spaces ("Cisco Tomcat"); they are the rest of the line.
_SERVICE_NAME_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._()\-]*[A-Za-z0-9)]|[A-Za-z0-9]")


class CertListKind(StrEnum):
    """The two listings of ``show cert list``."""

    OWN = "own"
    TRUST = "trust"


def _token(value: str, what: str) -> str:
    if _TOKEN_RE.fullmatch(value) is None:
        raise ValueError(
            f"{what} {value!r} is not a plain CLI token (letters, digits, '.', '_', '-', "
            "one optional '/'): refusing to send it"
        )
    return value


def show_cert_list(kind: CertListKind) -> str:
    """``show cert list own`` / ``show cert list trust``."""
    return f"show cert list {CertListKind(kind).value}"


def show_cert_own(unit_or_path: str) -> str:
    """``show cert own tomcat`` or ``show cert own tomcat/tomcat.pem``."""
    return f"show cert own {_token(unit_or_path, 'unit or file')}"


def show_cert_trust(path: str) -> str:
    """``show cert trust tomcat-trust/<file>.pem``."""
    return f"show cert trust {_token(path, 'trust file')}"


def set_cert_regen(unit: str) -> str:
    """``set cert regen <unit>``; answers a yes/no prompt (``Proceed with regeneration``)."""
    return f"set cert regen {_token(unit, 'unit')}"


def set_csr_gen(unit: str) -> str:
    """``set csr gen <unit>``; may ask ``Include OU in CSR (yes|no)?``."""
    return f"set csr gen {_token(unit, 'unit')}"


def set_cert_import(kind: CertListKind, unit: str) -> str:
    """``set cert import trust|own <unit>``; then asks to paste the certificate."""
    return f"set cert import {CertListKind(kind).value} {_token(unit, 'unit')}"


def set_cert_delete(store: str, file: str) -> str:
    """``set cert delete <store> <file>.pem``: the unit, then the bare file name, as Cisco's
    CLI reference documents it (``set cert delete unit name``, "name: certificate file name",
    example ``set cert delete cucm siptest.pem``) [doc: https://www.cisco.com/c/en/us/td/docs/
    voice_ip_comm/cucm/cli_ref/12_5_1SU2/cucm_b_command-line-interface-reference-guide-1251Su2/
    cucm_b_command-line-interface-reference-guide-1251Su2_chapter_0110.html]. The unit is the
    trust store (``tomcat-trust``), as a live script sends it [seen]; no prompt [guess].

    ``file`` may be given bare (``x.pem``) or store-prefixed (``tomcat-trust/x.pem``); the
    command carries the bare name. ValueError when the name is not a plain CLI token (see
    :func:`is_cli_file_name`).
    """
    _token(store, "trust store")
    bare = file.split("/", 1)[1] if file.startswith(store + "/") else file
    if "/" in bare:
        raise ValueError(f"trust file {file!r} does not belong to store {store!r}")
    _token(bare, "trust file")
    return f"set cert delete {store} {bare}"


def is_cli_file_name(file: str) -> bool:
    """Whether uccert can name this trust file on the CLI (``show cert trust``, ``set cert
    delete``): letters, digits, ``.``, ``_``, ``-``. Real stores also hold names with spaces,
    parentheses or other punctuation (imported from the web page); those are read over REST
    (14 and later) and deleted from the web page only."""
    return "/" not in file and _TOKEN_RE.fullmatch(file) is not None


def utils_service(action: ServiceAction, name: str) -> str:
    """``utils service restart Cisco Tomcat`` (also start, stop: every `ServiceAction`)."""
    if _SERVICE_NAME_RE.fullmatch(name) is None or "  " in name:
        raise ValueError(f"service name {name!r} is not a plain service name: refusing to send it")
    return f"utils service {ServiceAction(action).value} {name}"


# ---------------------------------------------------------------- buffers


# How much of the end of the received text the prompt tests look at: a prompt (and the pager
# noise around it) is far shorter, and looking at the whole buffer on every read is quadratic.
PROMPT_TAIL: Final = 4096


def ends_with_prompt(buffer: str) -> bool:
    """True when the received text ends at a fresh ``admin:`` prompt (command done)."""
    return PROMPT_AT_END_RE.search(strip_pager(buffer[-PROMPT_TAIL:])) is not None


def asks_yes_no(buffer: str) -> bool:
    """True when the received text ends with a ``(yes|no)?`` question."""
    return YES_NO_PROMPT_RE.search(strip_pager(buffer[-PROMPT_TAIL:])) is not None


def command_output(buffer: str, command: str) -> str:
    """The output of ``command``: pager prompts and escapes removed, echo and prompt cut.

    ``buffer`` is what arrived after sending ``command``: it may start with the echo
    (``command`` or ``admin:command``) and end with the next ``admin:`` prompt. Line ends are
    normalised to LF.
    """
    lines = split_lines(strip_pager(buffer))
    while lines and lines[0].strip() == "":
        lines.pop(0)
    if lines and lines[0].strip() in (command, ADMIN_PROMPT + command):
        lines.pop(0)
    while lines and lines[-1].strip() in ("", ADMIN_PROMPT):
        lines.pop()
    return "\n".join(lines) + ("\n" if lines else "")
