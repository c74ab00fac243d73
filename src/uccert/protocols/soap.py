"""SOAP 1.1 envelopes, sans-IO: build a request body, read a reply's body element or its fault.

Theory of operation: a protocol module (:mod:`.axl`, :mod:`.controlcenter`) builds its request
element with lxml and wraps it with :func:`envelope`, giving a :class:`SoapRequest` (the bytes to
POST and the ``SOAPAction`` to send). The transport POSTs it and hands the reply's bytes back to
that module, which calls :func:`reply_body` to get the operation's response element. A reply
that carries a ``soapenv:Fault`` raises :class:`SoapFault` (the protocol module may refine it, as
:mod:`.axl` does with ``axlcode``); a reply that is not a SOAP envelope raises
:class:`SoapParseError`. Replies are parsed with a hardened parser (no entities, no network, no
DTD). Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from lxml import etree

from uccert.errors import ClusterError

SOAP_ENV: Final = "http://schemas.xmlsoap.org/soap/envelope/"
CONTENT_TYPE: Final = "text/xml; charset=utf-8"

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=True
)


class SoapParseError(ClusterError, ValueError):
    """The reply is not the SOAP the interface documents; the message quotes what was wrong."""


class SoapFault(ClusterError):
    """The node answered with a SOAP fault (``faultcode``, ``faultstring``)."""

    def __init__(self, faultcode: str, message: str, detail: Any = None) -> None:
        super().__init__(f"SOAP fault {faultcode}: {message}")
        self.faultcode = faultcode
        self.message = message
        self.detail = detail  # the fault's <detail> element, if any


@dataclass(frozen=True)
class SoapRequest:
    """One request: what to POST and the ``SOAPAction`` header it goes with."""

    soap_action: str
    content: bytes

    @property
    def headers(self) -> dict[str, str]:
        return {"SOAPAction": self.soap_action, "Content-Type": CONTENT_TYPE}


def envelope(request: Any, soap_action: str) -> SoapRequest:
    """Wrap one request element in ``soapenv:Envelope/soapenv:Body``."""
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV})
    etree.SubElement(env, f"{{{SOAP_ENV}}}Body").append(request)
    content: bytes = etree.tostring(env, xml_declaration=True, encoding="UTF-8")
    return SoapRequest(soap_action, content)


def request_element(data: bytes) -> Any:
    """The request element inside an envelope built by :func:`envelope` (for tests and logs)."""
    return _body(data)[0]


def local(element: Any) -> str:
    return str(etree.QName(element).localname)


def children(element: Any, name: str) -> list[Any]:
    """Children with this local name, qualified or not."""
    return [c for c in element if isinstance(c.tag, str) and local(c) == name]


def child(element: Any, name: str) -> Any | None:
    found = children(element, name)
    return found[0] if found else None


def text(element: Any, name: str) -> str | None:
    """The stripped text of the first child called ``name``; None if absent or ``xsi:nil``."""
    c = child(element, name)
    if c is None or c.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true":
        return None
    return (c.text or "").strip()


def required_text(element: Any, name: str) -> str:
    value = text(element, name)
    if value is None:
        raise SoapParseError(f"{local(element)} has no {name}")
    return value


def _body(data: bytes) -> Any:
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        start = data[:80].decode("utf-8", "replace")
        raise SoapParseError(f"the reply is not XML ({exc}): {start!r}") from None
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapParseError(f"the reply is not a SOAP 1.1 Envelope but {root.tag!r}")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    elements = [] if body is None else [c for c in body if isinstance(c.tag, str)]
    if not elements:
        raise SoapParseError("the reply's SOAP Envelope has an empty Body")
    return elements


def reply_body(data: bytes, operation: str) -> Any:
    """The ``<operation>Response`` element of a reply; SoapFault if the reply is a fault."""
    first = _body(data)[0]
    if first.tag == f"{{{SOAP_ENV}}}Fault":
        code = text(first, "faultcode") or "soapenv:Server"
        message = text(first, "faultstring") or "(no faultstring)"
        raise SoapFault(code, message, child(first, "detail"))
    if local(first) != f"{operation}Response":
        raise SoapParseError(f"expected {operation}Response in the reply, got {local(first)}")
    return first
