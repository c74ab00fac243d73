"""What the step handlers need from a cluster and from time, as Protocols.

The handlers in ``steps`` talk to these and nothing else: ``ClusterOps`` (SSH, Control Center,
AXL, TLS) and ``ClusterClient`` (a fresh snapshot) are the real implementations, and the
event loop's clock the real time. A test gives the handlers an in-process cluster and a
virtual clock instead (tests/run/fake_cluster.py, on the lab's state model), the way httpx's
``MockTransport`` stands in for the network, so every handler path runs in milliseconds.

A method raises ``OperationTransient`` when the cluster may or may not have acted (a dropped
session, a timeout): the handlers look again before they retry. Anything else that fails
raises another ``ClusterError``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from cryptography import x509

from uccert.cluster import Action, ServiceStatus
from uccert.model import CertInfo, HaNodeState, RedundancyGroup, Snapshot, TrustEntry, Via


class ClusterOperations(Protocol):
    """One operation or one observation on one node (or on the cluster's AXL)."""

    async def identity(self, node: str, unit: str) -> CertInfo:
        """The node's current cert of ``unit``."""
        ...

    async def regenerate(self, node: str, unit: str) -> None:
        """``set cert regen UNIT``."""
        ...

    async def trusts(self, node: str, store: str | None = None) -> tuple[TrustEntry, ...]:
        """The trust certs of ``store`` on the node (every store when None)."""
        ...

    async def delete_trust(self, node: str, store: str, file: str) -> None: ...

    async def import_trust(self, node: str, store: str, pem: str) -> None: ...

    async def presented(self, node: str, unit: str) -> x509.Certificate | None:
        """The cert the node presents for ``unit`` on the wire now (None: nothing listens)."""
        ...

    async def service_status(self, node: str, names: Sequence[str]) -> dict[str, ServiceStatus]:
        """Each named service (every service the node lists when ``names`` is empty)."""
        ...

    async def control(self, node: str, service: str, action: Action, via: Via) -> None: ...

    async def wait_started(
        self, node: str, service: str, after: datetime | None, timeout: float, poll: float
    ) -> ServiceStatus:
        """Until the service is Started, at or after ``after`` (node clock); ServiceFailed when
        it stays Stopped or ``timeout`` passes."""
        ...

    async def ha_states(self, node: str) -> tuple[HaNodeState, ...]:
        """``utils ha status`` on the node: every group's nodes."""
        ...

    async def groups(self) -> tuple[RedundancyGroup, ...]:
        """The Presence Redundancy Groups and their HA flags (AXL)."""
        ...

    async def set_ha(self, group: str, enabled: bool) -> None: ...


class SnapshotSource(Protocol):
    """A fresh read of the whole cluster (the final verification)."""

    async def snapshot(self) -> Snapshot: ...


class Clock(Protocol):
    """Seconds for deadlines and waits (poll intervals, backoff, the HA sync wait)."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class LoopClock:
    """Real time: the running event loop's monotonic clock and ``asyncio.sleep``."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
