"""The Starlette application: GraphQL at /graphql, GraphiQL, health checks and downloads."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.types.unset import UNSET

from resolvers.authentication import authenticate
from resolvers.context import RequestContext, Services
from resolvers.downloads import job_file
from resolvers.health import database_answers
from schema.access_log import AccessLog, access_of
from schema.build import build_schema
from schema.graphiql import graphiql_routes
from schema.http_limits import BodyLimit, decode_json, json_object
from schema.http_refusals import Refused, refusal_of, starlette_refusal
from schema.limits import Limits

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {".xlsx": XLSX, ".pdf": "application/pdf"}


class FoyerGraphQL(GraphQL[RequestContext, None]):
    def __init__(self, services: Services) -> None:
        super().__init__(build_schema(Limits.of(services.settings)), graphql_ide=None)
        self.services = services

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context, root_value)
        except HTTPException as refused:
            return refusal_of(refused)

    def decode_json(self, data: str | bytes) -> object:
        return decode_json(data, self.services.settings.max_json_depth)

    def parse_json(self, data: str | bytes) -> Any:
        # The body, and the `variables` and `extensions` of a GET: each an object.
        return json_object(super().parse_json(data))

    async def parse_http_body(self, request: Any) -> GraphQLRequestData:
        parsed = await super().parse_http_body(request)
        assert isinstance(parsed, GraphQLRequestData)  # parse_json refuses a batch (a list)
        if not isinstance(parsed.operation_name, str | None):
            raise Refused(400, "`operationName` must be a string or null.", "BAD_REQUEST")
        return parsed

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        credentials = await authenticate(self.services, request.headers.get("authorization"))
        access = access_of(request.scope)
        return RequestContext(
            services=self.services,
            actor=credentials.actor,
            credentials_problem=credentials.problem,
            bearer=credentials.bearer,
            known_currency=credentials.currency,
            request_id=access.request_id,
            name_operation=lambda name: setattr(access, "operation", name),
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
        return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], filename=path.name)

    async def home(_: Request) -> Response:
        return RedirectResponse("/graphiql")

    routes = [
        Route("/", home),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/downloads/jobs/{job_id}", download),
        *graphiql_routes("/graphql"),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(AccessLog),
            Middleware(BodyLimit, max_bytes=services.settings.max_body_bytes),
        ],
        exception_handlers={StarletteHTTPException: starlette_refusal},
    )
