"""AXL over HTTPS (docs/design/interfaces.md §3): a thin async client over :func:`http_client` and
:mod:`uccert.protocols.axl`. Call it on the CUCM publisher with the application admin.

AXL answers a fault with HTTP 500 and a SOAP fault body: that raises
:class:`~uccert.protocols.axl.AxlFault`; a schema version the publisher does not speak (HTTP
599, "Incorrect axl version") raises :class:`AxlVersionRefused` with the versions it lists; any
other unexpected status raises :class:`~uccert.transport.errors.HttpStatusError`.
"""

from __future__ import annotations

import httpx

from uccert.errors import ClusterError
from uccert.protocols import PresenceRedundancyGroup, ProcessNode, SoapRequest, axl
from uccert.transport.http import unexpected_status


class AxlVersionRefused(ClusterError):
    """The publisher does not speak the schema ``version``; ``supported`` as it listed them."""

    def __init__(self, version: str, supported: tuple[str, ...]) -> None:
        listed = ", ".join(supported) or "none listed"
        super().__init__(
            f"the publisher refused AXL schema {version} (it speaks: {listed})"
            " — uccert tries its other schemas; if none is listed, check the AXL service"
        )
        self.version = version
        self.supported = supported


class AxlClient:
    """``AxlClient(http, "12.5")``: the AXL schema ``version`` to speak (not newer than the
    cluster's own)."""

    def __init__(self, http: httpx.AsyncClient, version: str, path: str = axl.AXL_PATH) -> None:
        self.http = http
        self.version = version
        self.path = path

    async def _call(self, request: SoapRequest) -> bytes:
        response = await self.http.post(self.path, content=request.content, headers=request.headers)
        if response.status_code in (200, 500):
            return response.content
        if axl.is_wrong_version(response.status_code, response.text):
            raise AxlVersionRefused(self.version, axl.parse_supported_versions(response.text))
        raise unexpected_status(str(self.http.base_url), response, f"POST {self.path}")

    async def ccm_version(self) -> str:
        """The cluster's version as the publisher shows it (e.g. ``14.0.1.13900-155``)."""
        return axl.parse_ccm_version(await self._call(axl.get_ccm_version(self.version)))

    async def list_process_nodes(self) -> tuple[ProcessNode, ...]:
        """Every node of the cluster (CUCM and IM/P), without ``EnterpriseWideData``."""
        reply = await self._call(axl.list_process_node(self.version))
        return axl.parse_process_nodes(reply)

    async def list_groups(self) -> tuple[PresenceRedundancyGroup, ...]:
        reply = await self._call(axl.list_presence_redundancy_group(self.version))
        return axl.parse_presence_redundancy_groups(reply)

    async def get_group(self, name: str) -> PresenceRedundancyGroup:
        reply = await self._call(axl.get_presence_redundancy_group(self.version, name))
        return axl.parse_presence_redundancy_group(reply)

    async def set_ha(self, name: str, enabled: bool) -> None:
        """Turn High Availability of a Presence Redundancy Group on or off."""
        request = axl.update_presence_redundancy_group(self.version, name, enabled)
        axl.parse_update_presence_redundancy_group(await self._call(request))
