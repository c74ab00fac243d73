"""The initiating side of XMPP STARTTLS (RFC 6120 §4.2-4.3, §5.4), sans-IO, up to ``<proceed/>``.

uccert opens an XMPP stream only to see which certificate an IM/P node presents on 5222 (c2s,
``cup-xmpp``) and 5269 (s2s, ``cup-xmpp-s2s``): it sends a stream header, waits for
``<stream:features>`` offering ``<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>``, asks for
it, and stops at ``<proceed/>`` — the caller then runs the TLS handshake on the same socket and
reads the peer certificate. Nothing is authenticated and no stanza is ever sent.

Theory of operation: :class:`StartTlsClient` is fed the bytes the server sends
(:meth:`~StartTlsClient.receive`) and returns the bytes to send back; it raises a typed
:class:`XmppError` for everything that ends the attempt:

- :class:`StartTlsRefused`: the server answered ``<failure/>`` or offered no STARTTLS (nothing
  presents a certificate on this stream, RFC 6120 §5.4.2.2);
- :class:`XmppStreamError`: a ``<stream:error/>`` (§4.9), e.g. ``host-unknown`` when the ``to``
  domain is not served there (the caller may retry with another domain);
- :class:`XmppProtocolError`: anything else RFC 6120 does not allow at this point.

Input is restricted XML (§11.1): a DTD, comment or processing instruction is refused, and no
first-level element may exceed ``MAX_PENDING`` bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from enum import StrEnum
from typing import Final
from xml.sax.saxutils import quoteattr

from uccert.errors import ClusterError

STREAMS_NS: Final = "http://etherx.jabber.org/streams"
TLS_NS: Final = "urn:ietf:params:xml:ns:xmpp-tls"
STREAM_ERRORS_NS: Final = "urn:ietf:params:xml:ns:xmpp-streams"
DIALBACK_NS: Final = "jabber:server:dialback"  # declared by s2s initiators (XEP-0220)
MAX_PENDING: Final = 65536  # bytes of one unfinished header or first-level element


class StreamKind(StrEnum):
    """Which stream: client-to-server (5222) or server-to-server (5269)."""

    C2S = "c2s"
    S2S = "s2s"

    @property
    def content_namespace(self) -> str:
        return "jabber:client" if self is StreamKind.C2S else "jabber:server"


class XmppError(ClusterError):
    """The STARTTLS negotiation ended without ``<proceed/>``."""


class StartTlsRefused(XmppError):
    """The server offers no STARTTLS or answered ``<failure/>``."""


class XmppProtocolError(XmppError):
    """The server sent something RFC 6120 does not allow here."""


class XmppStreamError(XmppError):
    """The server ended the stream with ``<stream:error><condition/>...``."""

    def __init__(self, condition: str, text: str | None) -> None:
        detail = f" ({text})" if text else ""
        super().__init__(f"the XMPP server sent stream error {condition}{detail}")
        self.condition = condition
        self.text = text


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def stream_header(to: str, kind: StreamKind, from_: str | None = None) -> bytes:
    """The initial stream header (RFC 6120 §4.7); ``from_`` only when we have a domain."""
    attrs = [
        ("to", to),
        ("version", "1.0"),
        ("xml:lang", "en"),
        ("xmlns", kind.content_namespace),
        ("xmlns:stream", STREAMS_NS),
    ]
    if kind is StreamKind.S2S:
        attrs.append(("xmlns:db", DIALBACK_NS))
    if from_ is not None:
        attrs.insert(0, ("from", from_))
    text = " ".join(f"{name}={quoteattr(value)}" for name, value in attrs)
    return f"<?xml version='1.0'?><stream:stream {text}>".encode()


STARTTLS: Final = f"<starttls xmlns='{TLS_NS}'/>".encode()
CLOSE: Final = b"</stream:stream>"


class StartTlsClient:
    """One negotiation: ``opening()`` first, then ``receive(data)`` until ``proceeded``."""

    def __init__(self, to: str, kind: StreamKind, from_: str | None = None) -> None:
        self.to = to
        self.kind = kind
        self.from_ = from_
        self.proceeded = False
        self.stream_id: str | None = None
        self.starttls_sent = False
        self._parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(
            events=("start", "end", "comment", "pi")
        )
        self._root: ET.Element | None = None
        self._depth = 0
        self._prelude = b""
        self._pending = 0

    def opening(self) -> bytes:
        return stream_header(self.to, self.kind, self.from_)

    def receive(self, data: bytes) -> bytes:
        """Feed what the server sent; returns what to send now (possibly nothing)."""
        if self.proceeded:
            raise XmppProtocolError("data after <proceed/> must be TLS, not XML")
        if not data:
            raise XmppProtocolError("the server closed the connection during STARTTLS")
        if self._root is None:
            self._prelude += data
            if b"<!" in self._prelude:  # a DTD or comment before the stream header (§11.1)
                raise XmppProtocolError("the server sent a DTD or comment (restricted XML)")
        self._pending += len(data)
        if self._pending > MAX_PENDING:
            raise XmppProtocolError(f"an element larger than {MAX_PENDING} bytes")
        try:
            self._parser.feed(data)
            events: Iterable[tuple[str, object]] = self._parser.read_events()  # type: ignore[assignment]
            return b"".join(self._act(events))
        except ET.ParseError as exc:
            raise XmppProtocolError(
                f"the server sent XML that is not well-formed ({exc})"
            ) from None

    def _act(self, events: Iterable[tuple[str, object]]) -> Iterable[bytes]:
        for event, value in events:
            if event in ("comment", "pi"):
                raise XmppProtocolError("the server sent a comment or processing instruction")
            assert isinstance(value, ET.Element)
            if event == "start":
                if self._depth == 0:
                    self._header(value)
                self._depth += 1
                continue
            self._depth -= 1
            if self._depth == 0:
                raise XmppProtocolError("the server closed the XML stream before STARTTLS")
            if self._depth == 1:
                self._pending = 0
                assert self._root is not None
                self._root.remove(value)
                if self._element(value):
                    yield STARTTLS

    def _header(self, root: ET.Element) -> None:
        if _split(root.tag) != (STREAMS_NS, "stream"):
            raise XmppProtocolError(f"the server's stream root is {root.tag}, not stream:stream")
        self._root = root
        self._pending = 0
        self.stream_id = root.get("id")

    def _element(self, element: ET.Element) -> bool:
        """Act on one first-level element; True when STARTTLS is to be requested now."""
        ns, name = _split(element.tag)
        if (ns, name) == (STREAMS_NS, "error"):
            condition, text = "undefined-condition", None
            for child in element:
                child_ns, child_name = _split(child.tag)
                if child_ns != STREAM_ERRORS_NS:
                    continue
                if child_name == "text":
                    text = (child.text or "").strip() or None
                else:
                    condition = child_name
            raise XmppStreamError(condition, text)
        if (ns, name) == (STREAMS_NS, "features") and not self.starttls_sent:
            if element.find(f"{{{TLS_NS}}}starttls") is None:
                raise StartTlsRefused("the XMPP server offers no STARTTLS in its stream features")
            self.starttls_sent = True
            return True
        if ns == TLS_NS and self.starttls_sent and name == "proceed":
            self.proceeded = True
            return False
        if ns == TLS_NS and self.starttls_sent and name == "failure":
            raise StartTlsRefused("the XMPP server answered STARTTLS with <failure/>")
        raise XmppProtocolError(f"unexpected {element.tag} during STARTTLS negotiation")
