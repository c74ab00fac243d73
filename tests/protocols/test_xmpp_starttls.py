"""The initiating side of XMPP STARTTLS, fed the server's bytes as RFC 6120 §5.4 shows them."""

from __future__ import annotations

import pytest

from uccert.protocols.xmpp_starttls import (
    STARTTLS,
    StartTlsClient,
    StartTlsRefused,
    StreamKind,
    XmppProtocolError,
    XmppStreamError,
    stream_header,
)

SERVER_HEADER = (
    b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    b"xmlns:stream='http://etherx.jabber.org/streams' id='c2s_234' from='example.com' "
    b"version='1.0' xml:lang='en'>"
)
FEATURES = (
    b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
    b"</starttls></stream:features>"
)
PROCEED = b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"


def test_c2s_header_names_the_domain_and_the_client_namespace() -> None:
    header = stream_header("example.com", StreamKind.C2S).decode()
    assert header.startswith("<?xml version='1.0'?><stream:stream ")
    for part in (
        'to="example.com"',
        'version="1.0"',
        'xmlns="jabber:client"',
        'xmlns:stream="http://etherx.jabber.org/streams"',
    ):
        assert part in header
    assert "from=" not in header and "dialback" not in header


def test_s2s_header_uses_the_server_namespace_and_declares_dialback() -> None:
    header = stream_header("example.com", StreamKind.S2S, from_="peer.example").decode()
    assert 'xmlns="jabber:server"' in header
    assert 'xmlns:db="jabber:server:dialback"' in header
    assert 'from="peer.example"' in header


def test_header_attribute_values_are_escaped() -> None:
    header = stream_header("a'\"<b", StreamKind.C2S).decode()
    assert "<b" not in header.split("to=", 1)[1].split(" ", 1)[0]


def test_the_rfc_6120_exchange_asks_for_starttls_then_proceeds() -> None:
    client = StartTlsClient("example.com", StreamKind.C2S)
    assert client.receive(SERVER_HEADER) == b""
    assert client.stream_id == "c2s_234"
    assert client.receive(FEATURES) == STARTTLS
    assert not client.proceeded
    assert client.receive(PROCEED) == b""
    assert client.proceeded


def test_the_exchange_may_arrive_one_byte_at_a_time() -> None:
    client = StartTlsClient("example.com", StreamKind.C2S)
    sent = b""
    for i in range(len(SERVER_HEADER + FEATURES)):
        sent += client.receive((SERVER_HEADER + FEATURES)[i : i + 1])
    assert sent == STARTTLS
    client.receive(PROCEED)
    assert client.proceeded


def test_features_without_starttls_are_refused() -> None:
    client = StartTlsClient("example.com", StreamKind.C2S)
    client.receive(SERVER_HEADER)
    with pytest.raises(StartTlsRefused, match="no STARTTLS"):
        client.receive(
            b"<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"
        )


def test_failure_after_starttls_is_refused() -> None:
    client = StartTlsClient("example.com", StreamKind.S2S)
    client.receive(SERVER_HEADER + FEATURES)
    with pytest.raises(StartTlsRefused, match="failure"):
        client.receive(b"<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>")


def test_a_stream_error_carries_its_condition_and_text() -> None:
    client = StartTlsClient("other.example", StreamKind.C2S)
    with pytest.raises(XmppStreamError) as caught:
        client.receive(
            SERVER_HEADER + b"<stream:error><host-unknown "
            b"xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text "
            b"xmlns='urn:ietf:params:xml:ns:xmpp-streams'>not served here</text>"
            b"</stream:error></stream:stream>"
        )
    assert caught.value.condition == "host-unknown"
    assert caught.value.text == "not served here"


@pytest.mark.parametrize(
    "data",
    [
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><stream:stream/>",
        b"<html><body>not xmpp</body></html>",
        b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><!-- c -->",
        b"\x00\x01 not xml",
    ],
)
def test_what_rfc_6120_forbids_is_a_protocol_error(data: bytes) -> None:
    client = StartTlsClient("example.com", StreamKind.C2S)
    with pytest.raises(XmppProtocolError):
        client.receive(data)


def test_proceed_before_starttls_was_asked_is_a_protocol_error() -> None:
    client = StartTlsClient("example.com", StreamKind.C2S)
    with pytest.raises(XmppProtocolError, match="unexpected"):
        client.receive(SERVER_HEADER + PROCEED)


def test_an_oversized_element_is_refused() -> None:
    client = StartTlsClient("example.com", StreamKind.C2S)
    client.receive(SERVER_HEADER)
    with pytest.raises(XmppProtocolError, match="larger"):
        client.receive(b"<stream:features>" + b"<x/>" * 20000)


def test_end_of_data_is_a_protocol_error() -> None:
    with pytest.raises(XmppProtocolError, match="closed"):
        StartTlsClient("example.com", StreamKind.C2S).receive(b"")
