"""Serviceability Control Center over HTTPS (docs/design/interfaces.md §2): a thin async client over
:func:`http_client` and :mod:`uccert.protocols.controlcenter`.

It acts only on the node it is called on (build the client for that node). A SOAP fault raises
:class:`~uccert.protocols.soap.SoapFault`; per-service outcomes are in the returned
:class:`~uccert.protocols.controlcenter.ServiceInformation` (reason codes, e.g. -1068 not
activated). Cisco Tomcat and Cisco DB cannot be controlled here: restart them over SSH.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from uccert.protocols import ControlType, ProductInformation, ServiceInformation
from uccert.protocols import controlcenter as cc
from uccert.transport.http import post_soap


class ControlCenterClient:
    """``node_name`` goes into ``ControlServiceRequest/NodeName``; "" means the node called
    [guess for real nodes: Cisco's samples pass the node's host name — give it when known]."""

    def __init__(
        self, http: httpx.AsyncClient, node_name: str = "", path: str = cc.CONTROL_CENTER_PATH
    ) -> None:
        self.http = http
        self.node_name = node_name
        self.path = path

    async def status(self, names: Sequence[str] = ()) -> ServiceInformation:
        """Status of the named services (none: every service of the node)."""
        reply = await post_soap(self.http, self.path, cc.get_service_status(list(names)))
        return cc.parse_service_status(reply)

    async def product_information(self) -> ProductInformation:
        """The node's active version and services (``getProductInformationList``)."""
        reply = await post_soap(self.http, self.path, cc.get_product_information())
        return cc.parse_product_information(reply)

    async def control(self, names: Sequence[str], action: ControlType) -> ServiceInformation:
        """Start, Stop or Restart services; the reply carries each service's outcome."""
        request = cc.do_control_services(self.node_name, action, list(names))
        return cc.parse_control_services(await post_soap(self.http, self.path, request))
