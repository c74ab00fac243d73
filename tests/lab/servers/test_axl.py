"""The lab's AXL as third-party clients see it: zeep with Cisco's 12.5 WSDL, raw SOAP, lxml XSD."""

from __future__ import annotations

import functools
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import ciscoaxl
import httpx
import pytest
from lxml import etree
from zeep import AsyncClient
from zeep.exceptions import Fault
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport

from uccert.lab.servers.runtime import RunningLab
from uccert.lab.state import Fault as LabFault
from uccert.lab.state import FaultKind, Topology

from .http_lab import HttpLab, open_http_lab

pytestmark = pytest.mark.timeout(90)

SCHEMA_DIR = Path(os.path.dirname(ciscoaxl.__file__)) / "schema" / "12.5"
BINDING = "{http://www.cisco.com/AXLAPIService/}AXLAPIBinding"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


@functools.cache
def zeep_client() -> AsyncClient:
    return AsyncClient(str(SCHEMA_DIR / "AXLAPI.wsdl"))


@functools.cache
def axl_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "AXLSoap.xsd")))


@dataclass
class Axl:
    http: HttpLab

    @property
    def running(self) -> RunningLab:
        return self.http.running

    @property
    def url(self) -> str:
        return self.http.url("cucm-pub", "/axl/")

    def client(self, password: str | None = None) -> httpx.AsyncClient:
        app = self.http.accounts.app_admin
        return self.http.client("cucm-pub", (app.username, password or app.password))

    def service(self) -> object:
        zeep = zeep_client()
        zeep.transport = AsyncTransport(client=self.client())
        binding = zeep.wsdl.bindings[BINDING]
        return AsyncServiceProxy(zeep, binding, address=self.url)

    async def raw(
        self, version: str, operation: str, inner: str, password: str | None = None
    ) -> httpx.Response:
        body = (
            f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" '
            f'xmlns:ns="http://www.cisco.com/AXL/API/{version}"><soapenv:Body>'
            f"<ns:{operation}>{inner}</ns:{operation}></soapenv:Body></soapenv:Envelope>"
        )
        headers = {
            "SOAPAction": f'"CUCM:DB ver={version} {operation}"',
            "Content-Type": "text/xml; charset=utf-8",
        }
        async with self.client(password) as c:
            return await c.post(self.url, content=body.encode(), headers=headers)


OpenAxl = Callable[..., Awaitable[Axl]]


@pytest.fixture
async def open_axl(tmp_path: Path) -> AsyncIterator[OpenAxl]:
    stack: list[contextlib_exit] = []

    async def _open(version: str | None = None, topology: Topology | None = None) -> Axl:
        cm = open_http_lab(tmp_path / str(len(stack)), version=version, topology=topology)
        http = await cm.__aenter__()
        stack.append(cm.__aexit__)
        return Axl(http)

    yield _open
    for exit_ in reversed(stack):
        await exit_(None, None, None)


contextlib_exit = Callable[..., Awaitable[object]]


def response_element(resp: httpx.Response) -> etree._Element:
    root = etree.fromstring(resp.content)
    body = root.find(f"{{{SOAP_ENV}}}Body")
    assert body is not None
    return body[0]


async def test_zeep_with_the_12_5_schema_lists_process_nodes(open_axl: OpenAxl) -> None:
    axl = await open_axl(version="12.5")
    service = axl.service()
    result = await service.listProcessNode(  # type: ignore[attr-defined]
        searchCriteria={"name": "%"},
        returnedTags={"name": "", "nodeUsage": "", "processNodeRole": "", "description": ""},
    )
    rows = {r.name: r for r in result["return"]["processNode"]}
    lab = axl.running.lab
    for n in lab.topology.nodes:
        row = rows[n.fqdn]
        assert row.processNodeRole == (
            "CUCM IM and Presence" if n.product == "imp" else "CUCM Voice/Video"
        )
        assert row.nodeUsage == ("Publisher" if n.role == "publisher" else "Subscriber")
        assert row.uuid.startswith("{") and row.uuid == row.uuid.upper()
    assert "EnterpriseWideData" in rows
    assert len(rows) == len(lab.topology.nodes) + 1
    version = await service.getCCMVersion()  # type: ignore[attr-defined]
    assert version["return"]["componentVersion"]["version"] == lab.display_version("cucm-pub")


async def test_zeep_turns_a_groups_ha_off_and_on(open_axl: OpenAxl) -> None:
    axl = await open_axl(version="12.5")
    service = axl.service()
    lab = axl.running.lab
    groups = await service.listPresenceRedundancyGroup(  # type: ignore[attr-defined]
        searchCriteria={"name": "%"}, returnedTags={"name": "", "haEnabled": "", "server1": ""}
    )
    [group] = groups["return"]["presenceRedundancyGroup"]
    assert group.name == "DefaultCUPSubcluster" and group.haEnabled == "true"
    assert group.server1._value_1 == lab.spec("imp-pub").fqdn
    await service.updatePresenceRedundancyGroup(name=group.name, haEnabled="false")  # type: ignore[attr-defined]
    assert not lab.groups()[0].ha_enabled
    got = await service.getPresenceRedundancyGroup(uuid=group.uuid)  # type: ignore[attr-defined]
    assert got["return"]["presenceRedundancyGroup"].haEnabled == "false"
    await service.updatePresenceRedundancyGroup(uuid=group.uuid, haEnabled="t")  # type: ignore[attr-defined]
    assert lab.groups()[0].ha_enabled
    changes = [e.to_json() for e in lab.events if e.kind == "ha-changed"]
    assert [(c["group"], c["enabled"], c["via"]) for c in changes] == [
        ("DefaultCUPSubcluster", False, "axl"),
        ("DefaultCUPSubcluster", True, "axl"),
    ]


@pytest.mark.parametrize(
    ("operation", "inner"),
    [
        ("getCCMVersion", ""),
        ("listProcessNode", "<searchCriteria><name>%</name></searchCriteria><returnedTags/>"),
        (
            "listProcessNode",
            "<searchCriteria><name>imp%</name></searchCriteria>"
            "<returnedTags><name/><processNodeRole/></returnedTags>",
        ),
        ("listPresenceRedundancyGroup", "<searchCriteria><name>%</name></searchCriteria>"),
        ("getPresenceRedundancyGroup", "<name>DefaultCUPSubcluster</name>"),
        (
            "updatePresenceRedundancyGroup",
            "<name>DefaultCUPSubcluster</name><haEnabled>0</haEnabled>",
        ),
    ],
)
async def test_responses_validate_against_the_12_5_schema(
    open_axl: OpenAxl, operation: str, inner: str
) -> None:
    axl = await open_axl(version="12.5")
    resp = await axl.raw("12.5", operation, inner)
    assert resp.status_code == 200, resp.text
    element = response_element(resp)
    assert etree.QName(element).namespace == "http://www.cisco.com/AXL/API/12.5"
    schema = axl_schema()
    assert schema.validate(element), schema.error_log
    assert all(etree.QName(c).namespace is None for c in element.iter() if c is not element)


async def test_wildcard_search_selects_imp_nodes(open_axl: OpenAxl) -> None:
    axl = await open_axl()
    resp = await axl.raw(
        "14.0",
        "listProcessNode",
        "<searchCriteria><name>imp%</name></searchCriteria><returnedTags><name/></returnedTags>",
    )
    names = [e.text for e in response_element(resp).iter("name")]
    assert names == [n.fqdn for n in axl.running.lab.topology.nodes if n.product == "imp"]


async def test_wrong_password_is_401(open_axl: OpenAxl) -> None:
    axl = await open_axl()
    resp = await axl.raw("14.0", "getCCMVersion", "", password="not-the-password")
    assert resp.status_code == 401
    os_admin = axl.running.credentials.os_admin
    async with axl.http.client("cucm-pub", (os_admin.username, os_admin.password)) as c:
        assert (await c.post(axl.url, content=b"<x/>")).status_code == 401


async def test_unknown_group_is_a_fault_with_axlcode(open_axl: OpenAxl) -> None:
    axl = await open_axl(version="12.5")
    resp = await axl.raw("12.5", "getPresenceRedundancyGroup", "<name>NoSuchGroup</name>")
    assert resp.status_code == 500
    fault = response_element(resp)
    assert etree.QName(fault).localname == "Fault"
    assert fault.findtext("detail/axlError/axlcode") == "5007"
    assert "NoSuchGroup" in (fault.findtext("detail/axlError/axlmessage") or "")
    with pytest.raises(Fault) as caught:
        await axl.service().updatePresenceRedundancyGroup(name="NoSuchGroup", haEnabled="true")  # type: ignore[attr-defined]
    assert caught.value.detail.findtext("axlError/axlcode") == "5007"


@pytest.mark.parametrize("version", ["14.0", "15.0"])
async def test_newer_versions_are_answered_in_their_namespace(
    open_axl: OpenAxl, version: str
) -> None:
    axl = await open_axl(version=version)
    resp = await axl.raw(version, "getCCMVersion", "")
    assert resp.status_code == 200, resp.text
    element = response_element(resp)
    assert element.tag == f"{{http://www.cisco.com/AXL/API/{version}}}getCCMVersionResponse"
    assert element.findtext("return/componentVersion/version") == (
        axl.running.lab.display_version("cucm-pub")
    )


@pytest.mark.parametrize("version", ["10.5", "11.0", "11.5", "12.0", "12.5"])
async def test_older_versions_are_accepted(open_axl: OpenAxl, version: str) -> None:
    axl = await open_axl()
    resp = await axl.raw(version, "listPresenceRedundancyGroup", "<searchCriteria/>")
    assert resp.status_code == 200, resp.text
    assert etree.QName(response_element(resp)).namespace.endswith(version)


async def test_unknown_version_is_599_and_mismatched_soapaction_faults(open_axl: OpenAxl) -> None:
    axl = await open_axl()
    resp = await axl.raw("13.0", "getCCMVersion", "")
    assert resp.status_code == 599
    assert "Incorrect axl version. Supported axl versions are" in resp.text
    async with axl.client() as c:
        resp = await c.post(
            axl.url,
            content=(
                f'<e:Envelope xmlns:e="{SOAP_ENV}"><e:Body>'
                '<ns:getCCMVersion xmlns:ns="http://www.cisco.com/AXL/API/14.0"/>'
                "</e:Body></e:Envelope>"
            ).encode(),
            headers={"SOAPAction": '"CUCM:DB ver=12.5 getCCMVersion"'},
        )
    assert resp.status_code == 500


async def test_a_15_publisher_refuses_schemas_before_12_and_says_which_it_speaks(
    open_axl: OpenAxl,
) -> None:
    axl = await open_axl(version="15.0")
    for old in ("10.5", "11.5"):
        resp = await axl.raw(old, "listPresenceRedundancyGroup", "<searchCriteria/>")
        assert resp.status_code == 599, old
        assert "Supported axl versions are 12.x, 14.0 and 15.0" in resp.text
    for spoken in ("12.0", "12.5", "14.0", "15.0"):
        resp = await axl.raw(spoken, "listPresenceRedundancyGroup", "<searchCriteria/>")
        assert resp.status_code == 200, (spoken, resp.text)


async def test_bad_ha_flag_is_a_fault_and_changes_nothing(open_axl: OpenAxl) -> None:
    axl = await open_axl()
    resp = await axl.raw(
        "14.0",
        "updatePresenceRedundancyGroup",
        "<name>DefaultCUPSubcluster</name><haEnabled>maybe</haEnabled>",
    )
    assert resp.status_code == 500
    assert axl.running.lab.groups()[0].ha_enabled
    assert not [e for e in axl.running.lab.events if e.kind == "ha-changed"]


async def test_axl_fails_answers_503_until_used_up(open_axl: OpenAxl) -> None:
    axl = await open_axl()
    axl.running.lab.inject_fault(LabFault(FaultKind.AXL_FAILS, None, "getCCMVersion", 2))
    for _ in range(2):
        throttled = await axl.raw("14.0", "getCCMVersion", "")
        assert throttled.status_code == 503
    answered = await axl.raw("14.0", "getCCMVersion", "")
    assert answered.status_code == 200
    other = await axl.raw(
        "14.0",
        "listProcessNode",
        "<searchCriteria><name>%</name></searchCriteria><returnedTags><name/></returnedTags>",
    )
    assert other.status_code == 200  # the target names one operation
