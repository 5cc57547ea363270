"""The sell screen's weight in a real Chromium: bytes on the wire at first load, and a reload
that asks the server for the page alone (every static file is cached as immutable)."""

from __future__ import annotations

import pytest

from tests.conftest import login_in_browser

pytestmark = pytest.mark.e2e

FIRST_LOAD_LIMIT = 35_000  # bytes transferred, headers included


class Wire:
    """What Chromium fetched from the network (Chrome DevTools Protocol's Network domain)."""

    def __init__(self, context, tab):
        self.cdp = context.new_cdp_session(tab)
        self.cdp.send("Network.enable")
        self.urls: dict[str, str] = {}
        self.cached: set[str] = set()
        self.bytes: dict[str, int] = {}
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.requestServedFromCache", lambda e: self.cached.add(e["requestId"]))
        self.cdp.on("Network.responseReceived", self._received)
        self.cdp.on("Network.loadingFinished", self._finished)

    def _sent(self, event):
        self.urls[event["requestId"]] = event["request"]["url"]

    def _received(self, event):
        if event["response"].get("fromDiskCache") or event["response"].get("fromPrefetchCache"):
            self.cached.add(event["requestId"])

    def _finished(self, event):
        self.bytes[event["requestId"]] = int(event["encodedDataLength"])

    def from_server(self) -> dict[str, int]:
        """URL → bytes transferred, for each request the server answered."""
        return {
            self.urls[rid]: size
            for rid, size in self.bytes.items()
            if rid in self.urls and rid not in self.cached
        }

    def clear(self) -> None:
        self.urls.clear(), self.cached.clear(), self.bytes.clear()


def test_the_sell_screen_weighs_little_and_a_reload_asks_for_the_page_alone(
    browser, live_server, page
):
    login_in_browser(page)
    page.wait_for_url("**/sell")
    session = page.context.storage_state()  # the member logged in, nothing cached
    cold = browser.new_context(
        viewport={"width": 1280, "height": 800},
        locale="fr-FR",
        base_url=live_server.url,
        storage_state=session,
    )
    try:
        tab = cold.new_page()
        wire = Wire(cold, tab)
        tab.goto("/sell", wait_until="networkidle")
        first = wire.from_server()
        total = sum(first.values())
        print(f"\nfirst load: {total} bytes in {len(first)} requests: {first}")
        assert any(url.endswith("/sell") for url in first)
        assert any("/static/vendor/htmx-" in url for url in first)
        assert total <= FIRST_LOAD_LIMIT, first

        wire.clear()
        tab.reload(wait_until="networkidle")
        again = wire.from_server()
        print(f"reload: {again}")
        assert [url.rsplit("/", 1)[-1] for url in again] == ["sell"], again
        assert tab.locator(".tile").count() > 0  # the page works from what was cached
    finally:
        cold.close()
