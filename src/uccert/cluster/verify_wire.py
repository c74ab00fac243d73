"""After the restarts: does every node present the uploaded cert, and does it validate against
the uploaded root? (docs/design/procedure.md §7, for CA-signed uploads.)

Two handshakes per node and unit endpoint (tomcat 8443, cup 5061 direct TLS; cup-xmpp 5222,
cup-xmpp-s2s 5269 via XMPP STARTTLS; ports from the inventory's node overrides):

1. an identifying handshake that trusts nothing, only to see which cert is presented (nothing
   is sent after it), so that "still the old cert: restart the service" can be told apart from
   "the chain is wrong";
2. when it is the uploaded leaf, a verifying handshake whose only anchors are the uploaded
   root and intermediates, checking the node's FQDN: it succeeds only if the node's chain
   validates against the uploaded root.

The restart wiring (HA off, publisher first) belongs to the planner; call
:func:`verify_on_wire` once those restarts are done.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.serialization import Encoding

from uccert import catalog
from uccert.ca import UploadPlan, fingerprint
from uccert.catalog import WIRE_UNITS, rules_for_unit
from uccert.cluster.targets import NodeTargets
from uccert.model import Node, RunState, ServiceState
from uccert.transport import ProbeError, ProbeRefused, ProbeUntrusted, probe_presented


@dataclass(frozen=True)
class WireCheck:
    node: str
    unit: str
    ok: bool
    detail: str


def anchored_context(plan: UploadPlan) -> ssl.SSLContext:
    """Only the uploaded root is a trust anchor (intermediates help build the path; without
    partial-chain mode the path must still end at the root), host names checked."""
    pems = "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in plan.chain.ca_certs)
    ctx = ssl.create_default_context(cadata=pems)
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def owner_running(services: Sequence[ServiceState], service: str) -> bool | None:
    """Whether ``service`` (the owner of a port) is activated and Started; None when the
    node's services are unknown. A port whose owner is not running is closed on a real node
    (5269 while XMPP federation is off): nothing is there to verify, and nothing needs it."""
    if not services:
        return None
    for s in services:
        if s.name == service:
            return s.activated and s.state is RunState.STARTED
    return False


def not_in_use(unit: str, services: Sequence[ServiceState]) -> str | None:
    """Why a closed port of ``unit`` is not a failure, or None when it is one."""
    owner = catalog.unit(unit).endpoints[0].service
    if owner_running(services, owner) is False:
        return f"port closed: {owner} is not running on this node, so nothing uses it"
    return None


async def _check(
    targets: NodeTargets, plan: UploadPlan, node: Node, services: Sequence[ServiceState] = ()
) -> WireCheck:
    target = targets.probe_target(node.name, node.fqdn, plan.unit)
    where = f"{target.address}:{target.port}"
    try:
        seen = await probe_presented(target)
    except ProbeRefused as exc:
        unused = not_in_use(plan.unit, services)
        if unused is not None:
            return WireCheck(node.name, plan.unit, True, f"{where}: {unused}")
        return WireCheck(node.name, plan.unit, False, f"cannot reach {where} ({exc})")
    except ProbeError as exc:
        return WireCheck(node.name, plan.unit, False, f"cannot reach {where} ({exc})")
    if fingerprint(seen) != fingerprint(plan.leaf):
        restart = rules_for_unit(plan.unit)[0].service  # §1: the unit's first restart row
        return WireCheck(
            node.name,
            plan.unit,
            False,
            f"{where} still presents serial {format(seen.serial_number, 'x')}, not the "
            f"uploaded {format(plan.leaf.serial_number, 'x')}: restart {restart}",
        )
    try:
        await probe_presented(target, verify=anchored_context(plan))
    except ProbeUntrusted as exc:
        return WireCheck(
            node.name,
            plan.unit,
            False,
            f"the presented chain does not validate against the uploaded root ({exc})",
        )
    except ProbeError as exc:
        return WireCheck(node.name, plan.unit, False, f"verifying handshake failed ({exc})")
    return WireCheck(node.name, plan.unit, True, f"{where} presents it; chain valid")


async def verify_on_wire(
    targets: NodeTargets,
    plan: UploadPlan,
    nodes: Mapping[str, Node],
    services: Mapping[str, Sequence[ServiceState]] | None = None,
) -> tuple[WireCheck, ...]:
    """One check per node the upload covers (ECDSA twins and units with no TLS endpoint are
    reported as not probed). With the nodes' ``services``, a closed port whose owning service
    is not running (XMPP federation off) passes as not in use."""
    known = services or {}
    if plan.unit not in WIRE_UNITS:
        return tuple(
            WireCheck(n, plan.unit, False, f"{plan.unit} has no endpoint uccert probes")
            for n in plan.covers
        )
    checks = await asyncio.gather(
        *(_check(targets, plan, nodes[name], known.get(name, ())) for name in plan.covers)
    )
    return tuple(checks)
