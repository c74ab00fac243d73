"""`NodeSessions`: one admin CLI session and one REST client per node, kept for a whole command.

A real node takes 10 to 15 s to log in over SSH, so a command that reads a cluster, then reads
or changes some of its nodes again (``uccert upload``: the snapshot, the pending CSRs, the
service start times, the uploads and their read-back) logs in to each node once and reuses
that session. A session is opened on first use and reopened only when it has dropped (the node
closes idle sessions); ``close`` ends them all. The sessions themselves are the transport's
(`uccert.transport.ssh_cli.AdminCliSession`, built by `NodeTargets`).

One session runs one command at a time: callers use a node's session from one task at a time
(the readers here take each node in its own task).
"""

from __future__ import annotations

import asyncio
from types import TracebackType

import httpx

from uccert.cluster.targets import NodeTargets
from uccert.transport import AdminCliSession


class NodeSessions:
    """Per-node sessions of one cluster, opened lazily and kept until :meth:`close`. Use as
    ``async with NodeSessions(targets) as sessions``."""

    def __init__(self, targets: NodeTargets) -> None:
        self.targets = targets
        self._cli: dict[str, AdminCliSession] = {}
        self._rest: dict[str, httpx.AsyncClient] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def __aenter__(self) -> NodeSessions:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def cli(self, name: str, fqdn: str) -> AdminCliSession:
        """The node's admin CLI session, logged in (again only if it dropped)."""
        async with self._locks.setdefault(name, asyncio.Lock()):
            session = self._cli.get(name)
            if session is None:
                session = self._cli[name] = self.targets.cli_session(name, fqdn)
            await session.ensure_connected()
            return session

    def rest(self, name: str, fqdn: str) -> httpx.AsyncClient:
        """The node's Certificate Management REST client (HTTPS as the OS admin)."""
        client = self._rest.get(name)
        if client is None or client.is_closed:
            client = self._rest[name] = self.targets.rest_http(name, fqdn)
        return client

    async def close(self) -> None:
        """End every session and client (best effort: a node may already be gone)."""
        cli, self._cli = list(self._cli.values()), {}
        rest, self._rest = list(self._rest.values()), {}
        await asyncio.gather(
            *(s.close() for s in cli), *(c.aclose() for c in rest), return_exceptions=True
        )
