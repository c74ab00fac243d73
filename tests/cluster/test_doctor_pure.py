"""The pure parts of `uccert doctor`: the fix named for each failure, what a record keeps and
hides, and how the lab's replay picks the recorded reply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from uccert.cluster.doctor import (
    FIX_APP_CREDS,
    FIX_AXL_AUTH,
    FIX_AXL_ROLE,
    FIX_CLI_ROLE,
    FIX_FORMAT,
    FIX_OS_CREDS,
    FIX_PIN,
    Check,
    all_ok,
    fix_for,
)
from uccert.cluster.doctor_record import (
    SECRET_MARK,
    SERIAL_MARK,
    NodeRecording,
    host_names,
    redact,
    scrub,
    write_record,
)
from uccert.lab.servers.replay import ReplayNode, load_record, reply_for
from uccert.protocols import CliParseError
from uccert.transport.errors import (
    AuthenticationFailed,
    CliCommandFailed,
    ConnectFailed,
    HostKeyUnknown,
    HttpStatusError,
)

pytestmark = pytest.mark.pure  # in `make check`: needs no lab and no network

PEM = "-----BEGIN CERTIFICATE-----\nMIIBcucm-pub.lab.example\n-----END CERTIFICATE-----"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----"


def test_each_failure_names_what_to_change() -> None:
    assert fix_for(HostKeyUnknown("no pin", presented=None, pinned=()), "SSH login", 22) == FIX_PIN
    assert fix_for(AuthenticationFailed("refused"), "SSH login", 22) == FIX_OS_CREDS
    assert fix_for(AuthenticationFailed("refused"), "AXL", 8443) == FIX_AXL_AUTH
    assert fix_for(AuthenticationFailed("refused"), "Control Center SOAP", 8443) == FIX_APP_CREDS
    assert fix_for(HttpStatusError("no", status=403), "AXL", 8443) == FIX_AXL_ROLE
    assert fix_for(CliCommandFailed("failed"), "CLI utils service list", 22) == FIX_CLI_ROLE
    assert fix_for(CliParseError("odd"), "CLI show cert list/own/trust", 22) == FIX_FORMAT
    assert "TCP 5269" in fix_for(ConnectFailed("refused"), "TLS cup-xmpp-s2s :5269", 5269)


def test_a_listener_nobody_uses_does_not_fail_the_doctor() -> None:
    checks = [Check("imp", "SSH login", "ok"), Check("imp", "TLS cup-xmpp-s2s :5269", "unused")]
    assert all_ok(checks)
    assert not all_ok([*checks, Check("imp", "AXL", "fail", "x", "y")])
    assert not all_ok([])


def test_secrets_and_private_keys_are_always_removed() -> None:
    text = f"password is hunter2-xyz\n{KEY}\n{PEM}"
    out = scrub(text, ["hunter2-xyz", ""])
    assert "hunter2-xyz" not in out and "PRIVATE KEY" not in out
    assert out.count(SECRET_MARK) == 2 and PEM in out


def test_redaction_replaces_host_names_and_serials_but_keeps_pem_blocks() -> None:
    nodes = [
        NodeRecording("cucm-pub", "cucm-pub.lab.example", "cucm", "publisher"),
        NodeRecording("imp-pub", "imp-pub.lab.example", "imp", "publisher"),
    ]
    names = host_names(nodes)
    text = (
        "Serial Number: 7f13d488af0c\nSubject: CN=cucm-pub.lab.example\n"
        "10.0.0.1 cucm-pub Publisher\nimp-pub.lab.example\n"
        "CallManager-trust/cucm-pub-EC.lab.example_1e65.pem: Trust\n"
        "tomcat-trust/cucm-pub.lab.example_3bc9.pem\nmail.lab.example\n" + PEM
    )
    out = redact(text, names)
    assert "lab.example" not in out.replace(PEM, "")
    assert "cucm-pub" not in out.replace(PEM, "") and "imp-pub " not in out
    assert f"Serial Number: {SERIAL_MARK}" in out and "7f13d488af0c" not in out
    assert "node1.example.invalid" in out and "node2.example.invalid" in out
    assert "node1-EC.example.invalid_1e65.pem" in out
    assert "node1.example.invalid_3bc9.pem" in out and "mail.example.invalid" in out
    assert PEM in out
    assert json.loads(redact('{"serialNumber": "abc"}', names)) == {"serialNumber": SERIAL_MARK}


def _recorded(tmp_path: Path) -> ReplayNode:
    node = NodeRecording("cucm-pub", "cucm-pub.lab.example", "cucm", "publisher", "15.0.1")
    node.cli.append({"command": "show version active", "output": "Active Master Version: 15.0.1"})
    for schema, status, body in (("15.0", 599, "refused"), ("14.0", 200, "<ok/>")):
        node.http.append(
            {
                "interface": "axl",
                "method": "POST",
                "path": "/axl/",
                "operation": "getCCMVersion",
                "schema": schema,
                "status": status,
                "content_type": "text/xml",
                "body": body,
            }
        )
    write_record(tmp_path, "c1", [node], [], ["pw"])
    name, (loaded,) = load_record(tmp_path)
    assert name == "c1"
    return loaded


def _axl(schema: str) -> bytes:
    return (
        '<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body>'
        f'<ns:getCCMVersion xmlns:ns="http://www.cisco.com/AXL/API/{schema}"/>'
        "</e:Body></e:Envelope>"
    ).encode()


def test_the_replay_answers_the_recorded_reply_of_the_same_request(tmp_path: Path) -> None:
    node = _recorded(tmp_path)
    assert node.cli["show version active"] == "Active Master Version: 15.0.1"
    assert reply_for(node, "POST", "/axl/", _axl("14.0")).body == b"<ok/>"
    assert reply_for(node, "POST", "/axl/", _axl("15.0")).status_code == 599
    other = reply_for(node, "POST", "/axl/", _axl("12.5"))
    assert other.status_code == 599 and b"Supported axl versions are 14.0" in other.body
    assert reply_for(node, "GET", "/nothing", b"").status_code == 404
