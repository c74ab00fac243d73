"""The lab's Certificate Management REST as a plain httpx client sees it."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from uccert.lab.servers.certmgr_rest import BASE

from .http_lab import HttpLab, open_http_lab

pytestmark = pytest.mark.timeout(90)

OpenLab = Callable[..., Awaitable[HttpLab]]


@pytest.fixture
async def open_lab(tmp_path: Path) -> AsyncIterator[OpenLab]:
    exits: list[Callable[..., Awaitable[object]]] = []

    async def _open(version: str | None = None) -> HttpLab:
        cm = open_http_lab(tmp_path / str(len(exits)), version=version)
        http = await cm.__aenter__()
        exits.append(cm.__aexit__)
        return http

    yield _open
    for exit_ in reversed(exits):
        await exit_(None, None, None)


def admin(http: HttpLab, node: str, password: str | None = None) -> httpx.AsyncClient:
    acct = http.accounts.os_admin
    return http.client(node, (acct.username, password or acct.password))


def readonly(http: HttpLab, node: str) -> httpx.AsyncClient:
    acct = http.accounts.os_readonly
    return http.client(node, (acct.username, acct.password))


class CA:
    def __init__(self, cn: str = "Lab Test Root CA") -> None:
        self.key = rsa.generate_private_key(65537, 2048)
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        now = dt.datetime.now(dt.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.pem = self.cert.public_bytes(serialization.Encoding.PEM).decode()

    def sign(self, csr_pem: str, public_key: Any = None) -> str:
        csr = x509.load_pem_x509_csr(csr_pem.encode())
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(self.name)
            .public_key(public_key or csr.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=365))
        )
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        builder = builder.add_extension(san, critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        return cert.public_bytes(serialization.Encoding.PEM).decode()


async def new_csr(client: httpx.AsyncClient, http: HttpLab, node: str, **extra: Any) -> str:
    fqdn = http.running.lab.spec(node).fqdn
    body = {
        "service": "tomcat",
        "distribution": "this-server",
        "commonName": fqdn,
        "keyType": "rsa",
        "keyLength": 2048,
        "hashAlgorithm": "sha256",
        "altNames": [],
        **extra,
    }
    resp = await client.post(http.url(node, f"{BASE}/csr"), json=body)
    assert resp.status_code == 200, resp.text
    return str(resp.json()["csr"])


async def trust_ca(client: httpx.AsyncClient, http: HttpLab, node: str, ca: CA) -> None:
    resp = await client.post(
        http.url(node, f"{BASE}/trust/certificates"),
        json={"service": ["tomcat"], "certificates": [ca.pem], "description": "test CA"},
    )
    assert resp.status_code == 200, resp.text


async def test_snapshot_lists_identities_and_trusts(open_lab: OpenLab) -> None:
    http = await open_lab()
    lab = http.running.lab
    async with admin(http, "imp-pub") as c:
        resp = await c.get(http.url("imp-pub", f"{BASE}/snapshot/server"))
    assert resp.status_code == 200
    snap = resp.json()
    assert snap["server"] == lab.spec("imp-pub").fqdn
    assert snap["trackingId"] and snap["revokedCertificates"] == []
    ids = {i["service"]: i for i in snap["identities"]}
    own = {o.unit: o for o in lab.own_certs("imp-pub")}
    assert set(ids) == set(own)
    for unit, ident in ids.items():
        cert = x509.load_pem_x509_certificate(ident["certificate"].encode())
        assert cert == own[unit].cert
        assert ident["csr"] is None
    trusts = {t["service"]: t["certificate_data"] for t in snap["trusts"]}
    assert "tomcat" in trusts and "cup-xmpp" in trusts
    files = {(t.store, t.file.rsplit("/", 1)[-1]) for t in lab.trust_certs("imp-pub")}
    got = {(f"{s}-trust", d["filename"]) for s, data in trusts.items() for d in data}
    assert got == files
    for data in trusts.values():
        for d in data:
            x509.load_pem_x509_certificate(d["certificate"].encode())


async def test_post_csr_returns_a_csr_for_the_node(open_lab: OpenLab) -> None:
    http = await open_lab()
    lab = http.running.lab
    async with admin(http, "imp-sub1") as c:
        pem = await new_csr(c, http, "imp-sub1")
        csr = x509.load_pem_x509_csr(pem.encode())
        cn = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        assert cn == lab.spec("imp-sub1").fqdn
        again = await c.get(http.url("imp-sub1", f"{BASE}/csr"), params={"service": "tomcat"})
        assert again.status_code == 200 and again.json()["csr"] == pem
        snap = (await c.get(http.url("imp-sub1", f"{BASE}/snapshot/server"))).json()
        assert {i["service"]: i["csr"] for i in snap["identities"]}["tomcat"] == pem
        assert (await c.get(http.url("imp-sub1", f"{BASE}/options"))).status_code == 200
    assert [e.kind for e in lab.events][-1] == "csr-generated"


async def test_wrong_password_is_401_and_readonly_cannot_post(open_lab: OpenLab) -> None:
    http = await open_lab()
    url = http.url("imp-pub", f"{BASE}/snapshot/server")
    async with admin(http, "imp-pub", password="wrong") as c:
        assert (await c.get(url)).status_code == 401
    async with http.client("imp-pub") as c:
        assert (await c.get(url)).status_code == 401
    app = http.accounts.app_admin
    async with http.client("imp-pub", (app.username, app.password)) as c:
        assert (await c.get(url)).status_code == 401
    async with readonly(http, "imp-pub") as c:
        assert (await c.get(url)).status_code == 200
        resp = await c.post(http.url("imp-pub", f"{BASE}/csr"), json={"service": "tomcat"})
        assert resp.status_code == 403
    assert not [e for e in http.running.lab.events if e.kind == "csr-generated"]


async def test_a_12_5_node_has_no_rest_api(open_lab: OpenLab) -> None:
    http = await open_lab(version="12.5")
    async with admin(http, "imp-pub") as c:
        for path in ("/snapshot/server", "/options", "/csr?service=tomcat"):
            assert (await c.get(http.url("imp-pub", BASE + path))).status_code == 404
        assert (await c.post(http.url("imp-pub", f"{BASE}/csr"), json={})).status_code == 404


async def test_identity_upload_checks_issuer_then_key_then_stores(open_lab: OpenLab) -> None:
    http = await open_lab()
    lab = http.running.lab
    ca = CA()
    node = "imp-pub"
    url = http.url(node, f"{BASE}/identity/certificates")
    async with admin(http, node) as c:
        pem = await new_csr(c, http, node)
        signed = ca.sign(pem)
        # the CA is not in tomcat-trust yet: 400, even with the CA in the chain
        resp = await c.post(url, json={"service": "tomcat", "certificates": [signed, ca.pem]})
        assert resp.status_code == 400, resp.text
        await trust_ca(c, http, node, ca)
        # a cert for another key than the pending CSR's: 500
        other = rsa.generate_private_key(65537, 2048).public_key()
        wrong = ca.sign(pem, public_key=other)
        resp = await c.post(url, json={"service": "tomcat", "certificates": [wrong, ca.pem]})
        assert resp.status_code == 500, resp.text
        before = next(o for o in lab.own_certs(node) if o.unit == "tomcat")
        assert before.description == "Self-signed certificate generated by system"
        resp = await c.post(url, json={"service": "tomcat", "certificates": [signed, ca.pem]})
        assert resp.status_code == 200, resp.text
    tomcat = next(o for o in lab.own_certs(node) if o.unit == "tomcat")
    assert tomcat.pem.strip() == signed.strip()
    assert tomcat.description == "Certificate Signed by Lab Test Root CA"
    uploaded = [e.to_json() for e in lab.events if e.kind == "cert-uploaded"]
    assert [(u["node"], u["unit"], u["via"]) for u in uploaded] == [(node, "tomcat", "rest")]
    # the other IM/P node keeps its own cert (this-server distribution)
    sub = next(o for o in lab.own_certs("imp-sub1") if o.unit == "tomcat")
    assert sub.pem != tomcat.pem


@pytest.mark.parametrize(
    ("publisher", "covered"),
    [
        # an IM/P multi-server cert goes to the IM/P nodes with the unit, not to CUCM
        ("imp-pub", {"imp-pub", "imp-sub1"}),
        # docs/design/procedure.md §2: tomcat's multi-server CSR on the CUCM publisher names every
        # CUCM and
        # IM/P node, and the cert uploaded there is distributed to all of them
        ("cucm-pub", {"cucm-pub", "imp-pub", "imp-sub1"}),
    ],
)
async def test_multi_server_tomcat_goes_to_every_node_it_covers(
    open_lab: OpenLab, publisher: str, covered: set[str]
) -> None:
    http = await open_lab()
    lab = http.running.lab
    ca = CA()
    async with admin(http, publisher) as c:
        pem = await new_csr(
            c,
            http,
            publisher,
            distribution="multi-server",
            commonName=f"{publisher}-ms.lab.example",
        )
        sans = (
            x509.load_pem_x509_csr(pem.encode())
            .extensions.get_extension_for_class(x509.SubjectAlternativeName)
            .value.get_values_for_type(x509.DNSName)
        )
        assert set(sans) == {lab.spec(n).fqdn for n in covered}
        await trust_ca(c, http, publisher, ca)
        signed = ca.sign(pem)
        resp = await c.post(
            http.url(publisher, f"{BASE}/identity/certificates"),
            json={"service": "tomcat", "certificates": [signed]},
        )
        assert resp.status_code == 200, resp.text
    for node in lab.node_names():
        tomcat = next(o for o in lab.own_certs(node) if o.unit == "tomcat")
        assert (tomcat.pem.strip() == signed.strip()) == (node in covered), node
    uploaded = {e.node for e in lab.events if e.kind == "cert-uploaded"}
    assert uploaded == covered


async def test_trust_upload_and_read_back(open_lab: OpenLab) -> None:
    http = await open_lab()
    lab = http.running.lab
    ca = CA("Another CA")
    async with admin(http, "cucm-pub") as c:
        await trust_ca(c, http, "cucm-pub", ca)
        resp = await c.get(
            http.url("cucm-pub", f"{BASE}/trust/certificate"), params={"service": "tomcat"}
        )
    assert resp.status_code == 200
    pems = {d["certificate"].strip() for d in resp.json()["certificate_data"]}
    assert ca.pem.strip() in pems
    added = [t for t in lab.trust_certs("cucm-pub") if t.cert == ca.cert]
    assert len(added) == 1 and added[0].store == "tomcat-trust"
    assert added[0].description == "test CA"
    assert any(e.kind == "trust-added" and e.data.get("via") == "rest" for e in lab.events)


async def test_bad_requests_are_400(open_lab: OpenLab) -> None:
    http = await open_lab()
    async with admin(http, "imp-pub") as c:
        base = http.url("imp-pub", BASE)
        assert (await c.post(f"{base}/csr", content=b"not json")).status_code == 400
        assert (await c.post(f"{base}/csr", json={"service": "nope"})).status_code == 400
        bad_type = {"service": "tomcat", "keyType": "ec"}
        assert (await c.post(f"{base}/csr", json=bad_type)).status_code == 400
        bad_pem = {"service": "tomcat", "certificates": ["junk"]}
        assert (await c.post(f"{base}/identity/certificates", json=bad_pem)).status_code == 400
        assert (await c.get(f"{base}/csr", params={"service": "tomcat"})).status_code == 404
