"""Certificate Management REST over HTTPS (docs/design/interfaces.md §4, nodes at 14 and later): a
thin async client over :func:`http_client` and :mod:`uccert.protocols.certmgr` /
:mod:`uccert.protocols.csr` (the request bodies and reply parsers).

Call each node itself (port 443 on a real node) with the OS admin or the read-only OS account.
A node before 14 has no such API and answers 404: ``snapshot`` raises
:class:`~uccert.transport.errors.HttpStatusError` with status 404. The CSR and upload calls
raise :class:`CertMgrRefused` on any non-2xx answer, with what the node said.
"""

from __future__ import annotations

from typing import Any

import httpx

from uccert.protocols import CertMgrPayloadError, ServerSnapshot, certmgr
from uccert.protocols import csr as wire
from uccert.transport.errors import HttpStatusError
from uccert.transport.http import unexpected_status


class CertMgrRefused(HttpStatusError):
    """The node refused a CSR or upload call: ``{call} answered HTTP {status} ({what it said})``."""


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _refused(what: str, response: httpx.Response) -> CertMgrRefused:
    said = wire.error_message(_body(response)) or response.text[:160].strip() or "no detail"
    return CertMgrRefused(
        f"{what} answered HTTP {response.status_code} ({said})", status=response.status_code
    )


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

    async def generate_csr(self, body: dict[str, Any]) -> str:
        """``POST csr`` (a body from :func:`uccert.protocols.csr.csr_body`): the new CSR's PEM
        (the node keeps its key pending). CertMgrPayloadError when the reply holds no CSR."""
        response = await self.http.post(wire.CSR_PATH, json=body)
        if not response.is_success:  # any 2xx: third-party clients see 201
            raise _refused(f"POST csr ({body.get('service')})", response)
        return wire.parse_csr_reply(_body(response), "POST csr")

    async def pending_csr(self, unit: str) -> str | None:
        """``GET csr``: the CSR of ``unit`` waiting for its signed cert; None when there is none
        (404) or the reply holds none."""
        response = await self.http.get(wire.CSR_PATH, params={"service": unit})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise _refused(f"GET csr ({unit})", response)
        try:
            return wire.parse_csr_reply(_body(response), "GET csr")
        except CertMgrPayloadError:
            return None

    async def add_trust(self, store: str, pem: str, description: str) -> None:
        """``POST trust/certificates``: one CA cert into ``store``."""
        body = wire.trust_body(store, [pem], description)
        response = await self.http.post(wire.TRUST_PATH, json=body)
        if not response.is_success:  # any 2xx (201 seen by third-party clients)
            raise _refused(f"POST trust/certificates ({store})", response)

    async def add_identity(self, unit: str, pem: str) -> None:
        """``POST identity/certificates``: the signed cert for the CSR pending for ``unit``."""
        response = await self.http.post(wire.IDENTITY_PATH, json=wire.identity_body(unit, [pem]))
        if not response.is_success:  # any 2xx (201 seen by third-party clients)
            raise _refused(f"POST identity/certificates ({unit})", response)
