"""``utils service list`` and ``utils service start|stop|restart <name>`` [seen].

``utils service list`` prints, in this order (docs/design/interfaces.md §1)::

    Requesting service status, please wait...
    System SSH [STARTED]                            <- platform part, space before '['
    Service Manager is running
    Getting list of all services
    >> Return code = 0
    Cisco Tomcat[STARTED]                           <- services, no space
    Cisco DRF Master[STOPPED]  Commanded Out of Service
    Cisco AXL Web Service[STOPPED]  Service Not Activated
    Cisco CallManager[ STOPPED ]  Component is not running
    Primary Node =true
    Command successful

Some releases print no ``Command successful``: a real 11.5 capture ends at ``Primary Node
=true`` [seen]. Either ending is accepted; output with neither is refused, so a truncated
list does not read as "that service is missing". Service names are not checked against a
list: releases rename services (``Cisco DRF Master`` is ``Cisco DRF Primary`` in 15).

``utils service start|stop|restart`` print a notice that differs by release (12.x: `` Don't
press Ctrl-c while the service is getting RESTARTED.If Service has not Restarted Properly,
execute the same Command Again``, then ``[STOPPING]``/``[STARTING]`` lines, repeated, with
trailing spaces [seen]); the result is judged by the state lines alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from uccert.protocols._lines import raise_if_failed, split_lines, unexpected
from uccert.protocols.errors import CliParseError

_LIST: Final = "utils service list"
_CONTROL: Final = "utils service start|stop|restart"


class ServiceRunState(StrEnum):
    """The states the CLI prints in brackets."""

    STARTED = "STARTED"
    STOPPED = "STOPPED"
    STARTING = "STARTING"
    STOPPING = "STOPPING"


NOT_ACTIVATED_REASON: Final = "Service Not Activated"

_STATE_LINE_RE: Final = re.compile(
    r"(?P<name>[^\[\]]*[^\[\]\s])(?P<space>[ \t]*)\[[ \t]*(?P<state>[A-Z]+)[ \t]*\]"
    r"(?:[ \t]+(?P<reason>\S.*))?"
)
_RETURN_CODE_RE: Final = re.compile(r">>[ \t]*Return code[ \t]*=[ \t]*(?P<code>-?[0-9]{1,9})")
_PRIMARY_RE: Final = re.compile(r"Primary Node[ \t]*=[ \t]*(?P<value>true|false)", re.IGNORECASE)
_CHATTER: Final = frozenset(
    {
        "requesting service status, please wait...",
        "service manager is running",
        "getting list of all services",
    }
)
_SERVICES_START: Final = "getting list of all services"
_DONE: Final = "command successful"


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    """One ``<name>[<STATE>]  <reason>`` line."""

    name: str
    state: ServiceRunState
    reason: str | None
    """``Commanded Out of Service``, ``Service Not Activated``, ``Component is not running``."""
    activated: bool
    """False only for ``Service Not Activated``."""


@dataclass(frozen=True, slots=True)
class ServiceList:
    """The parsed ``utils service list``."""

    platform: tuple[ServiceEntry, ...]
    """``System SSH [STARTED]`` and the like, before ``Getting list of all services``."""
    services: tuple[ServiceEntry, ...]
    return_code: int | None
    primary_node: bool | None

    def get(self, name: str) -> ServiceEntry | None:
        """The service called ``name`` (exact), or ``None``."""
        return next((entry for entry in self.services if entry.name == name), None)


@dataclass(frozen=True, slots=True)
class ServiceControlResult:
    """What ``utils service restart <name>`` printed while it ran."""

    name: str
    states: tuple[ServiceRunState, ...]
    """Every state line, in order (``STARTING`` may repeat)."""

    @property
    def final_state(self) -> ServiceRunState:
        return self.states[-1]

    @property
    def ended_started(self) -> bool:
        return self.final_state is ServiceRunState.STARTED


def parse_service_line(line: str) -> ServiceEntry | None:
    """``Cisco Tomcat[STARTED]`` -> entry; ``None`` if the line is not a state line."""
    match = _STATE_LINE_RE.fullmatch(line.strip())
    if match is None:
        return None
    try:
        state = ServiceRunState(match.group("state"))
    except ValueError as error:
        raise unexpected(
            "service state", "one of " + ", ".join(s.value for s in ServiceRunState), line
        ) from error
    reason = match.group("reason")
    reason = reason.rstrip() if reason else None
    return ServiceEntry(
        name=match.group("name").strip(),
        state=state,
        reason=reason,
        activated=(reason or "").casefold() != NOT_ACTIVATED_REASON.casefold(),
    )


def _ends_with_primary_node(lines: list[str]) -> bool:
    last = next((line.strip() for line in reversed(lines) if line.strip()), "")
    return _PRIMARY_RE.fullmatch(last) is not None


def parse_service_list(text: str) -> ServiceList:
    """Parse ``utils service list``; raise CliParseError on any undocumented line."""
    lines = split_lines(text)
    raise_if_failed(lines, _LIST)
    platform: list[ServiceEntry] = []
    services: list[ServiceEntry] = []
    return_code: int | None = None
    primary: bool | None = None
    in_services = False
    done = False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if done:
            raise unexpected(_LIST, "nothing after 'Command successful'", line, number)
        folded = stripped.casefold()
        if folded == _DONE:
            done = True
        elif folded in _CHATTER:
            in_services = in_services or folded == _SERVICES_START
        elif (code := _RETURN_CODE_RE.fullmatch(stripped)) is not None:
            return_code = int(code.group("code"))
            in_services = True
        elif (flag := _PRIMARY_RE.fullmatch(stripped)) is not None:
            primary = flag.group("value").lower() == "true"
        elif (entry := parse_service_line(stripped)) is not None:
            (services if in_services else platform).append(entry)
        else:
            raise unexpected(_LIST, "'<service>[<STATE>]' or a status line", line, number)
    if not done and not _ends_with_primary_node(lines):
        raise CliParseError(
            f"{_LIST}: expected 'Primary Node =<true|false>' or 'Command successful' at the "
            "end (truncated?)"
        )
    return ServiceList(tuple(platform), tuple(services), return_code, primary)


def parse_service_control(text: str, name: str) -> ServiceControlResult:
    """Parse the streamed output of ``utils service start|stop|restart <name>``.

    Only the state lines count: any other line (the release's notice, ``Service Manager is
    running``) is passed over. Every state line must name ``name``. Raises CliCommandFailed on
    the failure line and CliParseError when no state line of ``name`` was printed.
    """
    lines = split_lines(text)
    raise_if_failed(lines, _CONTROL)
    states: list[ServiceRunState] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        try:
            entry = parse_service_line(stripped)
        except CliParseError:
            entry = None  # a bracketed word that is no state: notice text
        if entry is None:
            if name + "[" in stripped:  # our own state line, garbled
                raise unexpected(_CONTROL, f"'{name}[<STATE>]'", line, number)
            continue
        if entry.name != name:
            raise unexpected(_CONTROL, f"a state line of {name!r}", line, number)
        states.append(entry.state)
    if not states:
        raise CliParseError(f"{_CONTROL}: expected at least one '{name}[<STATE>]' line")
    return ServiceControlResult(name=name, states=tuple(states))
