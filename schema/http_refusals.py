"""Every refusal of the HTTP layer reads like a GraphQL error, as JSON:
`{"errors": [{"message": …, "extensions": {"code": …}}]}`, with the status that says why."""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "BODY_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


class Refused(HTTPException):
    """A request refused before it reaches GraphQL, with a code more precise than its
    status."""

    def __init__(self, status_code: int, reason: str, code: str) -> None:
        super().__init__(status_code, reason)
        self.code = code


def refusal(
    status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    error = {"message": message, "extensions": {"code": code or CODES.get(status, "BAD_REQUEST")}}
    return JSONResponse({"errors": [error]}, status_code=status, headers=headers)


def refusal_of(error: HTTPException) -> JSONResponse:
    """Strawberry's refusals (wrong method, unsupported content type, a mutation over GET,
    a body that is not JSON) and ours."""
    return refusal(error.status_code, error.reason, getattr(error, "code", None))


async def starlette_refusal(request: Request, error: Any) -> JSONResponse:
    """The router's: no such path, or a method the route does not take."""
    assert isinstance(error, StarletteHTTPException)
    return refusal(error.status_code, error.detail, headers=error.headers)
