"""Per-node HTTPS (Cisco Tomcat): one port serving both 8443 (``https``) and 443 (``rest``).

``HttpsServer`` is a ``BoundServer``: a ``ServiceBoundListener(lab, node, "tomcat", server)``
opens it with the tomcat cert Cisco Tomcat loaded at its last start and closes it while Tomcat
is down, so the port refuses connections during a restart and presents the new cert after it.

uvicorn runs programmatically and quietly: no signal handlers (``Server.serve`` would install
them), no lifespan, no access log, warnings only. The listening socket is bound here, so a busy
port raises ``OSError`` instead of uvicorn's ``sys.exit``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Callable

import uvicorn
from cryptography import x509
from fastapi import FastAPI

from uccert.lab.state import FaultKind, Lab, PrivateKey

from .service_bound import WATCH_INTERVAL, ServiceBoundListener, server_ssl_context


class HttpsServer:
    """Serves ``app`` over TLS on 127.0.0.1 with whatever identity it is opened with."""

    def __init__(
        self, app: FastAPI, host: str = "127.0.0.1", refuse: Callable[[], bool] | None = None
    ) -> None:
        self.app = app
        self.host = host
        self.refuse = refuse  # while true, every TLS handshake is refused (node unreachable)
        self._server: uvicorn.Server | None = None
        self._loop_task: asyncio.Task[None] | None = None

    async def open(self, port: int, cert: x509.Certificate, key: PrivateKey) -> None:
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=port,
            log_config=None,  # leave the process's logging alone
            log_level="warning",
            access_log=False,
            lifespan="off",
            server_header=False,
        )
        config.load()
        config.ssl = server_ssl_context(cert, key)
        if self.refuse is not None:
            refuse = self.refuse

            def hello(*_: object) -> int | None:
                return ssl.ALERT_DESCRIPTION_HANDSHAKE_FAILURE if refuse() else None

            config.ssl.sni_callback = hello
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # beside its holder
            sock.bind((self.host, port))
            sock.listen(128)
            sock.setblocking(False)
            server = uvicorn.Server(config)
            # What Server._serve does before startup (serve() would also install signal handlers)
            server.lifespan = config.lifespan_class(config)
            await server.startup(sockets=[sock])
        except BaseException:
            sock.close()
            raise
        self._server = server
        self._loop_task = asyncio.create_task(server.main_loop(), name=f"https:{port}")

    async def close(self) -> None:
        server, task = self._server, self._loop_task
        self._server = self._loop_task = None
        if server is None:
            return
        server.should_exit = True
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # A stopping Tomcat drops its connections at once: no graceful wait for keep-alive
        # clients (uvicorn's shutdown() would sleep, and a TLS close waits for close_notify).
        for listener in server.servers:
            listener.close()
        for connection in list(server.server_state.connections):
            transport = getattr(connection, "transport", None)
            if transport is not None:
                transport.abort()
        for listener in server.servers:
            await listener.wait_closed()


def node_listener(
    lab: Lab, node: str, app: FastAPI, interval: float = WATCH_INTERVAL
) -> ServiceBoundListener:
    """The Tomcat-bound HTTPS listener of one node (start it, stop it with the lab). While a
    ``node-unreachable`` fault is on the node, its handshakes are refused too (the fault's
    count is consumed by SSH connections only, so a count keeps its meaning there)."""

    def unreachable() -> bool:
        return any(
            f.kind == FaultKind.NODE_UNREACHABLE and f.count > 0 and f.node in (None, node)
            for f in lab.faults
        )

    server = HttpsServer(app, refuse=unreachable)
    return ServiceBoundListener(lab, node, "tomcat", server, interval=interval)
