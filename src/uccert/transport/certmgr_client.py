"""Certificate Management REST over HTTPS (docs/design/interfaces.md §4, nodes at 14 and later): a
thin
async client over :func:`http_client` and :mod:`uccert.protocols.certmgr`.

Call each node itself (port 443 on a real node) with the OS admin or the read-only OS account.
A node before 14 has no such API and answers 404: that raises
:class:`~uccert.transport.errors.HttpStatusError` with status 404.
"""

from __future__ import annotations

import httpx

from uccert.protocols import certmgr
from uccert.protocols.certmgr import CertMgrPayloadError, ServerSnapshot
from uccert.transport.http import unexpected_status


class CertMgrClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def snapshot(self) -> ServerSnapshot:
        """The node's identity certificates (with pending CSRs) and trust stores."""
        response = await self.http.get(certmgr.SNAPSHOT_PATH)
        if response.status_code != 200:
            raise unexpected_status(str(self.http.base_url), response, "GET snapshot/server")
        try:
            payload = response.json()
        except ValueError as exc:
            raise CertMgrPayloadError(f"snapshot/server: the reply is not JSON ({exc})") from exc
        return certmgr.parse_snapshot(payload)
