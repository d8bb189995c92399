from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_client_mode_page_loads_its_fragment(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/page/?who=browser")
    fragment = page.locator("ck-fragment")
    expect(fragment).to_have_attribute("state", "loaded")
    expect(fragment).to_have_text("Hello anonymous from browser")
