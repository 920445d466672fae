"""The Starlette application: GraphQL at /graphql, GraphiQL, health checks and downloads."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route
from strawberry.asgi import GraphQL

from resolvers import partner_exports
from resolvers.authentication import authenticate
from resolvers.context import RequestContext, Services
from resolvers.downloads import job_file
from resolvers.health import database_answers
from schema.build import build_schema
from schema.graphiql import graphiql_routes
from schema.preference_page import preference_routes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FoyerGraphQL(GraphQL[RequestContext, None]):
    def __init__(self, services: Services) -> None:
        s = services.settings
        super().__init__(
            build_schema(s.max_depth, s.max_tokens, s.max_aliases, s.max_cost), graphql_ide=None
        )
        self.services = services

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        credentials = await authenticate(self.services, request.headers.get("authorization"))
        return RequestContext(
            services=self.services,
            actor=credentials.actor,
            credentials_problem=credentials.problem,
            bearer=credentials.bearer,
            known_currency=credentials.currency,
            request_id=request.headers.get("x-request-id") or uuid.uuid4().hex[:12],
        )


def create_app(
    services: Services,
    broker_ready: Callable[[], bool],
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[None]] | None = None,
) -> Starlette:
    graphql = FoyerGraphQL(services)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        checks = {"database": await database_answers(services), "broker": broker_ready()}
        return JSONResponse(
            {"status": "ok" if all(checks.values()) else "unavailable", "checks": checks},
            status_code=200 if all(checks.values()) else 503,
        )

    async def download(request: Request) -> Response:
        status, path = await job_file(
            services, request.headers.get("authorization"), request.path_params["job_id"]
        )
        if path is None:
            message = {401: "Send `Authorization: Bearer <token>`.", 404: "No such file."}[status]
            return JSONResponse({"error": message}, status_code=status)
        return FileResponse(path, media_type=XLSX, filename=path.name)

    async def partner_download(request: Request) -> Response:
        try:
            found = await partner_exports.partner_file(services, request.path_params["token"])
        except partner_exports.LinkRefused as refused:
            status, words = (
                (410, "This link has expired.")
                if refused.expired
                else (
                    403,
                    "This link is not valid.",
                )
            )
            return PlainTextResponse(f"{words} Please ask for a new one.", status_code=status)
        if found is None:
            return PlainTextResponse("The file is no longer there.", status_code=404)
        path, media_type = found
        return FileResponse(
            path, media_type=media_type, filename=path.name, headers={"Cache-Control": "no-store"}
        )

    async def home(_: Request) -> Response:
        return RedirectResponse("/graphiql")

    routes = [
        Route("/", home),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/downloads/jobs/{job_id}", download),
        Route("/downloads/partner/{token}", partner_download),
        *graphiql_routes("/graphql"),
        *preference_routes(services),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
