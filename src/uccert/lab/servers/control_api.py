"""The lab's control API: what tests, demos and benchmarks use to watch and steer a running lab.

Plain HTTP on 127.0.0.1 only, no auth (it is not part of the simulated cluster):

- ``GET /events?node=&kind=&since=``: the event log, oldest first, each ``event.to_json()``;
  ``since`` is the last ``seq`` already seen (only later events are returned).
- ``GET /state``: ``{"now", "nodes": [{"name", "version", "identities", "trusts", "services"}],
  "groups"}`` (serials lowercase hex without separators, times ISO 8601 UTC).
- ``GET /faults``, ``POST /faults`` (``{"kind", "node", "target", "count", "seconds"}``),
  ``DELETE /faults``.

The same documents are built by ``state_json`` / ``events_json`` / ``fault_from_json`` for
in-process callers; ``LabControl`` is a small async client of the HTTP API.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import math
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from cryptography import x509
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from uccert.lab.state import Fault, FaultKind, Lab

from .clock import VirtualClock

HOST = "127.0.0.1"
FAULT_FIELDS = ("kind", "node", "target", "count", "seconds")
STOP_TIMEOUT = 10.0


class ControlInputError(ValueError):
    """A request the control API refuses (HTTP 400); the message says what to send instead."""


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def serial_hex(cert: x509.Certificate) -> str:
    return format(cert.serial_number, "x")


def state_json(lab: Lab, clock: VirtualClock | None = None) -> dict[str, Any]:
    """The lab as the control API shows it (settles the clock first when one is given)."""
    if clock is not None:
        clock.settle()
    return {
        "now": iso(lab.now_datetime()),
        "nodes": [
            {
                "name": node,
                "version": lab.display_version(node),
                "identities": [
                    {
                        "unit": c.unit,
                        "serial": serial_hex(c.cert),
                        "not_after": iso(c.cert.not_valid_after_utc),
                        "pem": c.pem,
                    }
                    for c in lab.own_certs(node)
                ],
                "trusts": [
                    {
                        "store": c.store,
                        "file": c.file,
                        "serial": serial_hex(c.cert),
                        "not_after": iso(c.cert.not_valid_after_utc),
                        "pem": c.pem,
                    }
                    for c in lab.trust_certs(node)
                ],
                "services": [{"name": s.name, "state": s.state} for s in lab.services(node)],
            }
            for node in lab.node_names()
        ],
        "groups": [
            {"name": g.name, "server1": g.server1, "server2": g.server2, "ha_enabled": g.ha_enabled}
            for g in lab.groups()
        ],
    }


def events_json(
    lab: Lab,
    node: str | None = None,
    kind: str | None = None,
    since: int | str | None = None,
) -> list[dict[str, object]]:
    """Events (oldest first) of ``node`` and ``kind`` with ``seq`` > ``since``."""
    if node is not None and node not in lab.node_names():
        raise ControlInputError(f"no node {node!r}; nodes are {', '.join(lab.node_names())}")
    after = 0
    if since is not None:
        try:
            after = int(since)
        except ValueError:
            raise ControlInputError(
                f"since={since!r} is not a number; give the last event seq already seen"
            ) from None
    return [
        e.to_json()
        for e in lab.events
        if e.seq > after and (node is None or e.node == node) and (kind is None or e.kind == kind)
    ]


def fault_from_json(lab: Lab, body: object) -> Fault:
    """A ``Fault`` from ``{"kind", "node", "target", "count", "seconds"}``; ControlInputError."""
    if not isinstance(body, dict):
        raise ControlInputError('send a JSON object like {"kind": "command-fails", ...}')
    unknown = sorted(set(body) - set(FAULT_FIELDS))
    if unknown:
        raise ControlInputError(f"unknown field(s) {unknown}; fields are {list(FAULT_FIELDS)}")
    kinds = [k.value for k in FaultKind]
    kind = body.get("kind")
    if kind not in kinds:
        raise ControlInputError(f"kind must be one of {kinds}, not {kind!r}")
    node = body.get("node")
    if node is not None and node not in lab.node_names():
        raise ControlInputError(
            f"node must be null (every node) or one of {lab.node_names()}, not {node!r}"
        )
    target = body.get("target")
    if target is not None and not (isinstance(target, str) and target.strip()):
        raise ControlInputError(
            "target must be null or a non-empty string (a command prefix or a service name)"
        )
    count = body.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ControlInputError(f"count must be an integer >= 1, not {count!r}")
    seconds = body.get("seconds", 0)
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not math.isfinite(seconds)
        or seconds < 0
    ):
        raise ControlInputError(f"seconds must be a number >= 0, not {seconds!r}")
    return Fault(FaultKind(kind), node, target, count, float(seconds))


def fault_json(fault: Fault) -> dict[str, object]:
    return {
        "kind": fault.kind.value,
        "node": fault.node,
        "target": fault.target,
        "count": fault.count,
        "seconds": fault.seconds,
    }


def make_app(lab: Lab, clock: VirtualClock | None = None) -> FastAPI:
    """The control API over ``lab``. Handlers are async: the lab lives on the event loop."""
    app = FastAPI(title="uccert lab control", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(ControlInputError)
    async def bad_input(request: Request, exc: ControlInputError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.get("/events")
    async def get_events(
        node: str | None = None, kind: str | None = None, since: str | None = None
    ) -> list[dict[str, object]]:
        if clock is not None:
            clock.sync()
        return events_json(lab, node, kind, since)

    @app.get("/state")
    async def get_state() -> dict[str, Any]:
        return state_json(lab, clock)

    @app.get("/faults")
    async def get_faults() -> list[dict[str, object]]:
        return [fault_json(f) for f in lab.faults]

    @app.post("/faults", status_code=201)
    async def post_fault(request: Request) -> dict[str, object]:
        try:
            body = json.loads(await request.body())
        except ValueError:
            raise ControlInputError("the body must be JSON") from None
        fault = fault_from_json(lab, body)
        lab.inject_fault(fault)
        return fault_json(fault)

    @app.delete("/faults")
    async def delete_faults() -> dict[str, int]:
        cleared = len(lab.faults)
        lab.clear_faults()
        return {"cleared": cleared}

    @app.post("/backup")
    async def post_backup() -> dict[str, str]:
        """Run a DRF backup of every node now: node -> "SUCCESS" or why it failed."""
        if clock is not None:
            clock.sync()
        return dict(lab.backup("control"))

    return app


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.stop_requested = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Whoever runs the lab owns SIGINT/SIGTERM (`uccert lab up` installs its own handlers).
        yield

    async def main_loop(self) -> None:
        # uvicorn's loop, but woken at once by stop() instead of polling every 0.1 s: a lab
        # starts and stops many times in the tests.
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_requested.wait(), 0.1)


@dataclass
class ControlApi:
    server: _Server
    task: asyncio.Task[None]
    port: int

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    async def stop(self) -> None:
        self.server.should_exit = True
        self.server.stop_requested.set()
        try:
            await asyncio.wait_for(self.task, STOP_TIMEOUT)
        except TimeoutError:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


async def start_control_api(lab: Lab, clock: VirtualClock | None = None) -> ControlApi:
    """Serve the control API on an ephemeral 127.0.0.1 port until ``stop()``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        make_app(lab, clock),
        log_level="warning",
        access_log=False,
        log_config=None,  # leave the process's logging as it is
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="lab control API")
    while not server.started:
        if task.done():
            sock.close()
            task.result()
            raise RuntimeError("the control API did not start")
        await asyncio.sleep(0.005)
    return ControlApi(server, task, port)


class LabControlError(Exception):
    """The control API refused a request; the message is its explanation."""


class LabControl:
    """Async client of the control API: ``async with LabControl(url) as c: await c.state()``."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        # trust_env=False: never send loopback traffic through a proxy from the environment.
        self._http = httpx.AsyncClient(base_url=url, timeout=timeout, trust_env=False)

    async def __aenter__(self) -> LabControl:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                detail = response.json().get("error", response.text)
            except ValueError:
                detail = response.text
            raise LabControlError(f"{method} {path}: {response.status_code}: {detail}")
        return response.json()

    async def events(
        self, node: str | None = None, kind: str | None = None, since: int | None = None
    ) -> list[dict[str, Any]]:
        params = {
            k: v for k, v in (("node", node), ("kind", kind), ("since", since)) if v is not None
        }
        result: list[dict[str, Any]] = await self._call("GET", "/events", params=params)
        return result

    async def state(self) -> dict[str, Any]:
        result: dict[str, Any] = await self._call("GET", "/state")
        return result

    async def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._call("GET", "/faults")
        return result

    async def inject_fault(
        self,
        kind: str,
        node: str | None = None,
        target: str | None = None,
        count: int = 1,
        seconds: float = 0,
    ) -> dict[str, Any]:
        body = {"kind": kind, "node": node, "target": target, "count": count, "seconds": seconds}
        result: dict[str, Any] = await self._call("POST", "/faults", json=body)
        return result

    async def backup(self) -> dict[str, str]:
        """A DRF backup of every node now: node -> "SUCCESS" or why it failed."""
        result: dict[str, str] = await self._call("POST", "/backup")
        return result

    async def clear_faults(self) -> int:
        result: dict[str, int] = await self._call("DELETE", "/faults")
        return result["cleared"]
