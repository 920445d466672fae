"""GraphiQL served entirely by Foyer, with no CDN and no internet access.

Strawberry's built-in IDE page loads GraphiQL, React and fonts from public CDNs. That
fails on offline or firewalled installs, and it would run third-party code from the
network in a page where users paste their API keys. So the main app turns that page
off (``graphql_ide=None``) and mounts these routes instead:

* ``GET /graphiql`` is a small HTML page (``graphiql.html`` next to this module);
* ``/graphiql/assets`` serves GraphiQL 3 and React 18 UMD builds vendored from npm into
  ``graphiql_assets/``. They are committed to the repository, so nothing is downloaded
  at build or run time; ``graphiql_assets/SOURCES.txt`` records where each file came
  from, its licence and checksum.

The page is sent with a Content-Security-Policy that allows only this origin (plus a
per-response nonce for its inline bootstrap), so a browser refuses any external URL.
"""

from __future__ import annotations

import functools
import html
import secrets
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

_HERE = Path(__file__).resolve().parent
ASSETS_DIR = _HERE / "graphiql_assets"
_TEMPLATE_PATH = _HERE / "graphiql.html"

_NONCE_MARK = "__FOYER_CSP_NONCE__"
_PATH_MARK = "__FOYER_GRAPHQL_PATH__"

_CSP = (
    "default-src 'none'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self' 'nonce-{nonce}'; "
    "font-src 'self' data:; "
    "img-src 'self' data:; "
    "connect-src 'self'; "
    "base-uri 'none'; "
    "form-action 'none'; "
    "frame-ancestors 'none'"
)


@functools.cache
def _template() -> str:
    """Read the GraphiQL page template once, on first use."""
    return _TEMPLATE_PATH.read_text(encoding="utf-8")


def graphiql_routes(graphql_path: str = "/graphql") -> list[BaseRoute]:
    """Return the routes for the offline GraphiQL page and its vendored assets.

    ``graphql_path`` is the same-origin path of the GraphQL endpoint the page talks to.
    """
    if not graphql_path.startswith("/") or graphql_path.startswith("//"):
        raise ValueError(f"graphql_path must be a same-origin absolute path, got {graphql_path!r}")
    escaped_path = html.escape(graphql_path, quote=True)

    async def graphiql_page(request: Request) -> HTMLResponse:
        """Serve the GraphiQL page with a fresh CSP nonce."""
        nonce = secrets.token_urlsafe(16)
        page = _template().replace(_PATH_MARK, escaped_path).replace(_NONCE_MARK, nonce)
        return HTMLResponse(
            page,
            headers={
                "Content-Security-Policy": _CSP.format(nonce=nonce),
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
        )

    return [
        Route("/graphiql", graphiql_page, methods=["GET"], name="graphiql"),
        Mount("/graphiql/assets", app=StaticFiles(directory=ASSETS_DIR), name="graphiql-assets"),
    ]
