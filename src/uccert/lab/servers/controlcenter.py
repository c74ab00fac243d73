"""Serviceability Control Center SOAP (docs/design/interfaces.md §2), served from Cisco's own WSDL.

``/controlcenterservice2/services/ControlCenterServices`` (and ``...Ex``): ``GET ?wsdl`` returns
Cisco's WSDL (package data, MIT licensed, see ``wsdl/LICENSE.ControlCenterServices.txt``) with
the soap:address rewritten to this node; ``POST`` takes SOAP 1.1 document/literal requests in
the ``http://schemas.cisco.com/ast/soap`` namespace, parsed and answered with lxml.

Operations: ``soapGetServiceStatus``, ``soapDoControlServices``, ``soapGetStaticServiceList``,
``getProductInformationList``.
The service acts only on the node it is called on, refuses Cisco Tomcat and Cisco DB (the API
runs inside Tomcat: restart it over SSH), and answers with the reason codes real nodes use:
-1 Successful, -1068 Service Not Activated, -1069 Commanded Out of Service, -1039 already
started, -1040 already stopped, -1010 no such service. Two codes are the lab's own choice
(documented here, not seen on a real node): -1019 "Component is not running" for a service
whose start failed, and -1098 for a command the node refuses (Tomcat/DB, service in transition).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from lxml import etree

from uccert.lab.state import LabCommandError, ServiceView

from .axl import unavailable
from .http_context import HttpContext, authenticate

NS = "http://schemas.cisco.com/ast/soap"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"

BASE_PATH = "/controlcenterservice2/services"
SERVICE_PATHS = (f"{BASE_PATH}/ControlCenterServices", f"{BASE_PATH}/ControlCenterServicesEx")

SUCCESSFUL = -1
NO_SUCH_SERVICE = -1010
NOT_RUNNING = -1019  # lab's choice (see module docstring)
ALREADY_STARTED = -1039
ALREADY_STOPPED = -1040
NOT_ACTIVATED = -1068
COMMANDED_OUT = -1069
REFUSED = -1098  # lab's choice (see module docstring)

REASON_TEXT = {
    SUCCESSFUL: "Successful",
    NO_SUCH_SERVICE: "Service Not Found",
    NOT_RUNNING: "Component is not running",
    ALREADY_STARTED: "Service Already Started",
    ALREADY_STOPPED: "Service Already Stopped",
    NOT_ACTIVATED: "Service Not Activated",
    COMMANDED_OUT: "Commanded Out of Service",
}

# The API runs inside Tomcat and needs the database: real nodes refuse to control these here.
UNCONTROLLABLE = ("Cisco Tomcat", "Cisco DB")

_ACTIONS = {"Start": "start", "Stop": "stop", "Restart": "restart"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class SoapFault(Exception):
    def __init__(self, message: str, code: str = "Client") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def wsdl_text() -> bytes:
    return (resources.files(__package__) / "wsdl" / "ControlCenterServices.wsdl").read_bytes()


def wsdl_for(location: str) -> bytes:
    """Cisco's WSDL with the soap:address pointing at ``location``."""
    root = etree.fromstring(wsdl_text(), _PARSER)
    for address in root.iter(f"{{{WSDL_SOAP_NS}}}address"):
        address.set("location", location)
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return out


# -- building replies ---------------------------------------------------------------------------


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _child(parent: Any, name: str, text: str | None) -> Any:
    element = etree.SubElement(parent, _q(name))
    if text is None:
        element.set(f"{{{XSI}}}nil", "true")
    else:
        element.text = text
    return element


def _envelope() -> tuple[Any, Any]:
    env = etree.Element(
        f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV, "ns": NS, "xsi": XSI}
    )
    body = etree.SubElement(env, f"{{{SOAP_ENV}}}Body")
    return env, body


def _xml_response(env: Any, status: int = 200) -> Response:
    content = etree.tostring(env, xml_declaration=True, encoding="UTF-8")
    return Response(content, status_code=status, media_type="text/xml; charset=utf-8")


def fault_response(fault: SoapFault) -> Response:
    env, body = _envelope()
    element = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(element, "faultcode").text = f"soapenv:{fault.code}"
    etree.SubElement(element, "faultstring").text = fault.message
    return _xml_response(env, 500)


@dataclass(frozen=True)
class Item:
    name: str
    status: str  # Started | Stopped | Starting | Stopping | Unknown
    code: int
    text: str | None
    start_time: str | None
    up_time: int


def _ctime(when: dt.datetime) -> str:
    return when.strftime("%a %b %d %H:%M:%S %Y")


def status_item(ctx: HttpContext, view: ServiceView) -> Item:
    lab = ctx.lab
    if not view.activated:
        return Item(view.name, "Stopped", NOT_ACTIVATED, REASON_TEXT[NOT_ACTIVATED], None, -1)
    if view.state == "Started" and view.started_at is not None:
        up = max(0, int(lab.now - view.started_at))
        started = lab.now_datetime() - dt.timedelta(seconds=lab.now - view.started_at)
        local = started.astimezone(ZoneInfo(lab.topology.zone_of(ctx.node)))  # node's local time
        return Item(view.name, "Started", SUCCESSFUL, None, _ctime(local), up)
    if view.state == "Stopped":
        code = NOT_RUNNING if view.reason == REASON_TEXT[NOT_RUNNING] else COMMANDED_OUT
        return Item(view.name, "Stopped", code, REASON_TEXT[code], None, -1)
    return Item(view.name, view.state, SUCCESSFUL, None, None, -1)


def unknown_item(name: str) -> Item:
    """A service name the node does not know, in a control request: no such service."""
    return Item(name, "Unknown", NO_SUCH_SERVICE, REASON_TEXT[NO_SUCH_SERVICE], None, -1)


def unknown_status_item(name: str) -> Item:
    """A service name the node does not know, in a status request: real Control Center
    reports it Stopped, not an error, so a wrong (e.g. renamed) name reads like a stopped
    service [seen: reported against a real node in the project's issue 13; guess: with the
    Successful reason code, nothing telling it apart]."""
    return Item(name, "Stopped", SUCCESSFUL, None, None, -1)


def _info_response(operation: str, items: list[Item]) -> Response:
    env, body = _envelope()
    wrapper = etree.SubElement(body, _q(f"{operation}Response"))
    ret = etree.SubElement(wrapper, _q(f"{operation}Return"))
    failed = next((i for i in items if i.code not in (SUCCESSFUL,)), None)
    if operation == "soapGetServiceStatus":
        # a status report succeeds even when it reports stopped services; only lookups fail
        failed = next((i for i in items if i.code == NO_SUCH_SERVICE), None)
    _child(ret, "ReturnCode", "0" if failed is None else "1")
    _child(ret, "ReasonCode", str(SUCCESSFUL if failed is None else failed.code))
    _child(ret, "ReasonString", None if failed is None else failed.text)
    info = etree.SubElement(ret, _q("ServiceInfoList"))
    for item in items:
        element = etree.SubElement(info, _q("item"))
        _child(element, "ServiceName", item.name)
        _child(element, "ServiceStatus", item.status)
        _child(element, "ReasonCode", str(item.code))
        _child(element, "ReasonCodeString", item.text)
        _child(element, "StartTime", item.start_time)
        _child(element, "UpTime", str(item.up_time))
    return _xml_response(env)


# -- operations ---------------------------------------------------------------------------------


def _visible(ctx: HttpContext) -> dict[str, ServiceView]:
    """The services Control Center shows (not the platform ones `utils service list` tops)."""
    return {s.name: s for s in ctx.lab.services(ctx.node) if not s.platform}


def _lookup(services: dict[str, ServiceView], name: str) -> ServiceView | None:
    if name in services:
        return services[name]
    folded = {k.lower(): v for k, v in services.items()}
    return folded.get(name.lower())


def _texts(parent: Any, name: str) -> list[str]:
    return [(e.text or "").strip() for e in parent.findall(_q(name))]


def get_service_status(ctx: HttpContext, request: Any) -> Response:
    names = [n for n in _texts(request, "ServiceStatus") if n]
    services = _visible(ctx)
    if not names:
        items = [status_item(ctx, s) for s in services.values()]
    else:
        items = []
        for name in names:
            view = _lookup(services, name)
            items.append(unknown_status_item(name) if view is None else status_item(ctx, view))
    return _info_response("soapGetServiceStatus", items)


def _node_matches(ctx: HttpContext, node_name: str) -> bool:
    spec = ctx.lab.spec(ctx.node)
    wanted = node_name.strip().lower()
    return wanted in ("", spec.name.lower(), spec.fqdn.lower(), spec.fqdn.split(".")[0].lower())


def do_control_services(ctx: HttpContext, request: Any) -> Response:
    req = request.find(_q("ControlServiceRequest"))
    if req is None:
        raise SoapFault("soapDoControlServices needs a ControlServiceRequest element")
    node_el = req.find(_q("NodeName"))
    node_name = (node_el.text or "") if node_el is not None else ""
    if not _node_matches(ctx, node_name):
        spec = ctx.lab.spec(ctx.node)
        raise SoapFault(
            f"NodeName {node_name!r} is not this node ({spec.fqdn}): Control Center acts only on"
            " the node it is called on; call that node's own URL",
            "Server",
        )
    type_el = req.find(_q("ControlType"))
    control = (type_el.text or "").strip() if type_el is not None else ""
    if control not in _ACTIONS:
        raise SoapFault(f"ControlType must be Start, Stop or Restart, not {control!r}")
    action = _ACTIONS[control]
    list_el = req.find(_q("ServiceList"))
    names = [n for n in _texts(list_el, "item") if n] if list_el is not None else []
    if not names:
        raise SoapFault("ServiceList names no service (ServiceList/item)")
    lab = ctx.lab
    outcome: list[tuple[str, Item | None]] = []  # None: commanded, report its state afterwards
    for name in names:
        view = _lookup(_visible(ctx), name)
        if view is None:
            outcome.append((name, unknown_item(name)))
            continue
        current = status_item(ctx, view)
        if view.name in UNCONTROLLABLE:
            text = (
                f"{view.name} cannot be controlled through Control Center (the service runs"
                f" in or under Tomcat); use 'utils service restart {view.name}' over SSH"
            )
            outcome.append((name, _with(current, REFUSED, text)))
        elif not view.activated:
            outcome.append((name, current))
        elif action == "start" and view.state == "Started":
            outcome.append((name, _with(current, ALREADY_STARTED)))
        elif action == "stop" and view.state == "Stopped":
            outcome.append((name, _with(current, ALREADY_STOPPED)))
        else:
            try:
                lab.control_service(ctx.node, view.name, action, via="soap")  # type: ignore[arg-type]
            except LabCommandError as exc:
                outcome.append((name, _with(current, REFUSED, str(exc))))
            else:
                outcome.append((view.name, None))
    ctx.clock.settle()
    services = _visible(ctx)
    items = [
        item if item is not None else _with(status_item(ctx, services[name]), SUCCESSFUL, None)
        for name, item in outcome
    ]
    return _info_response("soapDoControlServices", items)


def _with(item: Item, code: int, text: str | None = "") -> Item:
    return Item(
        item.name,
        item.status,
        code,
        REASON_TEXT.get(code) if text == "" else text,
        item.start_time,
        item.up_time,
    )


def get_static_service_list(ctx: HttpContext, request: Any) -> Response:
    product = ctx.lab.spec(ctx.node).product
    group = "CM Services" if product == "cucm" else "IM and Presence Services"
    env, body = _envelope()
    wrapper = etree.SubElement(body, _q("soapGetStaticServiceListResponse"))
    ret = etree.SubElement(wrapper, _q("soapGetStaticServiceListReturn"))
    services = etree.SubElement(ret, _q("Services"))
    for view in _visible(ctx).values():
        item = etree.SubElement(services, _q("item"))
        _child(item, "ServiceName", view.name)
        _child(item, "ServiceType", "Service")
        _child(item, "Deployable", "false" if view.name in UNCONTROLLABLE else "true")
        _child(item, "GroupName", group)
        etree.SubElement(item, _q("DependentServices"))
    return _xml_response(env)


def get_product_information_list(ctx: HttpContext, request: Any) -> Response:
    """The node's active version, its product and its services. Structure: Cisco's WSDL
    (``GetProductInformationListResponse``: ActiveServerVersion, PrimaryNode, SecondaryNode,
    Products, Services); Cisco asks clients to send it once per node
    (https://developer.cisco.com/site/sxml/discover/overview/service-control/). Values are
    [guess]: ActiveServerVersion as `show version active` prints it, PrimaryNode the cluster's
    CUCM publisher, no SecondaryNode, one product named as the node's install names it."""
    lab = ctx.lab
    spec = lab.spec(ctx.node)
    publisher = next(
        (
            lab.spec(n).name
            for n in lab.node_names()
            if lab.spec(n).product == "cucm" and lab.spec(n).role == "publisher"
        ),
        None,
    )
    product = (
        ("Cisco Unified Communications Manager", "CallManager")
        if spec.product == "cucm"
        else ("Cisco Unified IM and Presence", "IMandPresence")
    )
    env, body = _envelope()
    wrapper = etree.SubElement(body, _q("getProductInformationListResponse"))
    ret = etree.SubElement(wrapper, _q("getProductInformationListReturn"))
    version = lab.display_version(ctx.node)
    _child(ret, "ActiveServerVersion", version)
    _child(ret, "PrimaryNode", publisher)
    _child(ret, "SecondaryNode", None)
    products = etree.SubElement(ret, _q("Products"))
    item = etree.SubElement(products, _q("item"))
    _child(item, "ProductName", product[0])
    _child(item, "ProductVersion", version)
    _child(item, "ProductDescription", product[0])
    _child(item, "ProductID", product[1])
    _child(item, "ShortName", product[1])
    services = etree.SubElement(ret, _q("Services"))
    for view in _visible(ctx).values():
        entry = etree.SubElement(services, _q("item"))
        _child(entry, "ServiceName", view.name)
        _child(entry, "ServiceType", "Service")
        _child(entry, "Deployable", "false" if view.name in UNCONTROLLABLE else "true")
        _child(
            entry,
            "GroupName",
            "CM Services" if spec.product == "cucm" else "IM and Presence Services",
        )
        _child(entry, "ProductID", product[1])
        etree.SubElement(entry, _q("DependentServices"))
    return _xml_response(env)


OPERATIONS = {
    "getProductInformationList": get_product_information_list,
    "soapGetServiceStatus": get_service_status,
    "soapDoControlServices": do_control_services,
    "soapGetStaticServiceList": get_static_service_list,
}


def handle_soap(ctx: HttpContext, body: bytes, soap_action: str | None) -> Response:
    """One SOAP request -> its reply (a SOAP Fault for anything malformed)."""
    try:
        try:
            root = etree.fromstring(body, _PARSER)
        except etree.XMLSyntaxError as exc:
            raise SoapFault(f"the request is not well-formed XML: {exc}") from None
        if root.tag != f"{{{SOAP_ENV}}}Envelope":
            raise SoapFault("the request is not a SOAP 1.1 Envelope")
        soap_body = root.find(f"{{{SOAP_ENV}}}Body")
        if soap_body is None or len(soap_body) == 0:
            raise SoapFault("the SOAP Envelope has no Body with a request in it")
        request = soap_body[0]
        qname = etree.QName(request)
        if qname.namespace != NS or qname.localname not in OPERATIONS:
            raise SoapFault(f"no operation {request.tag} in ControlCenterServices")
        action = (soap_action or "").strip().strip('"')
        if action and action.rsplit("/", 1)[-1] != qname.localname:
            raise SoapFault(f"SOAPAction {action!r} does not match the body ({qname.localname})")
        if ctx.lab.take_fault("controlcenter-fails", ctx.node, qname.localname) is not None:
            return unavailable()
        ctx.clock.sync()
        return OPERATIONS[qname.localname](ctx, request)
    except SoapFault as fault:
        return fault_response(fault)


def router(ctx: HttpContext) -> APIRouter:
    api = APIRouter()
    allowed = (ctx.accounts.app_admin, ctx.accounts.os_admin)

    def unauthorized() -> Response:
        return Response(
            "401 Unauthorized\n",
            status_code=401,
            media_type="text/plain",
            headers={"WWW-Authenticate": 'Basic realm="Cisco Serviceability"'},
        )

    async def get(request: Request) -> Response:
        if authenticate(request.headers.get("authorization"), *allowed) is None:
            return unauthorized()
        if any(k.lower() == "wsdl" for k in request.query_params):
            location = str(request.url.replace(query=None))
            return Response(wsdl_for(location), media_type="text/xml; charset=utf-8")
        return Response(
            "ControlCenterServices: POST SOAP requests here; ?wsdl for the contract\n",
            media_type="text/plain",
        )

    async def post(request: Request) -> Response:
        if authenticate(request.headers.get("authorization"), *allowed) is None:
            return unauthorized()
        body = await request.body()
        return handle_soap(ctx, body, request.headers.get("soapaction"))

    for path in SERVICE_PATHS:
        api.add_api_route(path, get, methods=["GET"], include_in_schema=False)
        api.add_api_route(path, post, methods=["POST"], include_in_schema=False)
    return api
