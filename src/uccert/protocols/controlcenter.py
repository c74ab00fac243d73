"""Serviceability Control Center SOAP (docs/design/interfaces.md §2), sans-IO: requests and reply
parsers.

Document/literal in the namespace ``http://schemas.cisco.com/ast/soap`` with qualified elements,
``SOAPAction`` = the operation name; request elements follow Cisco's
``ControlCenterServices.wsdl`` (tests validate them against its schema). Both operations reply
with a ``ServiceInformationResponse``: :func:`parse_service_information` reads either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

from lxml import etree

from uccert.protocols.soap import (
    SoapParseError,
    SoapRequest,
    child,
    children,
    envelope,
    local,
    reply_body,
    required_text,
    text,
)

NS: Final = "http://schemas.cisco.com/ast/soap"
CONTROL_CENTER_PATH: Final = "/controlcenterservice2/services/ControlCenterServices"
SUCCESSFUL: Final = -1  # ReasonCode of a successful call or item [seen]
ALREADY_STARTED: Final = -1039
ALREADY_STOPPED: Final = -1040
NO_SUCH_SERVICE: Final = -1010
NOT_ACTIVATED: Final = -1068  # "Service Not Activated" [seen]

ControlType = Literal["Start", "Stop", "Restart"]
CONTROL_TYPES: Final[tuple[ControlType, ...]] = ("Start", "Stop", "Restart")


@dataclass(frozen=True)
class ServiceInfo:
    """One ``ServiceInfoList/item``. ``start_time`` is the node's text (e.g. ``Wed Jan 01
    09:00:00 2025``), None when the service is not running; ``up_time`` seconds, -1 if none."""

    name: str
    status: str  # Started | Stopped | Starting | Stopping | Unknown
    reason_code: int
    reason: str | None
    start_time: str | None
    up_time: int


@dataclass(frozen=True)
class ServiceInformation:
    """A whole reply: the call's ``ReturnCode``/``ReasonCode``/``ReasonString`` and the items."""

    return_code: str
    reason_code: int
    reason: str | None
    services: tuple[ServiceInfo, ...]

    @property
    def ok(self) -> bool:
        return self.return_code == "0"

    def by_name(self) -> dict[str, ServiceInfo]:
        return {s.name: s for s in self.services}


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _request(operation: str) -> Any:
    return etree.Element(_q(operation), nsmap={"soap": NS})


def get_service_status(names: tuple[str, ...] | list[str] = ()) -> SoapRequest:
    """Status of the named services; no names = every service of the node."""
    req = _request("soapGetServiceStatus")
    for name in names or [""]:  # the schema wants one element at least; empty means all
        etree.SubElement(req, _q("ServiceStatus")).text = name
    return envelope(req, "soapGetServiceStatus")


def do_control_services(
    node_name: str, action: ControlType, names: tuple[str, ...] | list[str]
) -> SoapRequest:
    """Start, stop or restart services of the node called (``node_name`` names that node)."""
    if action not in CONTROL_TYPES:
        raise ValueError(f"action must be one of {', '.join(CONTROL_TYPES)}, not {action!r}")
    if not names:
        raise ValueError("name at least one service to control")
    req = _request("soapDoControlServices")
    ctl = etree.SubElement(req, _q("ControlServiceRequest"))
    etree.SubElement(ctl, _q("NodeName")).text = node_name
    etree.SubElement(ctl, _q("ControlType")).text = action
    services = etree.SubElement(ctl, _q("ServiceList"))
    for name in names:
        etree.SubElement(services, _q("item")).text = name
    return envelope(req, "soapDoControlServices")


def _int(element: Any, name: str, default: int | None = None) -> int:
    raw = text(element, name)
    if raw is None or raw == "":
        if default is not None:
            return default
        raise SoapParseError(f"{local(element)} has no {name}")
    try:
        return int(raw)
    except ValueError:
        raise SoapParseError(f"{local(element)}/{name} {raw!r} is not a number") from None


def parse_service_information(data: bytes, operation: str) -> ServiceInformation:
    """The reply of ``soapGetServiceStatus`` or ``soapDoControlServices`` (``operation``)."""
    ret = child(reply_body(data, operation), f"{operation}Return")
    if ret is None:
        raise SoapParseError(f"{operation}Response has no {operation}Return")
    info = child(ret, "ServiceInfoList")
    items = [] if info is None else children(info, "item")
    return ServiceInformation(
        return_code=text(ret, "ReturnCode") or "",
        reason_code=_int(ret, "ReasonCode", SUCCESSFUL),
        reason=text(ret, "ReasonString"),
        services=tuple(
            ServiceInfo(
                name=required_text(item, "ServiceName"),
                status=required_text(item, "ServiceStatus"),
                reason_code=_int(item, "ReasonCode", SUCCESSFUL),
                reason=text(item, "ReasonCodeString"),
                start_time=text(item, "StartTime") or None,
                up_time=_int(item, "UpTime", -1),
            )
            for item in items
        ),
    )


def parse_service_status(data: bytes) -> ServiceInformation:
    return parse_service_information(data, "soapGetServiceStatus")


def parse_control_services(data: bytes) -> ServiceInformation:
    return parse_service_information(data, "soapDoControlServices")


@dataclass(frozen=True)
class ProductInformation:
    """``getProductInformationList``: the node's active version (as ``show version active``
    prints it [guess: the same release string; the WSDL types it a plain string]) and its
    services' names. Cisco asks clients to send it once per node at start (DevNet, Control
    Center overview: https://developer.cisco.com/site/sxml/discover/overview/service-control/)."""

    active_version: str
    primary_node: str | None
    services: tuple[str, ...]


def get_product_information() -> SoapRequest:
    """The node's products, active version and services (``ServiceInfo`` is required by the
    WSDL's schema and carries nothing: sent empty [guess, as Cisco's samples leave it])."""
    req = _request("getProductInformationList")
    etree.SubElement(req, _q("ServiceInfo")).text = ""
    return envelope(req, "getProductInformationList")


def parse_product_information(data: bytes) -> ProductInformation:
    """The reply of ``getProductInformationList`` (schema: ``GetProductInformationListResponse``
    in Cisco's ControlCenterServices.wsdl)."""
    operation = "getProductInformationList"
    ret = child(reply_body(data, operation), f"{operation}Return")
    if ret is None:
        raise SoapParseError(f"{operation}Response has no {operation}Return")
    version = text(ret, "ActiveServerVersion")
    if not version:
        raise SoapParseError(f"{operation}Return has no ActiveServerVersion")
    services = child(ret, "Services")
    items = [] if services is None else children(services, "item")
    return ProductInformation(
        active_version=version,
        primary_node=text(ret, "PrimaryNode") or None,
        services=tuple(n for item in items if (n := text(item, "ServiceName"))),
    )
