"""Batching and kept fragments in real Chromium against the live server's composekit endpoint.

What the server saw is counted server-side: every request the live server started
(``request_started``) and every fragment view that ran, with whether it was in a batch
(``fragment_rendered``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.signals import request_started
from playwright.sync_api import expect

from composekit.signals import fragment_rendered
from tests.browser.conftest import Loader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass
class Seen:
    requests: list[str] = field(default_factory=list)  # paths under /_composekit/
    parts: list[tuple[str, int, bool]] = field(default_factory=list)  # (fragment, status, in a batch)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def batches(self) -> int:
        return sum(path == "/_composekit/_batch/" for path in self.requests)

    def singles(self) -> list[str]:
        return [path for path in self.requests if path != "/_composekit/_batch/"]


@pytest.fixture
def seen() -> Iterator[Seen]:
    record = Seen()

    def started(sender: Any, environ: dict[str, Any], **kwargs: Any) -> None:
        if environ["PATH_INFO"].startswith("/_composekit/"):
            with record.lock:
                record.requests.append(environ["PATH_INFO"])

    def rendered(sender: Any, name: str, status: int, batch: bool, **kwargs: Any) -> None:
        with record.lock:
            record.parts.append((name, status, batch))

    request_started.connect(started)
    fragment_rendered.connect(rendered)
    yield record
    request_started.disconnect(started)
    fragment_rendered.disconnect(rendered)


def fragments(*tags: str) -> str:
    return "".join(tags)


def test_a_pages_private_fragments_come_in_one_request(loader: Loader, seen: Seen) -> None:
    page = loader.open(
        fragments(
            '<p id="a">{% fragment "hello" who="a" %}a…{% endfragment %}</p>',
            '<p id="b">{% fragment "hello" who="b" %}b…{% endfragment %}</p>',
            '<p id="c">{% fragment "counted" %}c…{% endfragment %}</p>',
            '<p id="d">{% fragment "scoped-cart" %}d…{% endfragment %}</p>',
        )
    )
    for fragment_id, text in (
        ("a", "Hello anonymous from a"),
        ("b", "Hello anonymous from b"),
        ("d", "Hello anonymous"),
    ):
        expect(page.locator(f"#{fragment_id} ck-fragment")).to_have_text(text)
    expect(page.locator("#c ck-fragment")).to_have_attribute("state", "loaded")
    assert (seen.batches(), seen.singles()) == (1, [])
    assert sorted(seen.parts) == sorted(
        [("hello", 200, True), ("hello", 200, True), ("counted", 200, True), ("scoped-cart", 200, True)]
    )
    # Each element went through its usual events.
    assert (
        sorted(e[1] for e in loader.events() if e[1] in ("load", "loadend")) == ["load"] * 4 + ["loadend"] * 4
    )


def test_a_failing_part_fails_alone_with_the_usual_error(loader: Loader, seen: Seen) -> None:
    page = loader.open(
        fragments(
            '<p id="ok">{% fragment "hello" who="ok" %}ok…{% endfragment %}</p>',
            '<p id="boom">{% fragment "boom" %}<i>boom fallback</i>{% endfragment %}</p>',
            '<p id="staff">{% fragment "staff" %}<i>staff fallback</i>{% endfragment %}</p>',
        )
    )
    expect(page.locator("#ok ck-fragment")).to_have_text("Hello anonymous from ok")
    expect(page.locator("#boom ck-fragment")).to_have_attribute("state", "error")
    expect(page.locator("#staff ck-fragment")).to_have_attribute("state", "error")
    assert page.inner_html("#boom ck-fragment") == "<i>boom fallback</i>"
    errors = {tuple(e[2:]) for e in loader.events() if e[1] == "error"}
    assert errors == {(500, 1, "HTTP 500"), (403, 1, "HTTP 403")}
    assert (seen.batches(), seen.singles()) == (1, [])  # a 500 part is not fetched again


def test_public_and_unbatched_fragments_go_alone(loader: Loader, seen: Seen) -> None:
    page = loader.open(
        fragments(
            '{% fragment "hello" who="a" %}a{% endfragment %}',
            '{% fragment "hello" who="b" %}b{% endfragment %}',
            '{% fragment "news" topic="x" %}n{% endfragment %}',
            '{% fragment "slow-alone" %}s{% endfragment %}',
        )
    )
    expect(page.locator("ck-fragment[state=loaded]")).to_have_count(4)
    assert page.get_attribute('ck-fragment[name="news"]', "public") == ""
    assert page.get_attribute('ck-fragment[name="slow-alone"]', "batch") == "off"
    assert seen.batches() == 1
    assert sorted(seen.singles()) == ["/_composekit/news/", "/_composekit/slow-alone/"]


def test_lazy_fragments_that_come_into_view_together_share_a_batch(loader: Loader, seen: Seen) -> None:
    page = loader.open(
        '<div style="height: 5000px">tall</div><div id="below">'
        + fragments(
            *(f'{{% fragment "hello" who="{n}" loading="lazy" %}}{n}{{% endfragment %}}' for n in "xyz")
        )
        + "</div>"
    )
    page.wait_for_load_state("load")
    assert seen.requests == []
    page.locator("#below").scroll_into_view_if_needed()
    expect(page.locator("#below ck-fragment[state=loaded]")).to_have_count(3)
    assert (seen.batches(), seen.singles()) == (1, [])


def test_a_lazy_fragment_already_in_view_joins_the_first_views_batch(loader: Loader, seen: Seen) -> None:
    page = loader.open(
        fragments(
            '<p id="eager">{% fragment "hello" who="eager" %}e{% endfragment %}</p>',
            '<p id="near">{% fragment "hello" who="near" loading="lazy" %}n{% endfragment %}</p>',
            '<p id="hidden" style="display: none">'
            '{% fragment "hello" who="hidden" loading="lazy" %}h{% endfragment %}</p>',
            '<div style="height: 5000px">tall</div>',
            '<p id="far">{% fragment "hello" who="far" loading="lazy" %}f{% endfragment %}</p>',
        )
    )
    expect(page.locator("#near ck-fragment")).to_have_text("Hello anonymous from near")
    expect(page.locator("#eager ck-fragment")).to_have_text("Hello anonymous from eager")
    page.wait_for_load_state("load")
    # One request for the eager fragment and the lazy one in view; below the fold and not
    # rendered wait for the viewport as before.
    assert (seen.batches(), seen.singles()) == (1, [])
    assert sorted(seen.parts) == [("hello", 200, True), ("hello", 200, True)]
    assert page.get_attribute("#far ck-fragment", "state") is None
    assert page.get_attribute("#hidden ck-fragment", "state") is None
    page.locator("#far").scroll_into_view_if_needed()
    expect(page.locator("#far ck-fragment")).to_have_text("Hello anonymous from far")
    assert seen.singles() == ["/_composekit/hello/"]


def test_nested_fragments_and_reloads_still_work(loader: Loader, seen: Seen) -> None:
    page = loader.open(
        fragments(
            '<div id="outer">{% fragment "outer" %}o{% endfragment %}</div>',
            '<div id="h">{% fragment "hello" who="h" %}h{% endfragment %}</div>',
        )
    )
    expect(page.locator("#outer ck-fragment ck-fragment")).to_have_text(
        "Hello anonymous from outer"
    )  # nested
    expect(page.locator("#h ck-fragment")).to_have_text("Hello anonymous from h")
    page.evaluate("Promise.all(['outer', 'hello'].map((n) => composekit.reload(n)))")
    page.wait_for_function("ckEvents.filter((e) => e[1] === 'loadend').length >= 6")
    expect(page.locator("#outer ck-fragment ck-fragment")).to_have_text("Hello anonymous from outer")
    # outer and hello together; the nested hello once outer was in (alone: nothing to share
    # a request with); the reloads together. The new nested hello may reuse the answer the
    # reload got for its predecessor (the same src, this page's identity) or ask alone.
    assert seen.batches() == 2
    assert seen.singles() in (["/_composekit/hello/"], ["/_composekit/hello/"] * 2)


def test_a_kept_fragment_is_shown_on_the_next_page_without_a_request(loader: Loader, seen: Seen) -> None:
    body = '<p id="d">{% fragment "scoped-cart" %}d…{% endfragment %}</p><p id="e">{% fragment "hello" %}e{% endfragment %}</p>'
    page = loader.open(body)
    expect(page.locator("#d ck-fragment")).to_have_text("Hello anonymous")
    expect(page.locator("#e ck-fragment")).to_have_attribute("state", "loaded")
    first = list(seen.parts)
    loader.open(body)  # the next page view, in the same tab
    expect(page.locator("#d ck-fragment")).to_have_text("Hello anonymous")
    expect(page.locator("#e ck-fragment")).to_have_attribute("state", "loaded")
    page.wait_for_load_state("networkidle")
    new = seen.parts[len(first) :]
    # scoped-cart (max-age=300) came from what the tab kept; hello (no-cache) was asked
    # again, with its ETag: a 304, nothing rendered.
    assert new == [("hello", 304, False)]


def test_a_write_to_its_scope_makes_the_next_page_ask(loader: Loader, seen: Seen) -> None:
    body = '<p id="d">{% fragment "scoped-cart" %}d…{% endfragment %}</p><p id="n">{% fragment "scoped-nothing" %}n…{% endfragment %}</p>'
    page = loader.open(body)
    expect(page.locator("#d ck-fragment")).to_have_text("Hello anonymous")
    expect(page.locator("#n ck-fragment")).to_have_text("Hello anonymous")
    # What a write to the cart does to the cookies (composekit.invalidate(request, "cart")).
    page.context.add_cookies([{"name": "ck_gen", "value": "@:w1.cart:w2", "url": loader.url}])
    seen.parts.clear()
    loader.open(body)
    expect(page.locator("#d ck-fragment")).to_have_attribute("state", "loaded")
    page.wait_for_load_state("networkidle")
    assert seen.parts == [("scoped-cart", 200, False)]  # scoped-nothing stayed kept
