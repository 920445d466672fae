"""The preferences page in headless Chromium with JavaScript switched off, on a phone-sized
viewport: a customer reads it, taps their choices and saves; the page fits the screen.

The browser part is the same whichever database is behind it, so it runs on the embedded
default only; the page's rules run on both backends in test_preference_page.py.
"""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

from infra.composition import build_app, build_runtime
from infra.settings import Settings
from tests.conftest import Api, sqlite_only
from tests.e2e.consent_fixtures import CONSENTS, answer, email_preference, save_preference
from tests.e2e.sales_fixtures import person
from tests.e2e.test_graphiql_browser import CHROMIUM, Cdp, chromium, serve, wait_for
from tests.e2e.test_preference_page import link_for
from tests.e2e.test_returns_reservations_visits import pk

PHONE = {"width": 375, "height": 740, "deviceScaleFactor": 2, "mobile": True}
# Where the screenshot is kept for a person to look at, when asked.
SCREENSHOT_COPY = os.environ.get("FOYER_SCREENSHOT_TO")


class Page:
    """Drives one tab as a person would: load a URL, tap an element, read the document."""

    def __init__(self, cdp: Cdp) -> None:
        self.cdp = cdp

    def load(self, url: str) -> None:
        loaded = len(self.cdp.event_params("Page.loadEventFired"))
        self.cdp.send("Page.navigate", {"url": url})
        self.wait_loaded(loaded)

    def wait_loaded(self, before: int) -> None:
        def fired() -> bool:
            self.cdp.send("Runtime.runIfWaitingForDebugger")  # pumps events meanwhile
            return len(self.cdp.event_params("Page.loadEventFired")) > before

        wait_for(fired, 15, "the page to load")

    def node(self, selector: str) -> int:
        root = self.cdp.send("DOM.getDocument")["root"]["nodeId"]
        found = self.cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})
        assert found["nodeId"], f"no {selector} on the page"
        return int(found["nodeId"])

    def tap(self, selector: str) -> None:
        node = self.node(selector)
        self.cdp.send("DOM.scrollIntoViewIfNeeded", {"nodeId": node})
        quad = self.cdp.send("DOM.getBoxModel", {"nodeId": node})["model"]["content"]
        x, y = (quad[0] + quad[4]) / 2, (quad[1] + quad[5]) / 2
        for kind in ("mousePressed", "mouseReleased"):
            self.cdp.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )

    def html(self) -> str:
        root = self.cdp.send("DOM.getDocument")["root"]["nodeId"]
        return str(self.cdp.send("DOM.getOuterHTML", {"nodeId": root})["outerHTML"])


async def test_a_customer_changes_their_preferences_on_a_phone_without_javascript(
    api: Api, settings: Settings, tmp_path: Path
) -> None:
    sqlite_only(settings)
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    email = await email_preference(api)
    post = await save_preference(
        api,
        name="Season brochure",
        kind="POST",
        statement="Send me the season brochure and occasional letters about the theatre's "
        "work with schools, by post to my home address.",
    )
    customer = await person(api, "Ada")
    await answer(api, customer, (email, True), source="BOX_OFFICE")
    path = await link_for(api, customer)

    served = build_runtime(settings)
    try:
        with serve(build_app(served, in_process_workers=False)) as origin:
            shot = browse(origin + path, pk(email["id"]), pk(post["id"]), tmp_path)
    finally:
        await served.close()

    consents = (await api.data(CONSENTS, {"id": customer}))["node"]["consents"]
    assert [(c["state"], c["latest"]["source"]) for c in consents] == [
        ("WITHDRAWN", "CUSTOMER_ACCOUNT"),
        ("GRANTED", "CUSTOMER_ACCOUNT"),
    ]
    if SCREENSHOT_COPY:
        shutil.copy(shot, SCREENSHOT_COPY)


def browse(url: str, email_pk: int, post_pk: int, workdir: Path) -> Path:
    with chromium(workdir) as browser_url, connect(browser_url, max_size=None) as ws:
        cdp = Cdp(ws)
        cdp.open_page()
        cdp.send("DOM.enable")
        cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
        cdp.send("Emulation.setDeviceMetricsOverride", PHONE)
        page = Page(cdp)
        page.load(url)
        html = page.html()
        assert "Your preferences at Test Theatre" in html
        assert "You said yes on" in html and "You have not told us yet." in html
        fits(cdp)
        page.tap(f'input[name="p{email_pk}"][value="no"]')
        page.tap(f'input[name="p{post_pk}"][value="yes"]')
        before = len(cdp.event_params("Page.loadEventFired"))
        page.tap('button[type="submit"]')
        page.wait_loaded(before)
        assert "Your choices were saved." in page.html()
        shot = workdir / "preferences-phone.png"
        data = cdp.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        shot.write_bytes(base64.b64decode(data["data"]))
        cdp.close_browser()
    return shot


def fits(cdp: Cdp) -> None:
    """Nothing wider than the phone: no sideways scrolling, text at a readable size."""
    metrics: dict[str, Any] = cdp.send("Page.getLayoutMetrics")
    assert metrics["cssContentSize"]["width"] <= PHONE["width"]
    assert metrics["cssLayoutViewport"]["clientWidth"] == PHONE["width"]
