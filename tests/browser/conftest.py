from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.loader import views


@dataclass
class Loader:
    """Opens test pages made of fragment markup and reads what the server saw."""

    page: Page
    url: str

    def open(self, body: str) -> Page:
        name = f"p{len(views.pages)}"
        views.pages[name] = body
        self.page.goto(f"{self.url}/loader/page/{name}/")
        return self.page

    def events(self) -> list[list[Any]]:
        return self.page.evaluate("ckEvents")  # type: ignore[no-any-return]

    def wait_events(self, count: int) -> list[list[Any]]:
        self.page.wait_for_function(f"ckEvents.length >= {count}")
        return self.events()

    def hits(self, path: str) -> int:
        return views.hits[path]


@pytest.fixture
def loader(page: Page, live_server: Any) -> Iterator[Loader]:
    views.hits.clear()
    views.log.clear()
    views.stream_finished.clear()
    yield Loader(page, live_server.url)
