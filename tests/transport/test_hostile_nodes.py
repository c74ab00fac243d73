"""A broken or hostile node cannot exhaust uccert: command output and HTTP replies are capped
at MAX_OUTPUT_BYTES, a slow-drip reply is bounded by a total deadline, and the SSH reader
stays linear. Real servers on 127.0.0.1 that misbehave on purpose."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ssl
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncssh
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from uccert.transport import KnownHostsSource
from uccert.transport.errors import MAX_OUTPUT_BYTES, HttpTimeout, OutputTooLarge
from uccert.transport.http import HttpTarget, http_client
from uccert.transport.ssh_cli import AdminCliSession, SshTarget

pytestmark = pytest.mark.timeout(60)

FQDN = "node.example"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _identity() -> tuple[str, ssl.SSLContext]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, FQDN)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(FQDN)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "id.pem"
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            + pem
        )
        context.load_cert_chain(path)
    return pem.decode(), context


@contextlib.asynccontextmanager
async def https_server(handler: Handler) -> AsyncIterator[HttpTarget]:
    pem, context = _identity()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            await reader.readuntil(b"\r\n\r\n")
            await handler(reader, writer)
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    try:
        yield HttpTarget(FQDN, "127.0.0.1", port, pem)
    finally:
        server.close()


async def _flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 200000000\r\n\r\n")
    chunk = b"<x>" * 100_000
    while True:
        writer.write(chunk)
        await writer.drain()


async def _drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    while True:
        writer.write(b"<")
        await writer.drain()
        await asyncio.sleep(0.05)  # far inside any read timeout


async def test_a_huge_http_reply_is_cut_at_the_cap() -> None:
    async with https_server(_flood) as target, http_client(target, ("u", "p")) as http:
        with pytest.raises(OutputTooLarge, match="MiB"):
            await http.post("/axl/", content=b"<q/>")


async def test_a_slow_drip_reply_is_bounded_by_the_deadline() -> None:
    async with https_server(_drip) as target, http_client(target, ("u", "p"), deadline=1.0) as http:
        began = time.monotonic()
        with pytest.raises(HttpTimeout, match="within 1 s"):
            await http.get("/controlcenterservice2/services/ControlCenterServices")
        assert time.monotonic() - began < 5


class _AnyPassword(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return True


async def _flooding_shell(process: asyncssh.SSHServerProcess[str]) -> None:
    """An admin CLI that answers `set cli pagination off`, then floods any other command."""
    process.stdout.write("admin:")
    with contextlib.suppress(Exception):
        async for line in process.stdin:
            if "pagination" in line:
                process.stdout.write("Automatic Pagination is Off\nadmin:")
                continue
            while True:  # no prompt ever comes
                process.stdout.write("line of output " * 4000 + "\n")
                await process.stdout.drain()


async def test_a_command_that_never_ends_is_cut_at_the_cap() -> None:
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    server = await asyncssh.create_server(
        _AnyPassword,
        "127.0.0.1",
        0,
        server_host_keys=[host_key],
        process_factory=_flooding_shell,
        encoding="utf-8",
    )
    port = server.sockets[0].getsockname()[1]
    line = f"[127.0.0.1]:{port} {host_key.export_public_key().decode().strip()}\n"
    target = SshTarget("127.0.0.1", port, "admin", "pw", KnownHostsSource.from_text(line))
    try:
        async with AdminCliSession(target, login_timeout=10, command_timeout=30) as session:
            began = time.monotonic()
            with pytest.raises(OutputTooLarge, match="MiB"):
                await session.run("show cert list own")
            took = time.monotonic() - began
            assert not session.connected
        assert took < 20, f"{MAX_OUTPUT_BYTES} bytes took {took:.1f} s to read"
    finally:
        server.close()
