"""Streamed mode (composekit/streaming.py) with Django's test clients: which pages stream,
their headers, the shell's bytes first (from the shell cache), each part through its
fragment's view, errors, timeouts, WSGI and ASGI. Chromium, gunicorn, uvicorn and Varnish:
tests/browser/test_streaming.py."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpResponse, StreamingHttpResponse
from django.test import AsyncClient, Client, RequestFactory, override_settings
from django.utils.html import escape

from composekit import streaming, subrequest
from composekit.render import fragment_url
from composekit.streaming import CACHE_CONTROL, Part, Slot, slots_in, stream
from tests import aio
from tests.loader import views as loader_views
from tests.streamed import views

pytestmark = pytest.mark.django_db

PART_RE = re.compile(r'<template data-ck-for="([^"]+)" data-ck-status="(\d+)"([^>]*)>(.*?)</template>', re.S)


def body_of(response: Any) -> bytes:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)  # type: ignore[arg-type]


def parts_of(body: bytes) -> list[tuple[str, int, str, str]]:
    """(src, status, extra attributes, html) of each part, in the order sent."""
    tail = body.decode().split("</html>", 1)[1]
    return [
        (src.replace("&amp;", "&"), int(status), extra, html)
        for src, status, extra, html in PART_RE.findall(tail)
    ]


def loader_page(client: Client, body: str, **headers: Any) -> Any:
    name = f"s{len(loader_views.pages)}"
    loader_views.pages[name] = body
    return client.get(f"/loader/page/{name}/", **headers)


@pytest.fixture(autouse=True)
def _fresh(settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    views.calls.clear()


# -- which placeholders a stream fills -----------------------------------------------------


def test_slots_are_private_eager_placeholders_of_this_site_each_src_once() -> None:
    hello = fragment_url("hello", who="a")
    html = (
        f'<ck-fragment name="hello" src="{hello}">x</ck-fragment>'
        f'<ck-fragment name="hello" src="{hello}"></ck-fragment>'  # the same src: once
        f'<ck-fragment name="news" src="{fragment_url("news")}" public=""></ck-fragment>'
        f'<ck-fragment name="hello" src="{fragment_url("hello", who="b")}" loading="lazy"></ck-fragment>'
        f'<ck-fragment name="hello" src="{fragment_url("hello", who="c")}" state="loaded">c</ck-fragment>'
        '<ck-fragment name="x" src="https://elsewhere.example/_composekit/x/?p=a:b"></ck-fragment>'
        '<ck-fragment name="x" src="/_composekit/x/?p=a:b&amp;esi=1"></ck-fragment>'
        '<ck-fragment name="x" src="/_composekit/Bad_Name/?p=a:b"></ck-fragment>'
        '<ck-fragment name="x" src="/_composekit/x/?q=a:b"></ck-fragment>'
        '<ck-fragment name="x"></ck-fragment>'
        f'<tr data-ck-src="{fragment_url("hello", who="d")}"></tr>'  # the attribute form: the loader's
        f'<ck-fragment name="sleepy" src="{fragment_url("sleepy", ms=1)}" batch="off"></ck-fragment>'
    )
    token = hello.split("?p=")[1]
    assert slots_in(html) == [
        Slot(hello, "hello", token),
        Slot(fragment_url("sleepy", ms=1), "sleepy", fragment_url("sleepy", ms=1).split("?p=")[1]),
    ]


def test_slots_follow_the_fragment_origin_and_the_batch_limit() -> None:
    with override_settings(COMPOSEKIT_FRAGMENT_ORIGIN="https://f.example", COMPOSEKIT_BATCH_MAX_PARTS=2):
        srcs = [fragment_url("hello", who=str(i)) for i in range(3)]
        assert all(src.startswith("https://f.example/_composekit/hello/") for src in srcs)
        html = "".join(f'<ck-fragment src="{src}"></ck-fragment>' for src in srcs)
        assert [slot.src for slot in slots_in(html)] == srcs[:2]
        assert slots_in('<ck-fragment src="/_composekit/hello/?p=a:b"></ck-fragment>') == []


# -- which responses are streamed ----------------------------------------------------------


def test_a_streamed_view_sends_the_cached_shell_then_each_part(client: Client) -> None:
    first = client.get("/streamed/page/?slow=50")
    assert first.status_code == 200
    assert first["Cache-Control"] == CACHE_CONTROL
    assert first["Vary"] == "Cookie"
    assert first["X-Accel-Buffering"] == "no"
    for header in ("ETag", "Last-Modified", "Expires", "Content-Length"):
        assert header not in first
    assert "csrftoken" in first.cookies  # a part's form gets its cookie before the headers leave
    body = body_of(first)
    # The shell is Django's cached copy: the one a request of the shell's view gets now.
    rf = RequestFactory().get("/streamed/page/?slow=50")
    rf.user = AnonymousUser()
    cached = views.shell(rf)
    assert views.calls == {"shell": 1}
    assert cached["Cache-Control"] == "public, max-age=60"
    srcs = [fragment_url("sleepy", ms=50), fragment_url("hello", who="you"), fragment_url("boom")]
    boot = f'<script data-ck-srcs="{escape(json.dumps(srcs))}">{streaming.STREAM_SCRIPT}</script>'
    assert body.startswith(cached.content + boot.encode())
    # Another visitor: the same shell bytes, their own parts; the shell was not rendered again.
    User.objects.create_user("bob")
    bob = Client()
    bob.force_login(User.objects.get(username="bob"))
    bob_body = body_of(bob.get("/streamed/page/?slow=50"))
    assert bob_body.startswith(cached.content + boot.encode())
    assert views.calls == {"shell": 1}
    by_src = {src: (status, html) for src, status, _, html in parts_of(body)}
    assert by_src == {
        fragment_url("sleepy", ms=50): (200, "<b>awake after 50 ms</b>"),
        fragment_url("hello", who="you"): (200, "Hello anonymous from you"),
        fragment_url("boom"): (500, ""),
    }
    assert {src: html for src, _, _, html in parts_of(bob_body)}[fragment_url("hello", who="you")] == (
        "Hello bob from you"
    )
    # Each part is followed by the element that swaps it in; no script per part.
    assert body.count(b"</template><ck-part></ck-part>") == 3
    assert body.endswith(b"</template><ck-part></ck-part>")
    assert body.count(b"<script") == cached.content.count(b"<script") + 1


def test_a_fast_part_is_sent_before_a_slow_one(client: Client) -> None:
    body = body_of(client.get("/streamed/page/?slow=400"))
    order = [src for src, *_ in parts_of(body)]
    assert order.index(fragment_url("hello", who="you")) < order.index(fragment_url("sleepy", ms=400))


def test_stream_mode_streams_pages_through_the_middleware(client: Client) -> None:
    response = client.get("/streamed/plain/?slow=0")
    assert isinstance(response, HttpResponse)  # client mode: the shell as it is
    assert response["Cache-Control"] == "public, max-age=0"
    with override_settings(COMPOSEKIT_MODE="stream"):
        streamed = client.get("/streamed/plain/?slow=0")
        assert streamed["Cache-Control"] == CACHE_CONTROL
        assert body_of(streamed).startswith(response.content)
        # Not the fragment endpoint (its HTML may hold placeholders), nor a batch.
        outer = client.get(fragment_url("outer"))
        assert isinstance(outer, HttpResponse) and b"<ck-fragment" in outer.content
        # Nor a page without a private placeholder, a HEAD, an error page, JSON.
        assert isinstance(loader_page(client, "<p>nothing personal</p>"), HttpResponse)
        assert isinstance(client.head("/streamed/plain/"), HttpResponse)
        assert isinstance(client.get("/shells/impure-not-found/"), HttpResponse)


def test_only_whole_html_pages_answered_200_to_a_get_stream() -> None:
    html = f'<ck-fragment src="{fragment_url("hello")}"></ck-fragment>'
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request._composekit_stream = True  # type: ignore[attr-defined]
    json = HttpResponse(html, content_type="application/json")
    assert stream(request, json) is json
    missing = HttpResponse(html, status=404)
    assert stream(request, missing) is missing
    already = StreamingHttpResponse([html.encode()])
    assert stream(request, already) is already
    sub = subrequest.build(request, "/", ())
    page = HttpResponse(html)
    assert stream(sub, page) is page  # an inline sub-request
    post = RequestFactory().post("/")
    post._composekit_stream = True  # type: ignore[attr-defined]
    assert stream(post, page) is page
    assert isinstance(stream(request, page), StreamingHttpResponse)


def test_headers_and_cookies_of_the_page_are_kept_but_not_its_validators_or_tags(client: Client) -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.session = client.session
    request._composekit_stream = True  # type: ignore[attr-defined]
    page = HttpResponse(f'<ck-fragment src="{fragment_url("hello")}"></ck-fragment>' + "x" * 2000)
    page["ETag"] = '"shell"'
    page["Content-Language"] = "en"
    page["xkey"] = "ck:product"
    page.set_cookie("seen", "1")
    streamed = stream(request, page)
    assert streamed["Content-Language"] == "en"
    assert streamed.cookies["seen"].value == "1"
    assert "ETag" not in streamed
    with override_settings(COMPOSEKIT_TAG_HEADERS=["xkey"]):
        page["xkey"] = "ck:product"
        assert "xkey" not in stream(request, page)


def test_even_a_short_page_makes_a_first_chunk_over_a_kilobyte_and_scripts_carry_the_nonce() -> None:
    request = RequestFactory().get("/")  # no user: nothing to load before the parts
    request.csp_nonce = "n0nce"  # type: ignore[attr-defined]
    request._composekit_stream = True  # type: ignore[attr-defined]
    src = fragment_url("hello")
    chunks = list(stream(request, HttpResponse(f'<ck-fragment src="{src}"></ck-fragment>')).streaming_content)  # type: ignore[attr-defined]
    assert len(chunks[0]) > 1024  # what Safari is said to wait for (docs/streaming.md)
    assert chunks[0].startswith(
        b'<ck-fragment src="' + src.encode() + b'"></ck-fragment><script data-ck-srcs='
    )
    assert b' nonce="n0nce">(()=>{' in chunks[0]
    assert chunks[1].endswith(b"</template><ck-part></ck-part>")


def test_the_script_is_the_same_on_every_page_so_a_csp_allows_it_by_its_hash() -> None:
    slot = Slot('/_composekit/x/?p="></script>', "x", "t")
    boot = streaming._boot([slot], None).decode()
    assert boot == (
        '<script data-ck-srcs="[&quot;/_composekit/x/?p=\\&quot;&gt;&lt;/script&gt;&quot;]">'
        f"{streaming.STREAM_SCRIPT}</script>"
    )
    digest = base64.b64encode(hashlib.sha256(streaming.STREAM_SCRIPT.encode()).digest()).decode()
    assert f"'sha256-{digest}'" == streaming.SCRIPT_CSP


# -- the parts ------------------------------------------------------------------------------


def test_parts_keep_their_fragments_rules_errors_and_triggers(client: Client, caplog: Any) -> None:
    body = (
        '{% fragment "members" %}members only{% endfragment %}'
        '{% fragment "triggers" %}{% endfragment %}'
        '{% fragment "sets-cookie" %}{% endfragment %}'
        '{% fragment "csrf-form" %}{% endfragment %}'
    )
    with override_settings(COMPOSEKIT_MODE="stream"), caplog.at_level(logging.WARNING, "composekit"):
        response = loader_page(client, body)
        parts = {
            src.split("/")[2]: (status, extra, html)
            for src, status, extra, html in parts_of(body_of(response))
        }
    assert parts["members"][0] == 401  # its DRF permission, as a batch part
    assert parts["triggers"] == (200, ' data-ck-trigger="news:shown"', "Hello anonymous")
    assert parts["sets-cookie"][0] == 200
    assert "fragment 'sets-cookie' set cookies" in caplog.text
    # The form's token is the one whose cookie the page's headers carried.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', parts["csrf-form"][2])
    assert token is not None and response.cookies["csrftoken"].value


def test_a_part_that_raises_outside_its_view_is_a_500(monkeypatch: Any, caplog: Any) -> None:
    def broken(sub: Any) -> Any:
        raise RuntimeError("resolver gone")

    monkeypatch.setattr(subrequest, "run", broken)
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert streaming.render_part(request, Slot("/x", "hello", "t")) == Part(500)
    assert "fragment 'hello' failed in a streamed page" in caplog.text


def test_a_part_not_ready_in_time_is_left_to_the_loader(client: Client, caplog: Any) -> None:
    with override_settings(COMPOSEKIT_STREAM_TIMEOUT=0.3), caplog.at_level(logging.WARNING, "composekit"):
        body = body_of(client.get("/streamed/page/?slow=1500"))
    by_src = {src: status for src, status, _, _ in parts_of(body)}
    assert by_src[fragment_url("sleepy", ms=1500)] == 504
    assert by_src[fragment_url("hello", who="you")] == 200
    assert "fragment 'sleepy' was not ready within COMPOSEKIT_STREAM_TIMEOUT (0.3s)" in caplog.text


def test_at_most_stream_threads_parts_run_at_once(client: Client) -> None:
    with override_settings(COMPOSEKIT_STREAM_THREADS=1):
        body = body_of(client.get("/streamed/page/?slow=10"))
    # One thread: in page order.
    assert [src.split("/")[2] for src, *_ in parts_of(body)] == ["sleepy", "hello", "boom"]


# -- ASGI -----------------------------------------------------------------------------------


async def _async_body(path: str, user: User | None = None) -> tuple[Any, bytes]:
    client = AsyncClient()
    if user is not None:
        await client.aforce_login(user)
    response = await client.get(path)
    chunks = [chunk async for chunk in response.streaming_content]  # type: ignore[attr-defined]
    return response, b"".join(chunks)


@pytest.mark.django_db(transaction=True)
def test_under_asgi_the_parts_are_tasks_and_the_fast_one_comes_first() -> None:
    response, body = aio.run(_async_body("/streamed/async/?slow=400"))
    assert response.is_async
    assert response["Cache-Control"] == CACHE_CONTROL
    order = [src for src, *_ in parts_of(body)]
    assert order.index(fragment_url("hello", who="you")) < order.index(fragment_url("sleepy", ms=400))
    assert {src: status for src, status, *_ in parts_of(body)}[fragment_url("boom")] == 500


@pytest.mark.django_db(transaction=True)
def test_under_asgi_a_part_not_ready_in_time_is_left_to_the_loader() -> None:
    with override_settings(COMPOSEKIT_STREAM_TIMEOUT=0.3):
        _, body = aio.run(_async_body("/streamed/page/?slow=1500"))
    assert {src: status for src, status, *_ in parts_of(body)}[fragment_url("sleepy", ms=1500)] == 504


def test_a_sync_page_under_asgi_streams_asynchronously_too(client: Client) -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request._composekit_stream = True  # type: ignore[attr-defined]
    from django.core.handlers.asgi import ASGIRequest

    asgi = ASGIRequest({"type": "http", "method": "GET", "path": "/", "headers": []}, None)  # type: ignore[arg-type]
    asgi.user = AnonymousUser()
    asgi._composekit_stream = True  # type: ignore[attr-defined]
    response = stream(asgi, HttpResponse(f'<ck-fragment src="{fragment_url("hello")}"></ck-fragment>'))
    assert response.is_async  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/streamed/async/?slow=0", "/streamed/plain/?slow=0"])
def test_under_asgi_a_logged_in_page_streams_its_users_parts(path: str, monkeypatch: Any) -> None:
    """The user is loaded out of the event loop (an async view, the async middleware)."""
    bob = User.objects.create_user("bob")
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE")  # the suite allows it (tests/conftest.py)
    with override_settings(COMPOSEKIT_MODE="stream"):
        response, body = aio.run(_async_body(path, bob))
    assert response["Cache-Control"] == CACHE_CONTROL
    assert {src: html for src, _, _, html in parts_of(body)}[
        fragment_url("hello", who="you")
    ] == "Hello bob from you"
