"""The unsubscribe link of every mailing (RFC 8058): GET shows a page with one button and
changes nothing; POST, with the one-click body `List-Unsubscribe=One-Click` from a mail
program or the page's own empty form, withdraws the mailing's preference. No login, no
cookie, no form token: the signed link is the whole credential, and a second POST is
harmless. Served with the preferences page's headers (no frames, caches or referrers)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from resolvers.context import Services
from resolvers.unsubscribe import LinkRefused, load, submit
from schema.preference_page import HEADERS, MAX_FORM_BYTES, page_templates


def _render(status: int = 200, **values: Any) -> HTMLResponse:
    html = page_templates.get_template("unsubscribe.html").render(title="Unsubscribe", **values)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def unsubscribe_routes(services: Services) -> list[Route]:
    async def page(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            if request.method == "POST":
                # Read (and bounded) but not needed: the link says what to withdraw.
                if len(await request.body()) > MAX_FORM_BYTES:
                    return _render(413, refused="That request was too large.")
                return _render(page=await submit(services, token), done=True)
            return _render(page=await load(services, token))
        except LinkRefused as error:
            if error.expired:
                return _render(410, refused="This unsubscribe link has expired.")
            return _render(403, refused="This unsubscribe link is not valid.")

    return [Route("/unsubscribe/{token}", page, methods=["GET", "POST"])]
