"""Faults a test or demo injects into the lab, and how one is matched and consumed.

- ``command-fails`` (target = command prefix): the servers layer answers the command with a failure.
- ``drop-after-command`` (target = command prefix): the servers layer drops the connection
  after running the command.
- ``service-start-fails`` (target = service name): applied by the model itself; the next start
  of that service goes Starting -> Stopped with reason "Component is not running".
- ``node-unreachable``: the servers layer refuses connections to the node: SSH closes each one
  (consuming a count) and, while counts are left, HTTPS refuses every TLS handshake.
- ``slow-login`` (``seconds``): the servers layer delays the login banner.
- ``login-refused``: the node's SSH refuses the OS admin's password, as after a password change
  on the node (each refused login consumes one count).
- ``replication-broken`` (node): the node's database replication is bad (state 3) for as long
  as the fault is there; it is read, never consumed (clear the faults to repair it).
- ``axl-fails`` (target = AXL operation prefix, e.g. ``updatePresenceRedundancyGroup``): AXL
  answers HTTP 503 Service Unavailable, as a throttled publisher does ("AXL may reject new
  write requests with a 503: Service Unavailable error", Cisco AXL developer guide, Data
  Throttling: https://developer.cisco.com/docs/axl/).
- ``controlcenter-fails`` (target = operation prefix, e.g. ``soapDoControlServices``): Control
  Center answers HTTP 503 [guess: what a Tomcat that cannot serve the request answers; no
  Cisco document gives Control Center's own overload reply].

``node=None`` matches every node, ``target=None`` every target. Each match consumes one count.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum


class FaultKind(StrEnum):
    COMMAND_FAILS = "command-fails"
    DROP_AFTER_COMMAND = "drop-after-command"
    SERVICE_START_FAILS = "service-start-fails"
    NODE_UNREACHABLE = "node-unreachable"
    SLOW_LOGIN = "slow-login"
    LOGIN_REFUSED = "login-refused"
    REPLICATION_BROKEN = "replication-broken"
    AXL_FAILS = "axl-fails"
    CONTROLCENTER_FAILS = "controlcenter-fails"


_PREFIX_MATCHED = frozenset(
    {
        FaultKind.COMMAND_FAILS,
        FaultKind.DROP_AFTER_COMMAND,
        FaultKind.AXL_FAILS,
        FaultKind.CONTROLCENTER_FAILS,
    }
)
_TARGETED = _PREFIX_MATCHED | {FaultKind.SERVICE_START_FAILS}


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    node: str | None
    target: str | None
    count: int
    seconds: float = 0


def matches(fault: Fault, kind: FaultKind, node: str, target: str | None) -> bool:
    """Whether ``fault`` applies to ``kind`` on ``node`` for ``target``."""
    if fault.kind != kind or fault.count <= 0:
        return False
    if fault.node is not None and fault.node != node:
        return False
    if fault.target is None or kind not in _TARGETED:
        return True
    if target is None:
        return False
    if kind in _PREFIX_MATCHED:
        return " ".join(target.split()).startswith(" ".join(fault.target.split()))
    return target == fault.target


def take(
    faults: list[Fault], kind: FaultKind | str, node: str, target: str | None
) -> tuple[list[Fault], Fault | None]:
    """(the remaining faults, the first matching fault or None), consuming one count."""
    wanted = FaultKind(kind)
    for i, fault in enumerate(faults):
        if matches(fault, wanted, node, target):
            rest = faults[:i] + faults[i + 1 :]
            if fault.count > 1:
                rest.insert(i, dataclasses.replace(fault, count=fault.count - 1))
            return rest, fault
    return list(faults), None
