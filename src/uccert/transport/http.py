"""The one place that builds HTTPS clients: pinned TLS, the node's FQDN checked, timeouts set.

Theory of operation: :func:`http_client` returns an :class:`httpx.AsyncClient` whose base URL is
``https://<address>:<port>`` and whose transport (:class:`_PinnedTransport`) does three things
around every request:

1. sets the ``sni_hostname`` extension to the node's FQDN, so the TLS handshake names the node
   and the certificate is checked against that name (``check_hostname``) even when we connect
   to an address (an inventory override, the lab's 127.0.0.1);
2. verifies the certificate against exactly the pinned PEM(s) of that node (an SSL context with
   only those as trust anchors, partial chains allowed so a pinned CA-signed leaf works too) —
   never with verification off and never with the system's CAs (``trust_env=False``);
3. turns failures into typed errors: a refused certificate is :class:`TlsPinMismatch` (a
   ConfigError: nothing was sent, the fix is ``uccert pin``), 401 is
   :class:`AuthenticationFailed`, refused/reset connections :class:`HttpConnectFailed`, and
   timeouts :class:`HttpTimeout`.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from typing import Final

import httpx
from cryptography import x509

from uccert.config import Secret
from uccert.protocols import SoapRequest
from uccert.transport.errors import (
    MAX_OUTPUT_BYTES,
    AuthenticationFailed,
    HttpConnectFailed,
    HttpStatusError,
    HttpTimeout,
    OutputTooLarge,
    TlsPinMismatch,
    TlsPinUnknown,
)

# A Control Center restart replies when the service is back; a real node may take a while.
DEFAULT_TIMEOUT: Final = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=10.0)
# The whole exchange, headers and body: a node dripping a byte just inside each read timeout
# must not hold a run for hours.
DEFAULT_DEADLINE: Final = 300.0


def node_timeout(connect_timeout: float) -> httpx.Timeout:
    """The timeouts of a node's client with the inventory's ``connect_timeout``."""
    return httpx.Timeout(
        connect=connect_timeout, read=DEFAULT_TIMEOUT.read, write=30.0, pool=connect_timeout
    )


@dataclass(frozen=True)
class HttpTarget:
    """Which node to talk to (``node_fqdn``, checked against its cert), where, and its pin."""

    node_fqdn: str
    address: str
    port: int
    pinned_pem: str = field(repr=False)

    @property
    def base_url(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"https://{host}:{self.port}"

    @property
    def label(self) -> str:
        return f"{self.node_fqdn} ({self.address}:{self.port})"


X509_V_FLAG_NO_CHECK_TIME: Final = ssl.VerifyFlags(0x200000)  # OpenSSL's, not in Python's ssl


def pinned_ssl_context(target: HttpTarget) -> ssl.SSLContext:
    """An SSL context trusting exactly the pinned cert(s), checking the node's host name."""
    try:
        certs = x509.load_pem_x509_certificates(target.pinned_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        certs = []
    if not certs:
        raise TlsPinUnknown(
            f"no TLS certificate is pinned for {target.node_fqdn}: check its fingerprint,"
            f" then pin it with `uccert pin {target.node_fqdn}`"
        )
    ctx = ssl.create_default_context(cadata=target.pinned_pem)  # only these anchors
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN  # a pinned leaf is an anchor of its own
    # The pin, not the validity window, is the trust decision: uccert must still reach a node
    # whose tomcat cert has expired (that is when admins need it most), or whose clock is off.
    # `uccert check` reports the expiry itself.
    ctx.verify_flags |= X509_V_FLAG_NO_CHECK_TIME
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def _verify_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


class _PinnedTransport(httpx.AsyncBaseTransport):
    def __init__(self, target: HttpTarget, deadline: float = DEFAULT_DEADLINE) -> None:
        self.target = target
        self.deadline = deadline
        self._inner = httpx.AsyncHTTPTransport(verify=pinned_ssl_context(target), trust_env=False)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """The reply read whole, within ``deadline`` and ``MAX_OUTPUT_BYTES``."""
        t = self.target
        try:
            async with asyncio.timeout(self.deadline):
                response = await self._exchange(request)
                body = await self._body(request, response)
        except TimeoutError:
            raise HttpTimeout(
                f"{t.label} did not finish answering {request.method} {request.url.path} within"
                f" {self.deadline:g} s: check the node, then retry"
            ) from None
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=body,
            request=request,
            extensions=response.extensions,
        )

    async def _body(self, request: httpx.Request, response: httpx.Response) -> bytes:
        body = bytearray()
        try:
            async for chunk in response.stream:  # type: ignore[union-attr]
                body += chunk
                if len(body) > MAX_OUTPUT_BYTES:
                    raise OutputTooLarge(
                        f"{self.target.label} sent more than {MAX_OUTPUT_BYTES // 2**20} MiB for"
                        f" {request.method} {request.url.path}; the reply was dropped: look at"
                        " the node"
                    )
        except httpx.TimeoutException as exc:
            raise HttpTimeout(
                f"{self.target.label} stopped answering {request.method} {request.url.path}"
                f" ({type(exc).__name__}): check the node is up, then retry"
            ) from exc
        except httpx.TransportError as exc:
            raise HttpConnectFailed(
                f"{self.target.label} dropped the reply to {request.method} {request.url.path}"
                f" ({type(exc).__name__}): check the node, then retry"
            ) from exc
        finally:
            await response.aclose()
        return bytes(body)

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        t = self.target
        request.extensions["sni_hostname"] = t.node_fqdn  # the name the cert is checked against
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.TimeoutException as exc:
            raise HttpTimeout(
                f"{t.label} did not answer {request.method} {request.url.path} in time"
                f" ({type(exc).__name__}): check the node is up, then retry"
            ) from exc
        except httpx.TransportError as exc:
            refused = _verify_error(exc)
            if refused is not None:
                reason = refused.verify_message or str(refused)
                raise TlsPinMismatch(
                    f"{t.label} presented a TLS certificate that is not the one pinned for it"
                    f" ({reason}); nothing was sent: check its fingerprint, then re-pin with"
                    f" `uccert pin {t.node_fqdn}`"
                ) from None
            raise HttpConnectFailed(
                f"cannot reach {t.label} over HTTPS ({type(exc).__name__}: {exc or 'no detail'}):"
                " check the address, port and that Cisco Tomcat is running"
            ) from exc
        if response.status_code == 401:
            await response.aclose()
            raise AuthenticationFailed(
                f"{t.label} refused the username/password for {request.url.path} (HTTP 401):"
                " check the account in the credentials"
            )
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def http_client(
    target: HttpTarget,
    auth: tuple[str, Secret | str],
    *,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    deadline: float = DEFAULT_DEADLINE,
) -> httpx.AsyncClient:
    """An HTTPS client for one node: pinned TLS, HTTP Basic ``auth``, timeouts, a deadline for
    each whole exchange, replies capped at ``MAX_OUTPUT_BYTES``, no env proxies."""
    username, password = auth
    secret = password.reveal() if isinstance(password, Secret) else password
    return httpx.AsyncClient(
        base_url=target.base_url,
        auth=httpx.BasicAuth(username, secret),
        transport=_PinnedTransport(target, deadline),
        timeout=timeout,
        trust_env=False,
        follow_redirects=False,
    )


def unexpected_status(target: str, response: httpx.Response, what: str) -> HttpStatusError:
    """The error for a reply whose status the interface does not document."""
    return HttpStatusError(
        f"{target} answered {what} with HTTP {response.status_code}"
        f" {response.reason_phrase}: {response.text[:120]!r}",
        status=response.status_code,
    )


async def post_soap(http: httpx.AsyncClient, path: str, request: SoapRequest) -> bytes:
    """POST one SOAP request; the reply's bytes when it is a reply or a fault (200 or 500)."""
    response = await http.post(path, content=request.content, headers=request.headers)
    if response.status_code not in (200, 500):
        raise unexpected_status(str(http.base_url), response, f"POST {path}")
    return response.content
