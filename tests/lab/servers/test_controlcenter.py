"""Serviceability Control Center SOAP as third-party clients see it: zeep with Cisco's WSDL and
raw SOAP over real HTTPS on 127.0.0.1, TLS verified by pinning the node's tomcat cert."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from lxml import etree
from requests.adapters import HTTPAdapter
from zeep import Client
from zeep.exceptions import Fault, TransportError
from zeep.transports import Transport

from uccert.lab.servers.controlcenter import wsdl_text
from uccert.lab.servers.runtime import RunningLab
from uccert.lab.state import Fault as Fault_
from uccert.lab.state import FaultKind

pytestmark = pytest.mark.timeout(60)

PATH = "/controlcenterservice2/services/ControlCenterServices"
NS = "http://schemas.cisco.com/ast/soap"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
T = TypeVar("T")


class PinnedHostAdapter(HTTPAdapter):
    """Connects to 127.0.0.1 but checks the cert against the node's FQDN (SNI and hostname),
    the way a client that knows the node by name does; verification stays on."""

    def __init__(self, hostname: str) -> None:
        self._hostname = hostname
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["assert_hostname"] = self._hostname
        kwargs["server_hostname"] = self._hostname
        super().init_poolmanager(*args, **kwargs)


def session_for(lab: RunningLab, node: str, tmp: Path, auth: tuple[str, str] | None = None):  # type: ignore[no-untyped-def]
    cert = lab.lab.presented_cert(node, "tomcat")
    assert cert is not None
    pem = tmp / f"{node}-tomcat.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE is set here: without this, verify is ignored
    session.verify = str(pem)
    session.mount("https://", PinnedHostAdapter(lab.lab.spec(node).fqdn))
    app = lab.credentials.app_admin
    session.auth = auth or (app.username, app.password)
    return session


def url(lab: RunningLab, node: str, path: str = PATH) -> str:
    return f"https://127.0.0.1:{lab.https_ports[node]}{path}"


def zeep_service(lab: RunningLab, node: str, tmp: Path) -> Any:
    """As Cisco's DevNet samples do: the WSDL from the node, a Transport with the session."""
    session = session_for(lab, node, tmp)
    client = Client(url(lab, node) + "?wsdl", transport=Transport(session=session))
    return client.service


async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(fn, *args, **kwargs)


def restart_and_wait(service: Any, fqdn: str, name: str) -> tuple[Any, list[str]]:
    """DevNet-sample style: soapDoControlServices, then poll soapGetServiceStatus to Started."""
    reply = service.soapDoControlServices(
        ControlServiceRequest={"NodeName": fqdn, "ControlType": "Restart", "ServiceList": [name]}
    )
    seen = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        status = service.soapGetServiceStatus(ServiceStatus=[name])
        item = status.ServiceInfoList.item[0]
        seen.append(item.ServiceStatus)
        if item.ServiceStatus == "Started":
            break
        time.sleep(0.05)
    return reply, seen


async def test_zeep_restarts_sip_proxy_and_polls_it_back(lab: RunningLab, tmp_path: Path) -> None:
    node = "imp-pub"
    service = await call(zeep_service, lab, node, tmp_path)
    seq = lab.lab.events[-1].seq if lab.lab.events else 0
    reply, seen = await call(restart_and_wait, service, lab.lab.spec(node).fqdn, "Cisco SIP Proxy")
    assert reply.ReturnCode._value_1 == "0"
    assert reply.ReasonCode == -1
    [item] = reply.ServiceInfoList.item
    assert item.ServiceName == "Cisco SIP Proxy" and item.ReasonCode == -1
    assert seen[-1] == "Started"
    events = [
        (e.data["state"], e.data["via"])
        for e in lab.lab.events
        if e.seq > seq and e.kind == "service-state" and e.data["service"] == "Cisco SIP Proxy"
    ]
    assert events == [(s, "soap") for s in ("Stopping", "Stopped", "Starting", "Started")]
    status = await call(service.soapGetServiceStatus, ServiceStatus=["Cisco SIP Proxy"])
    up = status.ServiceInfoList.item[0]
    assert up.UpTime == 0 and up.StartTime  # restarted just now (instant time)


async def test_status_of_all_services_and_reason_codes(lab: RunningLab, tmp_path: Path) -> None:
    service = await call(zeep_service, lab, "cucm-pub", tmp_path)
    status = await call(service.soapGetServiceStatus, ServiceStatus=[""])
    items = {i.ServiceName: i for i in status.ServiceInfoList.item}
    assert status.ReturnCode._value_1 == "0"
    assert items["Cisco Tomcat"].ServiceStatus == "Started"
    assert items["Cisco Tomcat"].UpTime >= 86400
    capf = items["Cisco Certificate Authority Proxy Function"]
    assert (capf.ServiceStatus, capf.ReasonCode) == ("Stopped", -1068)
    assert capf.ReasonCodeString == "Service Not Activated"
    assert "System SSH" not in items  # platform services are not Control Center's

    unknown = await call(service.soapGetServiceStatus, ServiceStatus=["Cisco Nonexistent"])
    [item] = unknown.ServiceInfoList.item
    # as a real node: a name it does not know reads Stopped, not an error (issue 13)
    seen = (unknown.ReturnCode._value_1, item.ServiceStatus, item.ReasonCode)
    assert seen == ("0", "Stopped", -1)


async def test_product_information_as_ciscos_wsdl_reads_it(lab: RunningLab, tmp_path: Path) -> None:
    """zeep parses the reply with Cisco's schema: the node's version as `show version active`
    prints it, its product, and the services Control Center lists."""
    service = await call(zeep_service, lab, "imp-sub1", tmp_path)
    info = await call(service.getProductInformationList, ServiceInfo="")
    assert info.ActiveServerVersion == lab.lab.display_version("imp-sub1")
    assert info.PrimaryNode == "cucm-pub"
    [product] = info.Products.item
    assert product.ProductVersion == info.ActiveServerVersion
    names = {s.ServiceName for s in info.Services.item}
    status = await call(service.soapGetServiceStatus, ServiceStatus=[""])
    assert names == {i.ServiceName for i in status.ServiceInfoList.item}
    assert "Cisco SIP Proxy" in names


async def test_control_reason_codes(lab: RunningLab, tmp_path: Path) -> None:
    service = await call(zeep_service, lab, "cucm-pub", tmp_path)

    def control(kind: str, name: str) -> Any:
        reply = service.soapDoControlServices(
            ControlServiceRequest={"NodeName": "", "ControlType": kind, "ServiceList": [name]}
        )
        return reply, reply.ServiceInfoList.item[0]

    _, started = await call(control, "Start", "Cisco TFTP")
    assert started.ReasonCode == -1039
    reply, stopped = await call(control, "Stop", "Cisco TFTP")
    assert (reply.ReturnCode._value_1, stopped.ServiceStatus, stopped.ReasonCode) == (
        "0",
        "Stopped",
        -1,
    )
    _, again = await call(control, "Stop", "Cisco TFTP")
    assert again.ReasonCode == -1040
    status = await call(service.soapGetServiceStatus, ServiceStatus=["Cisco TFTP"])
    assert status.ServiceInfoList.item[0].ReasonCode == -1069
    _, back = await call(control, "Start", "Cisco TFTP")
    assert (back.ServiceStatus, back.ReasonCode) == ("Started", -1)
    reply, missing = await call(control, "Restart", "Cisco Nonexistent")
    assert (reply.ReturnCode._value_1, missing.ReasonCode) == ("1", -1010)
    _, capf = await call(control, "Start", "Cisco Certificate Authority Proxy Function")
    assert capf.ReasonCode == -1068


async def test_tomcat_and_db_cannot_be_controlled_through_soap(
    lab: RunningLab, tmp_path: Path
) -> None:
    service = await call(zeep_service, lab, "imp-pub", tmp_path)
    count = len(lab.lab.events)
    for name in ("Cisco Tomcat", "Cisco DB"):
        reply = await call(
            service.soapDoControlServices,
            ControlServiceRequest={"NodeName": "", "ControlType": "Restart", "ServiceList": [name]},
        )
        [item] = reply.ServiceInfoList.item
        assert reply.ReturnCode._value_1 == "1"
        assert item.ServiceStatus == "Started"
        assert "over SSH" in item.ReasonCodeString
    assert len(lab.lab.events) == count


async def test_node_name_of_another_node_is_a_fault(lab: RunningLab, tmp_path: Path) -> None:
    service = await call(zeep_service, lab, "imp-pub", tmp_path)
    other = lab.lab.spec("imp-sub1").fqdn
    with pytest.raises(Fault, match="not this node"):
        await call(
            service.soapDoControlServices,
            ControlServiceRequest={
                "NodeName": other,
                "ControlType": "Restart",
                "ServiceList": ["Cisco SIP Proxy"],
            },
        )
    assert lab.lab.service_state("imp-sub1", "Cisco SIP Proxy").state == "Started"


async def test_wsdl_is_ciscos_with_this_nodes_address(lab: RunningLab, tmp_path: Path) -> None:
    session = session_for(lab, "imp-sub1", tmp_path)
    reply = await call(session.get, url(lab, "imp-sub1") + "?wsdl")
    assert reply.status_code == 200
    root = etree.fromstring(reply.content)
    [address] = root.iter("{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert address.get("location") == url(lab, "imp-sub1")
    ours = etree.fromstring(wsdl_text())
    assert [e.tag for e in root.iter()] == [e.tag for e in ours.iter()]


async def test_auth_app_admin_or_os_admin_else_401(lab: RunningLab, tmp_path: Path) -> None:
    body = envelope("<ns:soapGetServiceStatus><ns:ServiceStatus/></ns:soapGetServiceStatus>")
    creds = lab.credentials
    for auth, expected in (
        ((creds.app_admin.username, creds.app_admin.password), 200),
        ((creds.os_admin.username, creds.os_admin.password), 200),
        ((creds.app_admin.username, "wrong"), 401),
        ((creds.os_readonly.username, creds.os_readonly.password), 401),
    ):
        session = session_for(lab, "cucm-pub", tmp_path, auth)
        reply = await call(session.post, url(lab, "cucm-pub"), data=body, headers=HEADERS)
        assert reply.status_code == expected, auth
    session.auth = None
    reply = await call(session.post, url(lab, "cucm-pub"), data=body, headers=HEADERS)
    assert reply.status_code == 401
    assert reply.headers["WWW-Authenticate"].startswith("Basic")


HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"soapGetServiceStatus"'}


def envelope(inner: str) -> bytes:
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:ns="{NS}">'
        f"<soapenv:Body>{inner}</soapenv:Body></soapenv:Envelope>"
    ).encode()


@pytest.mark.parametrize(
    "body",
    [
        b"this is not xml",
        b"<notsoap/>",
        envelope(""),
        envelope('<x:soapGetServiceStatus xmlns:x="urn:other"/>'),
        envelope("<ns:soapDoControlServices/>"),
        envelope(
            "<ns:soapDoControlServices><ns:ControlServiceRequest><ns:NodeName/>"
            "<ns:ControlType>Reboot</ns:ControlType><ns:ServiceList><ns:item>Cisco TFTP"
            "</ns:item></ns:ServiceList></ns:ControlServiceRequest></ns:soapDoControlServices>"
        ),
    ],
)
async def test_malformed_requests_get_a_soap_fault(
    lab: RunningLab, tmp_path: Path, body: bytes
) -> None:
    session = session_for(lab, "cucm-pub", tmp_path)
    reply = await call(session.post, url(lab, "cucm-pub", PATH + "Ex"), data=body, headers=HEADERS)
    assert reply.status_code == 500
    assert reply.headers["content-type"].startswith("text/xml")
    fault = etree.fromstring(reply.content).find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault is not None
    assert fault.findtext("faultcode") == "soapenv:Client"
    assert fault.findtext("faultstring")


async def test_controlcenter_fails_answers_503_and_changes_nothing(
    lab: RunningLab, tmp_path: Path
) -> None:
    node = "imp-pub"
    service = await call(zeep_service, lab, node, tmp_path)
    lab.lab.inject_fault(Fault_(FaultKind.CONTROLCENTER_FAILS, node, "soapDoControlServices", 1))
    seq = lab.lab.events[-1].seq if lab.lab.events else 0
    with pytest.raises(TransportError) as refused:
        await call(restart_and_wait, service, lab.lab.spec(node).fqdn, "Cisco SIP Proxy")
    assert refused.value.status_code == 503
    assert not [e for e in lab.lab.events if e.seq > seq and e.kind == "service-state"]
    status = await call(service.soapGetServiceStatus, ServiceStatus=["Cisco SIP Proxy"])
    assert status.ServiceInfoList.item[0].ServiceStatus == "Started"  # reads still answer
    reply, seen = await call(restart_and_wait, service, lab.lab.spec(node).fqdn, "Cisco SIP Proxy")
    assert reply.ReasonCode == -1 and seen[-1] == "Started"  # the fault was used up
