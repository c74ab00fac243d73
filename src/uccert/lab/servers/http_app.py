"""The FastAPI app of one lab node: Control Center SOAP, AXL (CUCM publisher), REST.

``build_app`` mounts the routers it is given; ``node_routers`` picks them for a node:
Control Center on every node, AXL only on the CUCM publisher (``/axl/``), Certificate
Management REST on every node (``/platformcom/api/v1/certmgr/config``).
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI

from . import axl, certmgr_rest, controlcenter
from .http_context import HttpContext


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


def node_app(ctx: HttpContext) -> FastAPI:
    return build_app(ctx, node_routers(ctx))
