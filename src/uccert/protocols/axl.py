"""AXL SOAP (docs/design/interfaces.md §3), sans-IO: the requests uccert sends to a CUCM publisher
and
the parsers of their replies.

Every request is in the namespace ``http://www.cisco.com/AXL/API/<ver>`` with unqualified
children, sent with ``SOAPAction: "CUCM:DB ver=<ver> <operation>"``; the builders follow the
element order of Cisco's ``AXLSoap.xsd`` (tests validate them against the 12.5 schema). A fault
with ``detail/axlError/{axlcode, axlmessage}`` raises :class:`AxlFault`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final, Literal

from lxml import etree

from uccert.protocols.soap import (
    SoapFault,
    SoapParseError,
    SoapRequest,
    child,
    children,
    envelope,
    reply_body,
    required_text,
    text,
)

AXL_NS_PREFIX: Final = "http://www.cisco.com/AXL/API/"
AXL_PATH: Final = "/axl/"
ENTERPRISE_WIDE_DATA: Final = "EnterpriseWideData"  # pseudo-node every CUCM database has [doc]
NODE_ROLES: Final[dict[str, Literal["cucm", "imp"]]] = {
    "CUCM Voice/Video": "cucm",
    "CUCM IM and Presence": "imp",
}
_TRUE: Final = frozenset({"true", "t", "1"})
_FALSE: Final = frozenset({"false", "f", "0"})
_NODE_FIELDS: Final = ("name", "description", "nodeUsage", "processNodeRole")
_GROUP_FIELDS: Final = ("name", "description", "server1", "server2", "haEnabled")
_TAG_PLACEHOLDERS: Final = {"haEnabled": "t"}
# A schema version the publisher does not speak is refused before any SOAP processing: Tomcat
# answers HTTP 599 with an HTML page, e.g. "Incorrect axl version. Supported axl versions are
# 12.x, 14.0 and 15.0" (seen in third-party captures of 14 and 15 publishers; Cisco documents
# only that 15 drops the schemas of the N-3 major releases:
# https://developer.cisco.com/web/axl-developer/axl-versioning).
WRONG_VERSION_STATUS: Final = 599
_SUPPORTED = re.compile(r"supported\s+axl\s+versions\s+are\s+([^<\r\n]+)", re.IGNORECASE)
_VERSION_WORD = re.compile(r"\d+\.(?:\d+|x)", re.IGNORECASE)


class AxlFault(SoapFault):
    """An AXL error: ``code`` is the ``axlcode`` (5007: item not valid), ``message`` its text."""

    def __init__(self, code: int, message: str, faultcode: str = "soapenv:Client") -> None:
        super().__init__(faultcode, message)
        self.code = code
        self.args = (f"AXL error {code}: {message}",)

    def __str__(self) -> str:
        return f"AXL error {self.code}: {self.message}"


@dataclass(frozen=True)
class ProcessNode:
    """A cluster node as AXL lists it; ``name`` is its FQDN (or host name/address)."""

    name: str
    description: str
    node_usage: str  # Publisher | Subscriber
    role: Literal["cucm", "imp"]


@dataclass(frozen=True)
class PresenceRedundancyGroup:
    name: str
    description: str
    server1: str | None
    server2: str | None
    ha_enabled: bool


def namespace(version: str) -> str:
    return f"{AXL_NS_PREFIX}{version}"


def soap_action(version: str, operation: str) -> str:
    return f'"CUCM:DB ver={version} {operation}"'


def _request(version: str, operation: str) -> Any:
    return etree.Element(f"{{{namespace(version)}}}{operation}", nsmap={"ns": namespace(version)})


def _sub(parent: Any, name: str, value: str | None = None) -> Any:
    element = etree.SubElement(parent, name)
    if value is not None:
        element.text = value
    return element


def _tags(parent: Any, fields: tuple[str, ...]) -> None:
    """``returnedTags``: AXL reads only the tag names; the schema types the values, so a typed
    field gets a valid placeholder (``haEnabled`` is an AXL boolean, never empty)."""
    tags = _sub(parent, "returnedTags")
    for f in fields:
        _sub(tags, f, _TAG_PLACEHOLDERS.get(f))


def _wrap(version: str, req: Any) -> SoapRequest:
    return envelope(req, soap_action(version, etree.QName(req).localname))


# -- requests -------------------------------------------------------------------------------------


def get_ccm_version(version: str) -> SoapRequest:
    return _wrap(version, _request(version, "getCCMVersion"))


def list_process_node(version: str, name: str = "%") -> SoapRequest:
    req = _request(version, "listProcessNode")
    _sub(_sub(req, "searchCriteria"), "name", name)
    _tags(req, _NODE_FIELDS)
    return _wrap(version, req)


def list_presence_redundancy_group(version: str, name: str = "%") -> SoapRequest:
    req = _request(version, "listPresenceRedundancyGroup")
    _sub(_sub(req, "searchCriteria"), "name", name)
    _tags(req, _GROUP_FIELDS)
    return _wrap(version, req)


def get_presence_redundancy_group(version: str, name: str) -> SoapRequest:
    req = _request(version, "getPresenceRedundancyGroup")
    _sub(req, "name", name)
    _tags(req, _GROUP_FIELDS)
    return _wrap(version, req)


def update_presence_redundancy_group(version: str, name: str, ha_enabled: bool) -> SoapRequest:
    req = _request(version, "updatePresenceRedundancyGroup")
    _sub(req, "name", name)
    _sub(req, "haEnabled", "true" if ha_enabled else "false")
    return _wrap(version, req)


# -- replies --------------------------------------------------------------------------------------


def _reply(data: bytes, operation: str) -> Any:
    try:
        return reply_body(data, operation)
    except AxlFault:
        raise
    except SoapFault as fault:
        error = None if fault.detail is None else child(fault.detail, "axlError")
        if error is None:
            raise
        raw = text(error, "axlcode") or ""
        try:
            code = int(raw)
        except ValueError:
            raise SoapParseError(f"axlcode {raw!r} is not a number") from None
        raise AxlFault(code, text(error, "axlmessage") or fault.message, fault.faultcode) from None


def _return(data: bytes, operation: str) -> Any:
    ret = child(_reply(data, operation), "return")
    if ret is None:
        raise SoapParseError(f"{operation}Response has no return element")
    return ret


def parse_bool(raw: str) -> bool:
    """AXL's boolean: true|false|t|f|1|0, any case."""
    flag = raw.strip().lower()
    if flag in _TRUE:
        return True
    if flag in _FALSE:
        return False
    raise SoapParseError(f"{raw!r} is not an AXL boolean (true|false|t|f|1|0)")


def is_wrong_version(status: int, text: str) -> bool:
    """Whether an HTTP reply is the publisher refusing the request's schema version."""
    return status == WRONG_VERSION_STATUS or "incorrect axl version" in text.lower()


def parse_supported_versions(text: str) -> tuple[str, ...]:
    """The versions a refusal lists, as printed (``12.x``, ``14.0``); empty when it lists none."""
    found = _SUPPORTED.search(text)
    return tuple(_VERSION_WORD.findall(found.group(1))) if found else ()


def schema_listed(schema: str, listed: tuple[str, ...]) -> bool:
    """Whether ``schema`` (``12.5``) is among ``listed`` (``12.x`` covers every 12 schema)."""
    major = schema.split(".", 1)[0]
    return any(w == schema or w.lower() == f"{major}.x" for w in listed)


def parse_ccm_version(data: bytes) -> str:
    component = child(_return(data, "getCCMVersion"), "componentVersion")
    if component is None:
        raise SoapParseError("getCCMVersionResponse has no componentVersion")
    return required_text(component, "version")


def parse_process_nodes(data: bytes) -> tuple[ProcessNode, ...]:
    """The nodes of a ``listProcessNode`` reply, without ``EnterpriseWideData``."""
    nodes = []
    for element in children(_return(data, "listProcessNode"), "processNode"):
        name = required_text(element, "name")
        if name == ENTERPRISE_WIDE_DATA:
            continue
        raw_role = required_text(element, "processNodeRole")
        role = NODE_ROLES.get(raw_role)
        if role is None:
            raise SoapParseError(
                f"processNode {name}: unknown processNodeRole {raw_role!r}"
                f" (expected one of {', '.join(NODE_ROLES)})"
            )
        nodes.append(
            ProcessNode(
                name, text(element, "description") or "", text(element, "nodeUsage") or "", role
            )
        )
    return tuple(nodes)


def _group(element: Any) -> PresenceRedundancyGroup:
    return PresenceRedundancyGroup(
        name=required_text(element, "name"),
        description=text(element, "description") or "",
        server1=text(element, "server1") or None,
        server2=text(element, "server2") or None,
        ha_enabled=parse_bool(required_text(element, "haEnabled")),
    )


def parse_presence_redundancy_groups(data: bytes) -> tuple[PresenceRedundancyGroup, ...]:
    ret = _return(data, "listPresenceRedundancyGroup")
    return tuple(_group(g) for g in children(ret, "presenceRedundancyGroup"))


def parse_presence_redundancy_group(data: bytes) -> PresenceRedundancyGroup:
    group = child(_return(data, "getPresenceRedundancyGroup"), "presenceRedundancyGroup")
    if group is None:
        raise SoapParseError("getPresenceRedundancyGroupResponse has no presenceRedundancyGroup")
    return _group(group)


def parse_update_presence_redundancy_group(data: bytes) -> str:
    """The uuid of the updated group."""
    return (_return(data, "updatePresenceRedundancyGroup").text or "").strip()
