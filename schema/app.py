"""The Starlette application: GraphQL at /graphql, GraphiQL, health checks and downloads."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from cross_web import HTTPException
from graphql import OperationType
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from resolvers import idempotency, partner_exports
from resolvers.availability import (
    is_unavailable,
    outage_reason,
    too_slow_error,
    unavailable_error,
    within,
)
from resolvers.context import RequestContext, Services
from resolvers.downloads import job_file
from resolvers.health import Readiness, database_answers
from schema.access_log import AccessLog, access_of
from schema.build import build_schema
from schema.documents import needing_caller, typename_only
from schema.graphiql import graphiql_routes
from schema.http_limits import BodyLimit, decode_json, json_object
from schema.http_refusals import Refused, refusal, refusal_of, starlette_refusal
from schema.limits import Limits
from schema.preference_page import preference_routes
from schema.unsubscribe_page import unsubscribe_routes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {".xlsx": XLSX, ".pdf": "application/pdf", ".csv": "text/csv; charset=utf-8"}


log = logging.getLogger("foyer.api")


def unavailable(services: Services, response: Response) -> Response:
    """`response` as the answer to a request that met a database outage."""
    response.status_code = 503
    response.headers["Retry-After"] = str(services.settings.retry_after_seconds)
    return response


def too_slow(services: Services, body: dict[str, Any], mutation: bool = False) -> Response:
    """The answer to a request stopped at its deadline while the database answered (checked
    within the health timeout, so the answer comes that much later at most): 504, and the
    access log says how long it ran."""
    log.warning(
        "A request ran past its deadline of %g s and was stopped; the database answers",
        services.settings.request_timeout_seconds,
    )
    return JSONResponse({**body, "errors": [too_slow_error(services, mutation)]}, status_code=504)


class FoyerGraphQL(GraphQL[RequestContext, None]):
    def __init__(self, services: Services) -> None:
        super().__init__(build_schema(Limits.of(services.settings)), graphql_ide=None)
        self.services = services
        self._query_type = self.schema._schema.query_type.name  # type: ignore[attr-defined]

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
        access = access_of(request.scope)
        return RequestContext(
            services=self.services,
            reads=request.state.reads,
            authorization=request.headers.get("authorization"),
            request_id=access.request_id,
            name_operation=access.named,
            request=request,
            client_address=request.client.host if request.client else None,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        # The request's reads, on one connection returned to the pool when the request
        # ends: after its answer is sent, so the client never waits for the ROLLBACK.
        reads = self.services.request_reads()
        Request(scope).state.reads = reads
        try:
            await super().__call__(scope, receive, send)
        finally:
            await reads.end()

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """Every request within its deadline, every refusal of the HTTP layer as JSON, and
        every outage as a 503 JSON answer, however far the request got (authenticating its
        caller is outside GraphQL's handling)."""
        settings = self.services.settings
        try:
            return await within(
                settings.request_timeout_seconds, super().run(request, context, root_value)
            )
        except HTTPException as refused:
            return refusal_of(refused)
        except idempotency.Answered as answered:
            answer = answered.answer
            headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
            return Response(answer.body, answer.status_code, headers, "application/json")
        except TimeoutError:
            if await database_answers(self.services):
                mutation = access_of(request.scope).mutation
                return too_slow(self.services, {"data": None}, mutation)
        except Exception as error:
            if outage_reason(self.services, error) is None:
                raise
        body = {"data": None, "errors": [unavailable_error(self.services)]}
        return unavailable(self.services, JSONResponse(body))

    def create_response(self, response_data: Any, sub_response: Any) -> Response:
        response = super().create_response(response_data, sub_response)
        return unavailable(self.services, response) if is_unavailable(response_data) else response

    async def execute_operation(
        self,
        request: Any,
        request_adapter: Any,
        request_data: Any,
        context: RequestContext,
        root_value: Any,
        sub_response: Any,
    ) -> Any:
        def execute() -> Any:
            return super(FoyerGraphQL, self).execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )

        max_tokens = self.services.settings.max_tokens
        if isinstance(request_data, GraphQLRequestData) and request_data.protocol == "http":
            asked = typename_only(request_data.query, request_data.operation_name, max_tokens)
            if asked is not None:
                name, key = asked
                context.name_operation(name, False)
                return ExecutionResult(data={key: self._query_type}, errors=None)
        operation = (
            needing_caller(request_data.query, request_data.operation_name, max_tokens)
            if isinstance(request_data, GraphQLRequestData)
            else None
        )
        # A query's document, whose requests may read once (resolvers/read_modes.py).
        document = None
        if operation is not None and operation.operation is OperationType.QUERY:
            document = request_data.query
            if self.services.read_modes.reads_once(document):
                context.reads.read_once()
        if operation is not None:
            # Outside GraphQL's handling, so that an outage here is a 503 like any other.
            await context.identify(writes=operation.operation is OperationType.MUTATION)
        key, actor = request.headers.get(idempotency.HEADER), context.actor
        if key is None or actor is None or not isinstance(request_data, GraphQLRequestData):
            return await self._reading(execute, context, document)
        signature = idempotency.fingerprint(
            actor,
            request_data.query,
            request_data.variables,
            request_data.operation_name,
            self.services.settings.max_tokens,
        )
        if signature is None:  # not a mutation: the header means nothing
            return await self._reading(execute, context, document)
        # The key is claimed on a connection of its own: the one the caller's check began
        # goes back first, so that the request never holds two.
        await context.reads.end()
        return await idempotency.run_once(
            self.services, actor, key, signature, execute, lambda r: self.process_result(request, r)
        )

    async def _reading(
        self, execute: Callable[[], Any], context: RequestContext, document: str | None
    ) -> Any:
        """`execute()`, telling what it read of `document` (a query's, else None) to learn
        whether its requests read once; a request that read once and asked for more runs
        again, in one snapshot, and only that answer is given."""
        result = await execute()
        if document is None:
            return result
        reads = context.reads
        self.services.read_modes.ran(document, reads.statements, reads.needs_snapshot)
        if not reads.needs_snapshot:
            return result
        await context.read_again()
        return await execute()


def create_app(
    services: Services,
    broker_answers: Callable[[float], bool],
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[None]] | None = None,
) -> Starlette:
    graphql = FoyerGraphQL(services)
    readiness = Readiness(services, broker_answers)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        checks = await readiness.checks()
        return JSONResponse(
            {"status": "ok" if all(checks.values()) else "unavailable", "checks": checks},
            status_code=200 if all(checks.values()) else 503,
        )

    async def download(request: Request) -> Response:
        try:
            status, path = await within(
                services.settings.request_timeout_seconds,
                job_file(
                    services, request.headers.get("authorization"), request.path_params["token"]
                ),
            )
        except TimeoutError:
            if await database_answers(services):
                return too_slow(services, {})
        except Exception as error:
            if outage_reason(services, error) is None:
                raise
        else:
            if path is None:
                message = {401: "Send `Authorization: Bearer <token>`.", 404: "No such file."}
                code = {401: "UNAUTHENTICATED", 404: "NOT_FOUND"}[status]
                return refusal(status, message[status], code)
            return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], filename=path.name)
        return unavailable(services, JSONResponse({"errors": [unavailable_error(services)]}))

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
        Route("/downloads/jobs/{token}", download),
        Route("/downloads/partner/{token}", partner_download),
        *graphiql_routes("/graphql"),
        *preference_routes(services),
        *unsubscribe_routes(services),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(AccessLog),
            Middleware(BodyLimit, max_bytes=services.settings.max_body_bytes),
        ],
        exception_handlers={StarletteHTTPException: starlette_refusal},
    )
    app.state.services = services  # what the app's requests share, for whoever holds it
    return app
