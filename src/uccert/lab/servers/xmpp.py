"""XMPP c2s (5222) and s2s (5269) listeners: an RFC 6120 stream up to STARTTLS and SASL features.

Theory of operation. One connection carries one or two XML streams:

1. the initiating entity opens ``<stream:stream to='<domain>' version='1.0'
   xmlns='jabber:client'|'jabber:server' ...>``; we answer with our stream header (a fresh
   ``id``, ``from`` = the domain it asked for) and features offering mandatory STARTTLS;
2. on ``<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`` we answer ``<proceed/>`` and
   upgrade the same TCP connection to TLS presenting the cert the service loaded
   (``cup-xmpp`` for c2s, ``cup-xmpp-s2s`` for s2s);
3. the initiating entity restarts the stream over TLS; we answer a new header and the SASL
   features (PLAIN for c2s, EXTERNAL for s2s). The lab has no XMPP accounts: every ``<auth/>``
   fails with ``<not-authorized/>``.

``</stream:stream>`` is answered with ``</stream:stream>`` and a clean close (close_notify over
TLS). Anything else is a stream error (RFC 6120 §4.9): ``<stream:error>`` with the condition,
then ``</stream:stream>`` and close; when the error is in the initial header we still send our
own header first (§4.9.1.2).
"""

from __future__ import annotations

import asyncio
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

from .tls_listeners import HANDSHAKE_TIMEOUT, IDLE_TIMEOUT, READ_SIZE, StreamServer

STREAMS_NS = "http://etherx.jabber.org/streams"
TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls"
SASL_NS = "urn:ietf:params:xml:ns:xmpp-sasl"
ERRORS_NS = "urn:ietf:params:xml:ns:xmpp-streams"
XML_NS = "http://www.w3.org/XML/1998/namespace"

Kind = Literal["c2s", "s2s"]
CONTENT_NS: dict[str, str] = {"c2s": "jabber:client", "s2s": "jabber:server"}
MECHANISMS: dict[str, tuple[str, ...]] = {"c2s": ("PLAIN",), "s2s": ("EXTERNAL",)}
MAX_PENDING = 65536  # bytes of one unfinished header or first-level element we accept
STANZAS = frozenset({"message", "presence", "iq"})


class StreamError(Exception):
    """A condition of RFC 6120 §4.9.3 (ends the stream)."""

    def __init__(self, condition: str, text: str) -> None:
        super().__init__(f"{condition}: {text}")
        self.condition = condition
        self.text = text


@dataclass(frozen=True)
class Header:
    tag: str
    attrib: dict[str, str]
    namespaces: dict[str, str]  # prefix ('' = default) -> URI declared on the header


@dataclass(frozen=True)
class Child:
    element: ET.Element


@dataclass(frozen=True)
class End:
    pass


Item = Header | Child | End


class StreamParser:
    """Incremental reader of one XML stream: its header, first-level elements, its end.

    Pure: bytes in, items out; raises ``StreamError`` for what RFC 6120 forbids.
    """

    def __init__(self) -> None:
        self._parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(
            events=("start-ns", "start", "end", "comment", "pi")
        )
        self._depth = 0
        self._declared: dict[str, str] = {}
        self._root: ET.Element | None = None
        self._prelude = b""  # bytes before the header (a DOCTYPE would be there)
        self._pending = 0  # bytes since the last complete item

    def feed(self, data: bytes) -> list[Item]:
        if self._root is None:
            self._prelude += data
            if b"<!" in self._prelude:
                raise StreamError("restricted-xml", "DTDs are not allowed in XMPP")
        self._pending += len(data)
        if self._pending > MAX_PENDING:
            raise StreamError("policy-violation", f"element larger than {MAX_PENDING} bytes")
        try:
            self._parser.feed(data)
            return self._items()
        except ET.ParseError as exc:
            raise StreamError("not-well-formed", str(exc)) from None

    def _items(self) -> list[Item]:
        items: list[Item] = []
        events: Iterable[tuple[str, object]] = self._parser.read_events()  # type: ignore[assignment]
        for event, value in events:
            if event in ("comment", "pi"):
                raise StreamError("restricted-xml", "comments and processing instructions")
            if event == "start-ns":
                assert isinstance(value, tuple)
                if self._depth == 0:
                    self._declared[str(value[0])] = str(value[1])
            elif event == "start":
                assert isinstance(value, ET.Element)
                if self._depth == 0:
                    self._root = value
                    items.append(Header(value.tag, dict(value.attrib), dict(self._declared)))
                    self._pending = 0
                self._depth += 1
            elif event == "end":
                assert isinstance(value, ET.Element)
                self._depth -= 1
                if self._depth == 1:
                    items.append(Child(value))
                    if self._root is not None:
                        self._root.remove(value)
                    self._pending = 0
                elif self._depth == 0:
                    items.append(End())
        return items


def local(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag."""
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def parse_version(text: str | None) -> tuple[int, int] | None:
    try:
        major, minor = (text or "").split(".")
        return int(major), int(minor)
    except ValueError:
        return None


class XmppServer(StreamServer):
    """Plain TCP XMPP stream with mandatory STARTTLS (``kind`` c2s or s2s)."""

    def __init__(
        self, kind: Kind, domain: str, fqdn: str, presence_domains: Iterable[str] = ()
    ) -> None:
        super().__init__()
        self.kind = kind
        served = [d.lower() for d in presence_domains]
        # IM/P routes XMPP only for its presence domains (IM and Presence Administration,
        # Presence > Domains; the default one is the DNS domain): a stream to another host is
        # refused with host-unknown (RFC 6120 4.9.3.6). With no presence domain configured the
        # lab also answers to the node's FQDN [guess: what real nodes do for the FQDN].
        self.domain = served[0] if served else domain
        self.hosts = set(served) if served else {domain.lower(), fqdn.lower()}

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self.ssl_context is not None
        await XmppConnection(self, reader, writer).run()


class XmppConnection:
    def __init__(
        self, server: XmppServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self.content_ns = CONTENT_NS[server.kind]
        self.header_sent = False
        self.tls = False
        self.host = server.domain

    async def send(self, text: str) -> None:
        self.writer.write(text.encode())
        await self.writer.drain()

    async def run(self) -> None:
        try:
            while await self._stream():  # True: restart the stream (after STARTTLS)
                pass
        except StreamError as err:
            await self._stream_error(err)

    async def _items(self, parser: StreamParser) -> list[Item]:
        try:
            data = await asyncio.wait_for(self.reader.read(READ_SIZE), IDLE_TIMEOUT)
        except TimeoutError:
            raise StreamError("connection-timeout", "no data for too long") from None
        if not data:
            raise EOFError
        return parser.feed(data)

    async def _stream(self) -> bool:
        """Serve one stream; True when it ended in a successful STARTTLS (restart over TLS)."""
        parser = StreamParser()
        self.header_sent = False
        items: list[Item] = []
        try:
            while not items:
                items = await self._items(parser)
            first, rest = items[0], items[1:]
            assert isinstance(first, Header)
            await self._answer_header(first)
            while True:
                for item in rest:
                    if isinstance(item, End):
                        await self.send("</stream:stream>")
                        return False
                    assert isinstance(item, Child)
                    if await self._element(item.element):
                        return True
                rest = await self._items(parser)
        except EOFError:
            return False

    async def _answer_header(self, header: Header) -> None:
        ns, name = local(header.tag)
        to = header.attrib.get("to")
        if to is not None and to.lower() in self.server.hosts:
            self.host = to
        peer = header.attrib.get("from")
        await self._send_header(peer)
        if ns != STREAMS_NS or name != "stream":
            raise StreamError(
                "invalid-namespace", f"the stream root must be {{{STREAMS_NS}}}stream"
            )
        if header.namespaces.get("") != self.content_ns:
            raise StreamError(
                "invalid-namespace", f"the default namespace must be {self.content_ns}"
            )
        if to is not None and to.lower() not in self.server.hosts:
            raise StreamError("host-unknown", f"this server does not serve {to}")
        version = parse_version(header.attrib.get("version"))
        if version is None or version < (1, 0):
            raise StreamError("unsupported-version", "XMPP 1.0 (version='1.0') is required")
        await self.send(self._features())

    async def _send_header(self, peer: str | None) -> None:
        attrs = {
            "xmlns": self.content_ns,
            "xmlns:stream": STREAMS_NS,
            "id": secrets.token_hex(8),
            "from": self.host,
            "version": "1.0",
            "xml:lang": "en",
        }
        if peer is not None:
            attrs["to"] = peer
        text = " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items())
        await self.send(f"<?xml version='1.0'?><stream:stream {text}>")
        self.header_sent = True

    def _features(self) -> str:
        if not self.tls:
            body = f"<starttls xmlns='{TLS_NS}'><required/></starttls>"
        else:
            mechs = "".join(f"<mechanism>{m}</mechanism>" for m in MECHANISMS[self.server.kind])
            body = f"<mechanisms xmlns='{SASL_NS}'>{mechs}</mechanisms>"
        return f"<stream:features>{body}</stream:features>"

    async def _element(self, element: ET.Element) -> bool:
        """Act on one first-level element; True after a successful STARTTLS."""
        ns, name = local(element.tag)
        if ns == TLS_NS and name == "starttls":
            if self.tls:
                raise StreamError("policy-violation", "TLS is already in place")
            await self.send(f"<proceed xmlns='{TLS_NS}'/>")
            context = self.server.ssl_context
            assert context is not None
            await self.writer.start_tls(context, ssl_handshake_timeout=HANDSHAKE_TIMEOUT)
            # Python 3.11 leaves the stream protocol believing it is in the clear, so a peer's
            # EOF over TLS logs "returning true from eof_received()" (3.12 fixes this itself).
            protocol: object = getattr(self.writer, "_protocol", None)
            if hasattr(protocol, "_over_ssl"):
                protocol._over_ssl = True
            self.tls = True
            return True
        if ns == SASL_NS and self.tls and name in ("auth", "response", "abort"):
            condition = "aborted" if name == "abort" else "not-authorized"
            await self.send(f"<failure xmlns='{SASL_NS}'><{condition}/></failure>")
            return False
        if ns == self.content_ns and name in STANZAS:
            step = "authentication" if self.tls else "STARTTLS"
            raise StreamError("not-authorized", f"{name} stanza before {step}")
        if not self.tls:
            raise StreamError("policy-violation", "STARTTLS is required first")
        raise StreamError("unsupported-stanza-type", f"{element.tag} is not supported here")

    async def _stream_error(self, err: StreamError) -> None:
        if not self.header_sent:
            await self._send_header(None)
        await self.send(
            f"<stream:error><{err.condition} xmlns='{ERRORS_NS}'/>"
            f"<text xmlns='{ERRORS_NS}' xml:lang='en'>{escape(err.text)}</text>"
            "</stream:error></stream:stream>"
        )
