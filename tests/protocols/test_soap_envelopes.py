"""The SOAP requests uccert sends validate against Cisco's schemas; replies and faults parse."""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path

import ciscoaxl
import pytest
from lxml import etree

from uccert.protocols import axl, certmgr
from uccert.protocols import controlcenter as cc
from uccert.protocols.soap import SoapFault, SoapParseError, SoapRequest, request_element

AXL_XSD = Path(os.path.dirname(ciscoaxl.__file__)) / "schema" / "12.5" / "AXLSoap.xsd"
CC_WSDL = Path("/work/shared/reference/cisco/ControlCenterServices.wsdl")
XSD = "http://www.w3.org/2001/XMLSchema"
ENV = "http://schemas.xmlsoap.org/soap/envelope/"


@functools.cache
def axl_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(AXL_XSD)))


@functools.cache
def cc_schema() -> etree.XMLSchema:
    found = etree.parse(str(CC_WSDL)).getroot().find(f".//{{{XSD}}}schema")
    # a stand-alone copy that keeps the WSDL's prefixes (types are written `xsd:string`)
    schema = etree.Element(found.tag, dict(found.attrib), nsmap=found.nsmap)
    schema.extend(copy.deepcopy(list(found)))
    return etree.XMLSchema(schema)


def assert_valid(schema: etree.XMLSchema, content: bytes) -> None:
    element = request_element(content)
    if not schema.validate(etree.ElementTree(element)):
        raise AssertionError(str(schema.error_log))


@pytest.mark.parametrize(
    "request_",
    [
        axl.get_ccm_version("12.5"),
        axl.list_process_node("12.5"),
        axl.list_presence_redundancy_group("12.5"),
        axl.get_presence_redundancy_group("12.5", "DefaultCUPSubcluster"),
        axl.update_presence_redundancy_group("12.5", "DefaultCUPSubcluster", False),
    ],
    ids=lambda r: r.soap_action,
)
def test_axl_requests_validate_against_ciscos_12_5_schema(request_: object) -> None:
    assert isinstance(request_, SoapRequest)
    assert_valid(axl_schema(), request_.content)
    op = etree.QName(request_element(request_.content)).localname
    assert request_.soap_action == f'"CUCM:DB ver=12.5 {op}"'


def test_control_center_requests_validate_against_ciscos_wsdl_types() -> None:
    status = cc.get_service_status(["Cisco SIP Proxy", "Cisco Tomcat"])
    control = cc.do_control_services("imp-pub.example", "Restart", ["Cisco SIP Proxy"])
    for request_ in (status, control, cc.get_service_status(), cc.get_product_information()):
        assert_valid(cc_schema(), request_.content)
    assert (status.soap_action, control.soap_action) == (
        "soapGetServiceStatus",
        "soapDoControlServices",
    )


def test_control_needs_a_known_action_and_a_service() -> None:
    with pytest.raises(ValueError):
        cc.do_control_services("n", "Reboot", ["Cisco SIP Proxy"])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        cc.do_control_services("n", "Start", [])


def _reply(inner: str) -> bytes:
    return (
        f'<soapenv:Envelope xmlns:soapenv="{ENV}"><soapenv:Body>{inner}'
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()


def test_axl_fault_carries_axlcode_and_message() -> None:
    data = _reply(
        "<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>Item not valid"
        "</faultstring><detail><axlError><axlcode>5007</axlcode><axlmessage>Item not valid: "
        "no such group</axlmessage><request>getPresenceRedundancyGroup</request></axlError>"
        "</detail></soapenv:Fault>"
    )
    with pytest.raises(axl.AxlFault) as caught:
        axl.parse_presence_redundancy_group(data)
    assert (caught.value.code, caught.value.message) == (5007, "Item not valid: no such group")
    assert "5007" in str(caught.value)


def test_process_nodes_skip_enterprise_wide_data_and_map_roles() -> None:
    ns = "http://www.cisco.com/AXL/API/14.0"
    rows = [
        ("cucm-pub.x", "Publisher", "CUCM Voice/Video"),
        ("imp-pub.x", "Publisher", "CUCM IM and Presence"),
        ("EnterpriseWideData", "Subscriber", "CUCM Voice/Video"),
    ]
    nodes = "".join(
        f"<processNode><name>{n}</name><description/><nodeUsage>{u}</nodeUsage>"
        f"<processNodeRole>{r}</processNodeRole></processNode>"
        for n, u, r in rows
    )
    data = _reply(
        f'<ns:listProcessNodeResponse xmlns:ns="{ns}"><return>{nodes}</return>'
        "</ns:listProcessNodeResponse>"
    )
    assert axl.parse_process_nodes(data) == (
        axl.ProcessNode("cucm-pub.x", "", "Publisher", "cucm"),
        axl.ProcessNode("imp-pub.x", "", "Publisher", "imp"),
    )


@pytest.mark.parametrize(
    ("raw", "flag"), [("t", True), ("1", True), ("FALSE", False), ("f", False)]
)
def test_ha_enabled_accepts_every_axl_boolean(raw: str, flag: bool) -> None:
    assert axl.parse_bool(raw) is flag


def test_soap_fault_and_garbage_are_typed() -> None:
    fault = _reply(
        "<soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>NodeName is not this"
        " node</faultstring></soapenv:Fault>"
    )
    with pytest.raises(SoapFault, match="NodeName is not this node"):
        cc.parse_control_services(fault)
    with pytest.raises(SoapParseError):
        cc.parse_service_status(b"<html>Service Unavailable</html>")
    with pytest.raises(SoapParseError):
        cc.parse_service_status(b"not xml")


def test_snapshot_payload_is_checked_field_by_field() -> None:
    snap = certmgr.parse_snapshot(
        {
            "server": "imp-pub.x",
            "identities": [{"service": "tomcat", "certificate": "PEM", "csr": None}],
            "trusts": [
                {
                    "service": "tomcat",
                    "certificate_data": [{"filename": "a.pem", "certificate": "P2"}],
                }
            ],
        }
    )
    assert snap.identities == (certmgr.Identity("tomcat", "PEM", None),)
    assert snap.trusts == (certmgr.TrustStore("tomcat", (("a.pem", "P2"),)),)
    with pytest.raises(certmgr.CertMgrPayloadError, match="identities\\[0\\]: service"):
        certmgr.parse_snapshot({"server": "x", "identities": [{"certificate": "P"}]})
