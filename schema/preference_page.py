"""The customer's preferences page: plain HTML, no JavaScript, no login.

The link in the path is the customer's credential; the form carries a second signed token
bound to that link, and the page is served with headers that keep it out of frames, caches
and referrers, so another site can neither show it nor post to it on the customer's behalf.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from resolvers.context import Services
from resolvers.preference_page import LinkRefused, load_page, submit_page

MAX_FORM_BYTES = 64_000
page_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


def _render(status: int = 200, **values: Any) -> HTMLResponse:
    html = page_templates.get_template("preferences.html").render(
        title="Your preferences", **values
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _refused(error: LinkRefused) -> HTMLResponse:
    if error.expired:
        return _render(410, refused="This link has expired.")
    return _render(403, refused="This link is not valid. It may have been copied incompletely.")


def preference_routes(services: Services) -> list[Route]:
    async def page(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            if request.method == "POST":
                body = await request.body()
                if len(body) > MAX_FORM_BYTES:
                    return _render(413, refused="That form was too large.")
                form = dict(parse_qsl(body.decode("utf-8", "replace")))
                shown = await submit_page(services, token, form)
                if not shown.problems:
                    # After a save, a reload must not post the form again.
                    return RedirectResponse(f"/preferences/{token}?saved=1", status_code=303)
                return _render(409, page=shown)
            shown = await load_page(services, token)
        except LinkRefused as error:
            return _refused(error)
        return _render(page=shown, saved=request.query_params.get("saved") == "1")

    return [Route("/preferences/{token}", page, methods=["GET", "POST"])]
