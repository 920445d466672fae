"""Headless-Chromium proof that the offline GraphiQL page loads and runs a query.

A tiny Starlette app (``graphiql_routes()`` plus a strawberry ``POST /graphql``) runs
under uvicorn on a free loopback port in a background thread. Debian's Chromium is
driven over the Chrome DevTools Protocol with a minimal client built on ``websockets``
(no selenium/playwright). The test opens ``/graphiql?query=...``, clicks GraphiQL's
execute button, reads the result pane, and checks that every URL the page touched was
on the local origin. Skipped only when ``/usr/bin/chromium`` is not installed.
"""

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import strawberry
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from websockets.sync.client import ClientConnection, connect

from schema.graphiql import graphiql_routes
from tests.e2e.served import serve, wait_for

CHROMIUM = Path("/usr/bin/chromium")
HELLO = "Hello from Foyer"
QUERY = "query FoyerHello {\n  hello\n}"
PLACEHOLDER_AUTH = "Bearer <paste your API key>"
VENDORED_ASSETS = (
    "/graphiql/assets/graphiql.min.css",
    "/graphiql/assets/graphiql.min.js",
    "/graphiql/assets/react-dom.production.min.js",
    "/graphiql/assets/react.production.min.js",
)

# Installed before any page script runs: records CSP violations for the assertions.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""

RESULT_TEXT_JS = """
(() => {
  const cm = document.querySelector(".graphiql-response .CodeMirror");
  return cm && cm.CodeMirror ? cm.CodeMirror.getValue() : null;
})()
"""

QUERY_TEXT_JS = """
(() => {
  const cm = document.querySelector(".graphiql-query-editor .CodeMirror");
  const button = document.querySelector(".graphiql-execute-button");
  return cm && cm.CodeMirror && button ? cm.CodeMirror.getValue() : null;
})()
"""


def build_schema(seen_auth: list[str | None]) -> strawberry.Schema:
    """Build a one-field schema whose resolver records the Authorization header it saw."""

    @strawberry.type(description="Root query of the tiny GraphiQL test schema.")
    class Query:
        """Root query type."""

        @strawberry.field(description="A fixed greeting, proving that a query ran.")
        def hello(self, info: strawberry.Info) -> str | None:
            """Return the greeting and note the caller's Authorization header."""
            seen_auth.append(info.context["request"].headers.get("authorization"))
            return HELLO

    return strawberry.Schema(query=Query)


class RequestLog:
    """ASGI middleware that records (method, path, status) of every HTTP request."""

    def __init__(self, app: ASGIApp, log: list[tuple[str, str, int]]) -> None:
        """Wrap ``app`` and append to ``log``."""
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request through, noting the response status."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_and_record(message: Message) -> None:
            """Record the status line, then forward the message."""
            if message["type"] == "http.response.start":
                self.log.append((scope["method"], scope["path"], message["status"]))
            await send(message)

        await self.app(scope, receive, send_and_record)


def build_app(seen_auth: list[str | None], log: list[tuple[str, str, int]]) -> Starlette:
    """Return the test app: the GraphiQL routes plus a POST-only strawberry endpoint."""
    graphql = GraphQL(build_schema(seen_auth), graphql_ide=None)
    return Starlette(
        routes=[*graphiql_routes("/graphql"), Route("/graphql", graphql, methods=["POST"])],
        middleware=[Middleware(RequestLog, log=log)],
    )


@contextlib.contextmanager
def chromium(workdir: Path) -> Iterator[str]:
    """Start headless Chromium with remote debugging; yield its browser websocket URL.

    Chromium picks its own debugging port and writes it to ``DevToolsActivePort`` in
    the profile directory, so there is no port race. The whole process group is killed
    on exit, whatever happened.
    """
    profile = workdir / "chromium-profile"
    profile.mkdir()
    log_path = workdir / "chromium.log"
    args = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        # Small /dev/shm (the default in containers) makes Chromium crash otherwise.
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        f"--user-data-dir={profile}",
        "--remote-debugging-port=0",
        "about:blank",
    ]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            port_file = profile / "DevToolsActivePort"

            def devtools_address() -> list[str] | bool:
                """Return [port, path] once Chromium has written them, or False."""
                if proc.poll() is not None:
                    tail = log_path.read_text(errors="replace")[-2000:]
                    pytest.fail(f"chromium exited with {proc.returncode}:\n{tail}")
                lines = port_file.read_text().split() if port_file.exists() else []
                return lines if len(lines) == 2 else False

            port, path = wait_for(devtools_address, 30, "chromium's DevToolsActivePort")
            yield f"ws://127.0.0.1:{port}{path}"
        finally:
            stop_process_group(proc)


def stop_process_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop the Chromium we started: SIGTERM its process group, then SIGKILL what is left."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
    # Renderer/zygote children share the group; none may outlive the test.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


class Cdp:
    """A minimal synchronous Chrome DevTools Protocol client for one page session."""

    def __init__(self, ws: ClientConnection) -> None:
        """Use an open browser-level websocket; call ``open_page`` before page commands."""
        self.ws = ws
        self.next_id = 0
        self.session_id: str | None = None
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 15) -> Any:
        """Send one command and return its result, buffering events that arrive meanwhile."""
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session_id is not None and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session_id
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"CDP {method} got no answer within {timeout}s")
            try:
                reply = json.loads(self.ws.recv(timeout=remaining))
            except TimeoutError:
                continue
            if reply.get("id") != self.next_id:
                self.events.append(reply)
                continue
            if "error" in reply:
                pytest.fail(f"CDP {method} failed: {reply['error']}")
            return reply["result"]

    def open_page(self) -> None:
        """Create a blank tab, attach to it, and enable the domains the test reads."""
        target = self.send("Target.createTarget", {"url": "about:blank"})
        attached = self.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )
        self.session_id = attached["sessionId"]
        for domain in ("Page", "Runtime", "Network"):
            self.send(f"{domain}.enable")
        self.send("Page.addScriptToEvaluateOnNewDocument", {"source": CSP_RECORDER})

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its JSON-able value."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            pytest.fail(f"JavaScript failed: {result['exceptionDetails']}\n{expression}")
        return result["result"].get("value")

    def close_browser(self) -> None:
        """Ask Chromium to quit, without waiting; the process group is killed anyway."""
        self.next_id += 1
        with contextlib.suppress(Exception):
            self.ws.send(json.dumps({"id": self.next_id, "method": "Browser.close"}))

    def event_params(self, method: str) -> list[dict[str, Any]]:
        """Return the params of buffered events of one kind, for this page session."""
        return [
            event["params"]
            for event in self.events
            if event.get("method") == method and event.get("sessionId") == self.session_id
        ]


def test_graphiql_runs_a_query_offline_in_chromium(tmp_path: Path) -> None:
    """GraphiQL renders from local assets only, sends the header template, runs a query."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")

    seen_auth: list[str | None] = []
    requests: list[tuple[str, str, int]] = []
    app = build_app(seen_auth, requests)

    with (
        serve(app) as origin,
        chromium(tmp_path) as browser_ws,
        connect(browser_ws, open_timeout=10, close_timeout=5, max_size=2**26) as ws,
    ):
        cdp = Cdp(ws)
        cdp.open_page()
        nav = cdp.send("Page.navigate", {"url": f"{origin}/graphiql?{urlencode({'query': QUERY})}"})
        assert "errorText" not in nav, nav

        # GraphiQL has rendered and put the ?query= text into its query editor.
        wait_for(lambda: cdp.evaluate(QUERY_TEXT_JS) == QUERY, 30, "GraphiQL to render")

        cdp.evaluate('document.querySelector(".graphiql-execute-button").click()')

        def result_json() -> dict[str, Any] | None:
            """Return the result pane's JSON once it has some, else None."""
            text = cdp.evaluate(RESULT_TEXT_JS)
            with contextlib.suppress(TypeError, ValueError):
                return json.loads(text)
            return None

        result = wait_for(result_json, 30, "the query result in GraphiQL's result pane")
        assert result == {"data": {"hello": HELLO}}

        # What the page itself fetched: all from this origin, and the assets were ours.
        page_origin, navigation, resources = cdp.evaluate(
            "[location.origin,"
            " performance.getEntriesByType('navigation').map((e) => e.name),"
            " performance.getEntriesByType('resource').map((e) => e.name)]"
        )
        assert page_origin == origin
        loaded = [*navigation, *resources]
        assert all(url.startswith(origin + "/") for url in loaded), loaded
        for asset in VENDORED_ASSETS:
            assert origin + asset in resources, (asset, resources)
        assert origin + "/graphql" in resources, resources

        # Stricter than resource timing: every request Chromium even attempted.
        attempted = [e["request"]["url"] for e in cdp.event_params("Network.requestWillBeSent")]
        foreign = [u for u in attempted if not u.startswith((origin + "/", "data:"))]
        assert attempted and not foreign, attempted

        assert cdp.evaluate("window.__cspViolations") == []
        assert cdp.event_params("Runtime.exceptionThrown") == []
        console_errors = [
            e["args"] for e in cdp.event_params("Runtime.consoleAPICalled") if e["type"] == "error"
        ]
        assert console_errors == []

        cdp.close_browser()

    # Server side: the header template reached the resolver, and nothing failed.
    assert PLACEHOLDER_AUTH in seen_auth
    served = {path for _, path, _ in requests}
    assert {"/graphiql", "/graphql", *VENDORED_ASSETS} <= served, requests
    assert all(status < 400 for _, _, status in requests), requests
