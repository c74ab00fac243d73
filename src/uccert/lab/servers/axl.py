"""AXL SOAP on the CUCM publisher (docs/design/interfaces.md §3): the few operations uccert and
its users need.

``POST /axl/`` takes a SOAP 1.1 envelope whose body element is in the namespace
``http://www.cisco.com/AXL/API/<ver>``, with ``SOAPAction: "CUCM:DB ver=<ver> <operation>"``,
and answers in the caller's namespace with unqualified children, like a real publisher:

- ``getCCMVersion``: ``return/componentVersion/version`` = the publisher's display version;
- ``listProcessNode``: every node (name = FQDN) plus the pseudo-node ``EnterpriseWideData``;
- ``listPresenceRedundancyGroup`` / ``getPresenceRedundancyGroup`` (name or uuid) /
  ``updatePresenceRedundancyGroup`` (``haEnabled`` goes to ``lab.set_ha(..., via="axl")``).

Errors are SOAP faults with ``detail/axlError/{axlcode, axlmessage, request}`` and HTTP 500; a
schema version the publisher does not speak is HTTP 599 with an HTML page listing those it does.
Only the application admin may call it (401 otherwise). Requests are parsed with a hardened lxml
parser and answers are built as element trees (no text templates). The router carries the full
path: mount it with ``app.include_router(router(ctx))`` (no extra prefix).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable

from fastapi import APIRouter, Request, Response
from lxml import etree

from uccert.lab.state import LabCommandError

from .http_context import HttpContext, authenticate

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
AXL_NS_PREFIX = "http://www.cisco.com/AXL/API/"
# AXL schema versions the lab answers; a version newer than the cluster's own is refused, as a
# real publisher does not know a later schema. From 15 Cisco removes the schemas of the N-3
# major releases (https://developer.cisco.com/web/axl-developer/axl-versioning): a 15 publisher
# answers 12.x, 14.0 and 15.0 only (OLDEST_SCHEMA_MAJOR). Earlier releases keep every older
# schema here [guess: Cisco documents the removal for 15; the lab leaves older releases as they
# were].
AXL_VERSIONS = ("8.5", "9.0", "9.1", "10.0", "10.5", "11.0", "11.5", "12.0", "12.5", "14.0", "15.0")
OLDEST_SCHEMA_MAJOR = {15: 12}
# A refused schema version is not a SOAP fault: Tomcat answers HTTP 599 with an HTML error page
# that lists the versions it speaks [seen in third-party captures of 14 and 15 publishers, e.g.
# "HTTP Status 599 - Incorrect axl version. Supported axl versions are 12.x, 14.0 and 15.0";
# no Cisco document shows it; the page's markup around the message is a guess].
WRONG_VERSION_STATUS = 599
MAX_BODY = 1_000_000

# axlcode values [doc: AXL error codes]
ITEM_NOT_VALID = 5007  # "Item not valid: The specified <x> was not found"
INVALID_ARGUMENT = 5003  # [guess] used for malformed requests and unsupported changes
UNKNOWN_REQUEST = 5000  # [guess] operation the lab does not serve

# The pseudo-node every CUCM database has; its pkid is fixed across installs [seen].
ENTERPRISE_WIDE_DATA = "EnterpriseWideData"
ENTERPRISE_WIDE_UUID = "{00000000-1111-0000-0000-000000000000}"
# [guess] what real CUCM shows in the other columns of the pseudo-node
ENTERPRISE_WIDE_USAGE = "Subscriber"
ENTERPRISE_WIDE_ROLE = "CUCM Voice/Video"
NUM_USERS = 0  # [guess] the lab has no users assigned to groups

_UUID_NS = uuid.UUID("6c1b8e04-6a41-4d4e-9a54-2f0d8a3b7c11")
_SOAPACTION = re.compile(r'^\s*"?CUCM:DB ver=(?P<ver>[0-9.]+)(?:\s+(?P<op>\w+))?"?\s*$')
_TRUE = frozenset({"true", "t", "1"})
_FALSE = frozenset({"false", "f", "0"})

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True, load_dtd=False
)


class AxlFault(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def stable_uuid(kind: str, name: str) -> str:
    """An AXL-style braced upper-case GUID (8-4-4-4-12 hex digits), the same for the same
    object across lab runs."""
    return "{" + str(uuid.uuid5(_UUID_NS, f"{kind}:{name}")).upper() + "}"


def _version_key(ver: str) -> tuple[int, int]:
    parts = [*ver.split("."), "0"]
    return int(parts[0]), int(parts[1])


def _local(el: etree._Element) -> str:
    return str(etree.QName(el).localname)


def _child(el: etree._Element | None, name: str) -> etree._Element | None:
    """The first child with this local name (children are unqualified; qualified ones work)."""
    if el is None:
        return None
    for c in el:
        if isinstance(c.tag, str) and _local(c) == name:
            return c
    return None


def _text(el: etree._Element | None, name: str) -> str | None:
    c = _child(el, name)
    return None if c is None else (c.text or "").strip()


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, name)
    if text is not None:
        el.text = text
    return el


def _envelope() -> tuple[etree._Element, etree._Element]:
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV})
    body = etree.SubElement(env, f"{{{SOAP_ENV}}}Body")
    return env, body


def _xml_response(env: etree._Element, status: int = 200) -> Response:
    data = etree.tostring(env, xml_declaration=True, encoding="UTF-8")
    return Response(data, status_code=status, media_type="text/xml; charset=utf-8")


def supported_versions(publisher_version: str) -> tuple[str, ...]:
    """The schemas a publisher of ``publisher_version`` answers, oldest first."""
    mine = _version_key(publisher_version)
    floor = OLDEST_SCHEMA_MAJOR.get(mine[0], 0)
    return tuple(v for v in AXL_VERSIONS if floor <= _version_key(v)[0] and _version_key(v) <= mine)


def supported_text(versions: tuple[str, ...]) -> str:
    """``12.x, 14.0 and 15.0``: a major with several schemas is written ``N.x``."""
    majors: dict[int, list[str]] = {}
    for v in versions:
        majors.setdefault(_version_key(v)[0], []).append(v)
    words = [f"{m}.x" if len(vs) > 1 else vs[0] for m, vs in majors.items()]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def wrong_version_response(
    publisher_version: str, versions: tuple[str, ...] | None = None
) -> Response:
    """The 599 refusal; ``versions`` (default: those of ``publisher_version``) are listed."""
    listed = supported_versions(publisher_version) if versions is None else versions
    message = f"Incorrect axl version. Supported axl versions are {supported_text(listed)}"
    page = (
        "<html><head><title>Error</title></head><body>"
        f"<h1>HTTP Status {WRONG_VERSION_STATUS} - {message}</h1>"
        f"<p><b>Message:</b> {message}</p></body></html>"
    )
    return Response(page, status_code=WRONG_VERSION_STATUS, media_type="text/html;charset=utf-8")


def fault_response(code: int, message: str, request: str) -> Response:
    env, body = _envelope()
    fault = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    _sub(fault, "faultcode", "soapenv:Client" if code != UNKNOWN_REQUEST else "soapenv:Server")
    _sub(fault, "faultstring", message)
    detail = _sub(fault, "detail")
    error = _sub(detail, "axlError")
    _sub(error, "axlcode", str(code))
    _sub(error, "axlmessage", message)
    _sub(error, "request", request)
    return _xml_response(env, 500)


def _wildcard(pattern: str | None) -> Callable[[str], bool]:
    """AXL search: ``%`` matches any run of characters; case-insensitive; absent = all."""
    if pattern is None:
        return lambda _: True
    rx = re.compile(
        "^" + ".*".join(re.escape(p) for p in pattern.split("%")) + "$", re.IGNORECASE | re.DOTALL
    )
    return lambda value: rx.match(value) is not None


def _wanted(returned_tags: etree._Element | None, fields: Iterable[str]) -> list[str]:
    """Fields to return: those named in returnedTags, or all when it names none."""
    names = (
        []
        if returned_tags is None
        else [_local(c) for c in returned_tags if isinstance(c.tag, str)]
    )
    all_fields = list(fields)
    chosen = [f for f in all_fields if f in names]
    return chosen or all_fields


class _Axl:
    def __init__(self, ctx: HttpContext) -> None:
        self.ctx = ctx
        self.lab = ctx.lab

    # -- model -------------------------------------------------------------------------------

    def _publisher_version(self) -> str:
        return self.lab.display_version(self.ctx.node)

    def _process_nodes(self) -> list[dict[str, str]]:
        rows = []
        for n in self.lab.topology.nodes:
            rows.append(
                {
                    "uuid": stable_uuid("processnode", n.fqdn),
                    "name": n.fqdn,
                    "description": n.name,
                    "nodeUsage": "Publisher" if n.role == "publisher" else "Subscriber",
                    "processNodeRole": (
                        "CUCM Voice/Video" if n.product == "cucm" else "CUCM IM and Presence"
                    ),
                }
            )
        rows.append(
            {
                "uuid": ENTERPRISE_WIDE_UUID,
                "name": ENTERPRISE_WIDE_DATA,
                "description": "",
                "nodeUsage": ENTERPRISE_WIDE_USAGE,
                "processNodeRole": ENTERPRISE_WIDE_ROLE,
            }
        )
        return rows

    def _groups(self) -> list[dict[str, str]]:
        out = []
        for g in self.lab.groups():
            out.append(
                {
                    "uuid": stable_uuid("presenceredundancygroup", g.name),
                    "name": g.name,
                    "description": g.name,
                    "server1": self.lab.spec(g.server1).fqdn,
                    "server2": self.lab.spec(g.server2).fqdn,
                    "haEnabled": "true" if g.ha_enabled else "false",
                    "numUsers": str(NUM_USERS),
                }
            )
        return out

    def _find_group(self, req: etree._Element, op: str) -> dict[str, str]:
        name, ident = _text(req, "name"), _text(req, "uuid")
        if not name and not ident:
            raise AxlFault(INVALID_ARGUMENT, f"{op}: give name or uuid")
        for g in self._groups():
            if (name and g["name"].lower() == name.lower()) or (
                ident and g["uuid"].lower() == ident.lower()
            ):
                return g
        what = f"name {name}" if name else f"uuid {ident}"
        raise AxlFault(
            ITEM_NOT_VALID,
            f"Item not valid: The specified Presence Redundancy Group ({what}) was not found",
        )

    # -- operations ----------------------------------------------------------------------------

    def get_ccm_version(self, req: etree._Element, out: etree._Element) -> None:
        ret = _sub(out, "return")
        _sub(_sub(ret, "componentVersion"), "version", self._publisher_version())

    def list_process_node(self, req: etree._Element, out: etree._Element) -> None:
        criteria = _child(req, "searchCriteria")
        if criteria is None:
            raise AxlFault(INVALID_ARGUMENT, "listProcessNode: searchCriteria is required")
        tests = {
            f: _wildcard(_text(criteria, f)) for f in ("name", "description", "processNodeRole")
        }
        fields = _wanted(
            _child(req, "returnedTags"), ("name", "description", "nodeUsage", "processNodeRole")
        )
        ret = _sub(out, "return")
        for row in self._process_nodes():
            if all(test(row[f]) for f, test in tests.items()):
                node = etree.SubElement(ret, "processNode", uuid=row["uuid"])
                for f in fields:
                    _sub(node, f, row[f])

    def list_group(self, req: etree._Element, out: etree._Element) -> None:
        criteria = _child(req, "searchCriteria")
        if criteria is None:
            raise AxlFault(
                INVALID_ARGUMENT, "listPresenceRedundancyGroup: searchCriteria is required"
            )
        tests = {f: _wildcard(_text(criteria, f)) for f in ("name", "description")}
        fields = _wanted(_child(req, "returnedTags"), _GROUP_FIELDS)
        ret = _sub(out, "return")
        for g in self._groups():
            if all(test(g[f]) for f, test in tests.items()):
                self._group_element(ret, g, fields)

    def get_group(self, req: etree._Element, out: etree._Element) -> None:
        g = self._find_group(req, "getPresenceRedundancyGroup")
        fields = _wanted(_child(req, "returnedTags"), _GROUP_FIELDS)
        self._group_element(_sub(out, "return"), g, fields)

    def update_group(self, req: etree._Element, out: etree._Element) -> None:
        g = self._find_group(req, "updatePresenceRedundancyGroup")
        for field in ("newName", "server1", "server2"):
            value = _text(req, field)
            current = g["name"] if field == "newName" else g[field]
            if value and value.lower() != current.lower():
                raise AxlFault(
                    INVALID_ARGUMENT,
                    f"the lab cannot change {field} of a Presence Redundancy Group; only haEnabled",
                )
        raw = _text(req, "haEnabled")
        if raw is not None:
            flag = raw.lower()
            if flag not in _TRUE | _FALSE:
                raise AxlFault(
                    INVALID_ARGUMENT, f"haEnabled {raw!r}: use true, false, t, f, 1 or 0"
                )
            enabled = flag in _TRUE
            # Setting the flag to the value it has changes nothing (no ha-changed event).
            if enabled != (g["haEnabled"] == "true"):
                try:
                    self.lab.set_ha(g["name"], enabled, via="axl")
                except LabCommandError as exc:
                    raise AxlFault(ITEM_NOT_VALID, str(exc)) from None
                self.ctx.clock.settle()
        _sub(out, "return", g["uuid"])

    @staticmethod
    def _group_element(parent: etree._Element, g: dict[str, str], fields: list[str]) -> None:
        el = etree.SubElement(parent, "presenceRedundancyGroup", uuid=g["uuid"])
        for f in fields:
            child = _sub(el, f, g[f])
            if f in ("server1", "server2"):
                child.set("uuid", stable_uuid("processnode", g[f]))

    # -- dispatch ------------------------------------------------------------------------------

    def handle(self, payload: bytes, soap_action: str | None) -> Response:
        try:
            root = etree.fromstring(payload, _PARSER)
        except etree.XMLSyntaxError:
            return fault_response(INVALID_ARGUMENT, "the request is not well-formed XML", "")
        body = _child(root, "Body") if etree.QName(root).namespace == SOAP_ENV else None
        if _local(root) != "Envelope" or body is None or _child_any(body) is None:
            return fault_response(INVALID_ARGUMENT, "not a SOAP 1.1 envelope with a body", "")
        req = _child_any(body)
        assert req is not None
        qname = etree.QName(req)
        op = qname.localname
        ns = qname.namespace or ""
        if not ns.startswith(AXL_NS_PREFIX):
            return fault_response(INVALID_ARGUMENT, f"namespace {ns!r} is not an AXL namespace", op)
        ver = ns[len(AXL_NS_PREFIX) :]
        if soap_action:
            m = _SOAPACTION.match(soap_action)
            if m is None:
                return fault_response(
                    INVALID_ARGUMENT, 'SOAPAction must read "CUCM:DB ver=<version> <operation>"', op
                )
            if m["ver"] != ver or (m["op"] and m["op"] != op):
                return fault_response(
                    INVALID_ARGUMENT,
                    f"SOAPAction {soap_action.strip()} does not match the body ({ver} {op})",
                    op,
                )
        if ver not in supported_versions(self._publisher_version()):
            return wrong_version_response(self._publisher_version())
        if self.ctx.lab.take_fault("axl-fails", self.ctx.node, op) is not None:
            return unavailable()
        handler = _OPERATIONS.get(op)
        if handler is None:
            return fault_response(
                UNKNOWN_REQUEST, f"the lab does not serve the AXL request {op}", op
            )
        env, out_body = _envelope()
        out = etree.SubElement(out_body, f"{{{ns}}}{op}Response", nsmap={"ns": ns})
        try:
            self.ctx.clock.sync()
            handler(self, req, out)
        except AxlFault as exc:
            return fault_response(exc.code, exc.message, op)
        return _xml_response(env)


def unavailable() -> Response:
    """A throttled or unavailable service: HTTP 503, no SOAP body (the ``axl-fails`` and
    ``controlcenter-fails`` faults)."""
    return Response(
        "503 Service Unavailable\n", status_code=503, media_type="text/plain; charset=utf-8"
    )


def _child_any(el: etree._Element) -> etree._Element | None:
    for c in el:
        if isinstance(c.tag, str):
            return c
    return None


_GROUP_FIELDS = ("name", "description", "server1", "server2", "haEnabled", "numUsers")
_OPERATIONS: dict[str, Callable[[_Axl, etree._Element, etree._Element], None]] = {
    "getCCMVersion": _Axl.get_ccm_version,
    "listProcessNode": _Axl.list_process_node,
    "listPresenceRedundancyGroup": _Axl.list_group,
    "getPresenceRedundancyGroup": _Axl.get_group,
    "updatePresenceRedundancyGroup": _Axl.update_group,
}


def router(ctx: HttpContext) -> APIRouter:
    api = APIRouter()
    axl = _Axl(ctx)

    async def endpoint(request: Request) -> Response:
        if authenticate(request.headers.get("authorization"), ctx.accounts.app_admin) is None:
            return Response(
                "Unauthorized",
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="Cisco AXL"'},
                media_type="text/plain",
            )
        payload = await request.body()
        if len(payload) > MAX_BODY:
            return fault_response(INVALID_ARGUMENT, "request too large", "")
        return axl.handle(payload, request.headers.get("soapaction"))

    api.add_api_route("/axl/", endpoint, methods=["POST"], include_in_schema=False)
    api.add_api_route("/axl", endpoint, methods=["POST"], include_in_schema=False)
    return api
