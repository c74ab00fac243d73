"""The FastAPI app of one lab node: Control Center SOAP, AXL (CUCM publisher), REST.

``build_app`` mounts the routers it is given; ``node_routers`` picks them for a node:
Control Center on every node, AXL only on the CUCM publisher (``/axl/``), Certificate
Management REST on every node (``/platformcom/api/v1/certmgr/config``). With a latency (real
seconds, 0 by default) every request waits that long before it is handled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from . import axl, certmgr_rest, controlcenter
from .http_context import HttpContext


class _Delayed:
    """ASGI middleware: wait ``seconds`` before each HTTP request (never blocks the loop)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await asyncio.sleep(self.seconds)
        await self.app(scope, receive, send)


def build_app(ctx: HttpContext, routers: Sequence[APIRouter]) -> FastAPI:
    app = FastAPI(
        title=f"uccert lab node {ctx.node}", docs_url=None, redoc_url=None, openapi_url=None
    )
    for router in routers:
        app.include_router(router)
    return app


def node_routers(ctx: HttpContext) -> list[APIRouter]:
    spec = ctx.lab.spec(ctx.node)
    routers = [controlcenter.router(ctx)]
    if spec.product == "cucm" and spec.role == "publisher":
        routers.append(axl.router(ctx))
    routers.append(certmgr_rest.router(ctx))
    return routers


def node_app(ctx: HttpContext, latency: float = 0.0) -> FastAPI:
    app = build_app(ctx, node_routers(ctx))
    if latency > 0:
        app.add_middleware(_Delayed, seconds=latency)
    return app
