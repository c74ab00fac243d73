"""Certificate Management REST of a node, 14 and later (docs/design/interfaces.md §4).

Base ``/platformcom/api/v1/certmgr/config`` (the router carries it: mount with
``app.include_router(router(ctx))``, no extra prefix). A node before 14 has no such API: the
router is empty and every path is 404. Basic auth: the OS admin reads and writes; the read-only
OS account (CLI privilege 0) may GET only (403 on POST); anyone else gets 401.

Shapes marked [seen] come from third-party code that talks to real nodes; [guess] ones are the
lab's own choice where nothing public shows the real answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from cryptography import x509
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from uccert.lab.state import LabCommandError

from .http_context import HttpContext, authenticate

BASE = "/platformcom/api/v1/certmgr/config"
REST_FROM = (14, 0)
# [guess] from 15.0 the lab answers a POST that created something with 201 Created (third-party
# clients report 201, issue 13) and names trust stores in snapshot/server by their store name
# (`tomcat-trust`), the other form clients meet (issue 13); 14.x keeps 200 and `tomcat`.
CREATED_AND_STORE_NAMES_FROM = (15, 0)
THIS_SERVER = "this-server"  # [seen]
# [guess] the value for a multi-server (SAN) CSR; no public capture shows it. Configurable here.
MULTI_SERVER = "multi-server"
DISTRIBUTIONS = (THIS_SERVER, MULTI_SERVER)
KEY_LENGTHS = {"rsa": (1024, 2048, 3072, 4096), "ec": (256, 384, 521)}  # [guess]
HASH_ALGORITHMS = ("sha256", "sha384", "sha512")  # [guess]
ECDSA_SUFFIX = "-ECDSA"
TRUST_SUFFIX = "-trust"

Handler = Callable[[Request], Awaitable[Response]]


class RestError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error(status: int, message: str) -> JSONResponse:
    # [guess] the error body; real nodes answer JSON with a message
    return JSONResponse({"status": status, "message": message}, status_code=status)


def _version(text: str) -> tuple[int, int]:
    parts = [*text.split("."), "0"]
    return int(parts[0]), int(parts[1])


def _service_of_store(store: str) -> str:
    return store[: -len(TRUST_SUFFIX)] if store.endswith(TRUST_SUFFIX) else store


def _str(body: dict[str, Any], name: str, default: str | None = None) -> str:
    value = body.get(name, default)
    if not isinstance(value, str) or not value:
        raise RestError(400, f"{name} must be a non-empty string")
    return value


def _pems(body: dict[str, Any]) -> list[str]:
    certs = body.get("certificates")
    if not isinstance(certs, list) or not certs or not all(isinstance(c, str) for c in certs):
        raise RestError(400, "certificates must be a non-empty list of PEM certificates")
    for pem in certs:
        try:
            x509.load_pem_x509_certificates(pem.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise RestError(400, "certificates: not a PEM certificate") from None
    return list(certs)


class _CertMgr:
    def __init__(self, ctx: HttpContext) -> None:
        self.ctx = ctx
        self.lab = ctx.lab
        self.node = ctx.node

    def _units(self) -> list[str]:
        return [o.unit for o in self.lab.own_certs(self.node)]

    def _unit(self, service: str) -> str:
        if service not in self._units():
            raise RestError(
                400, f"unknown service {service!r}; services: {', '.join(self._units())}"
            )
        return service

    def _trusts(self) -> dict[str, list[dict[str, str]]]:
        stores: dict[str, list[dict[str, str]]] = {}
        by_store = _version(self.lab.spec(self.node).version) >= CREATED_AND_STORE_NAMES_FROM
        for t in self.lab.trust_certs(self.node):
            # [guess] filename without the store directory, as the file is named on disk
            name = t.store if by_store else _service_of_store(t.store)
            stores.setdefault(name, []).append(
                {"filename": t.file.rsplit("/", 1)[-1], "certificate": t.pem}
            )
        return stores

    # -- reads --------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        spec = self.lab.spec(self.node)
        digest = hashlib.sha256(f"{spec.fqdn}:{len(self.lab.events)}".encode()).hexdigest()
        return {
            "server": spec.fqdn,
            "trackingId": f"CM-{digest[:16].upper()}",  # [guess] format of the tracking id
            "identities": [
                {
                    "service": o.unit,
                    "certificate": o.pem,
                    "csr": self.lab.pending_csr(self.node, o.unit),
                }
                for o in self.lab.own_certs(self.node)
            ],
            "trusts": [
                {"service": service, "certificate_data": data}
                for service, data in self._trusts().items()
            ],
            "revokedCertificates": [],
        }

    def options(self) -> dict[str, Any]:
        # [guess] what the options call lists; enough for a client to build a CSR request
        return {
            "services": self._units(),
            "trustServices": list(self._trusts()),
            "distributions": list(DISTRIBUTIONS),
            "keyTypes": list(KEY_LENGTHS),
            "keyLengths": {k: list(v) for k, v in KEY_LENGTHS.items()},
            "hashAlgorithms": list(HASH_ALGORITHMS),
        }

    def get_csr(self, service: str) -> dict[str, Any]:
        unit = self._unit(service)
        pem = self.lab.pending_csr(self.node, unit)
        if pem is None:
            raise RestError(404, f"no CSR pending for {unit}")
        return {"service": unit, "csr": pem}

    def get_trust(self, service: str) -> dict[str, Any]:
        trusts = self._trusts()
        key = next((k for k in (service, f"{service}{TRUST_SUFFIX}") if k in trusts), None)
        if key is None:
            raise RestError(404, f"no trust certificates for {service!r}")
        return {"service": service, "certificate_data": trusts[key]}

    # -- writes -------------------------------------------------------------------------------

    def _multi_server_nodes(self, unit: str) -> list[str]:
        """The nodes a multi-server cert of ``unit`` covers: this product's nodes with the unit;
        tomcat from the CUCM side covers the IM/P nodes too (docs/design/procedure.md §2: "for
        tomcat on the
        CUCM publisher, covering every CUCM and IM/P node")."""
        product = self.lab.spec(self.node).product
        products = {product}
        if product == "cucm" and unit.startswith("tomcat"):
            products.add("imp")
        return [
            n.name
            for n in self.lab.topology.nodes
            if n.product in products and unit in {o.unit for o in self.lab.own_certs(n.name)}
        ]

    def post_csr(self, body: dict[str, Any]) -> dict[str, Any]:
        unit = self._unit(_str(body, "service"))
        distribution = _str(body, "distribution", THIS_SERVER)
        if distribution not in DISTRIBUTIONS:
            raise RestError(400, f"distribution must be one of {', '.join(DISTRIBUTIONS)}")
        key_type = _str(body, "keyType", "ec" if unit.endswith(ECDSA_SUFFIX) else "rsa").lower()
        if key_type != ("ec" if unit.endswith(ECDSA_SUFFIX) else "rsa"):
            raise RestError(400, f"keyType {key_type!r} does not fit the service {unit}")
        length = body.get("keyLength")
        if length is not None and length not in KEY_LENGTHS[key_type]:
            raise RestError(400, f"keyLength must be one of {KEY_LENGTHS[key_type]}")
        hash_alg = _str(body, "hashAlgorithm", "sha256").lower()
        if hash_alg not in HASH_ALGORITHMS:
            raise RestError(400, f"hashAlgorithm must be one of {', '.join(HASH_ALGORITHMS)}")
        spec = self.lab.spec(self.node)
        alt = body.get("altNames")
        if alt is not None and not (isinstance(alt, list) and all(isinstance(a, str) for a in alt)):
            raise RestError(400, "altNames must be a list of DNS names")
        names: list[str] = (
            [spec.fqdn]
            if distribution == THIS_SERVER
            else [self.lab.spec(n).fqdn for n in self._multi_server_nodes(unit)]
        )
        names += [a for a in alt or [] if a not in names]
        # The lab makes a key of the unit's own type and size (keyLength is checked, not used).
        cn = body.get("commonName")
        if cn is not None and not isinstance(cn, str):
            raise RestError(400, "commonName must be a string")
        pem = self.lab.generate_csr(self.node, unit, via="rest", alt_names=names, cn=cn or None)
        self.ctx.clock.settle()
        return {"csr": pem}

    def post_identity(self, body: dict[str, Any]) -> dict[str, Any]:
        unit = self._unit(_str(body, "service"))
        chain = "\n".join(_pems(body))
        if not self.lab.issuer_trusted(self.node, unit, chain):
            raise RestError(
                400, f"the issuing CA is not in the trust store of {unit}: upload it first"
            )
        try:
            own = self.lab.import_own(self.node, unit, chain, via="rest")
        except LabCommandError as exc:
            raise RestError(500, str(exc)) from None  # [seen] a key mismatch answers 500
        servers = [self.lab.spec(self.node).fqdn]
        try:
            sans = set(
                own.cert.extensions.get_extension_for_class(
                    x509.SubjectAlternativeName
                ).value.get_values_for_type(x509.DNSName)
            )
        except x509.ExtensionNotFound:
            sans = set()
        peers = [
            n
            for n in self._multi_server_nodes(unit)
            if n != self.node and self.lab.spec(n).fqdn in sans
        ]
        if peers:  # a multi-server (SAN) cert goes to every node it names
            self.lab.share_own(self.node, unit, peers, via="rest")
            servers += [self.lab.spec(n).fqdn for n in peers]
        self.ctx.clock.settle()
        return {"service": unit, "servers": servers}  # [guess] success body

    def post_trust(self, body: dict[str, Any]) -> dict[str, Any]:
        services = body.get("service")
        if isinstance(services, str):
            services = [services]
        if not isinstance(services, list) or not services:
            raise RestError(400, 'service must be a list of services, e.g. ["tomcat"]')
        pems = _pems(body)
        description = body.get("description")
        if description is not None and not isinstance(description, str):
            raise RestError(400, "description must be a string")
        added = []
        for service in services:
            if not isinstance(service, str):
                raise RestError(400, "service must be a list of strings")
            for pem in pems:
                try:
                    entry = self.lab.import_trust(
                        self.node,
                        f"{service}{TRUST_SUFFIX}",
                        pem,
                        via="rest",
                        description=description or None,
                    )
                except LabCommandError as exc:
                    raise RestError(400, str(exc)) from None
                added.append({"service": service, "filename": entry.file.rsplit("/", 1)[-1]})
        self.ctx.clock.settle()
        return {"certificates": added}  # [guess] success body


def router(ctx: HttpContext) -> APIRouter:
    api = APIRouter(prefix=BASE)
    if _version(ctx.lab.spec(ctx.node).version) < REST_FROM:
        return api  # no Certificate Management REST before 14: every path is 404
    mgr = _CertMgr(ctx)
    accounts = ctx.accounts
    created = (
        201 if _version(ctx.lab.spec(ctx.node).version) >= CREATED_AND_STORE_NAMES_FROM else 200
    )

    def guard(write: bool, work: Callable[[Request], Awaitable[Any]]) -> Handler:
        async def endpoint(request: Request) -> Response:
            header = request.headers.get("authorization")
            admin = authenticate(header, accounts.os_admin) is not None
            if not admin and authenticate(header, accounts.os_readonly) is None:
                return Response(
                    status_code=401, headers={"WWW-Authenticate": 'Basic realm="certmgr"'}
                )
            if write and not admin:
                return _error(403, "this account may only read (CLI privilege 0)")
            try:
                ctx.clock.sync()
                status = created if write else 200
                return JSONResponse(await work(request), status_code=status)
            except RestError as exc:
                return _error(exc.status, exc.message)

        return endpoint

    async def json_body(request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise RestError(400, "the body must be JSON") from None
        if not isinstance(body, dict):
            raise RestError(400, "the body must be a JSON object")
        return body

    def query(request: Request, name: str) -> str:
        value = request.query_params.get(name)
        if not value:
            raise RestError(400, f"query parameter {name} is required")
        return value

    async def snapshot(request: Request) -> Any:
        return mgr.snapshot()

    async def options(request: Request) -> Any:
        return mgr.options()

    async def get_csr(request: Request) -> Any:
        return mgr.get_csr(query(request, "service"))

    async def post_csr(request: Request) -> Any:
        return mgr.post_csr(await json_body(request))

    async def post_identity(request: Request) -> Any:
        return mgr.post_identity(await json_body(request))

    async def get_trust(request: Request) -> Any:
        return mgr.get_trust(query(request, "service"))

    async def post_trust(request: Request) -> Any:
        return mgr.post_trust(await json_body(request))

    routes: list[tuple[str, str, Callable[[Request], Awaitable[Any]]]] = [
        ("GET", "/snapshot/server", snapshot),
        ("GET", "/options", options),
        ("GET", "/csr", get_csr),
        ("POST", "/csr", post_csr),
        ("POST", "/identity/certificates", post_identity),
        ("GET", "/trust/certificate", get_trust),
        ("POST", "/trust/certificates", post_trust),
    ]
    for method, path, work in routes:
        api.add_api_route(
            path, guard(method == "POST", work), methods=[method], include_in_schema=False
        )
    return api
