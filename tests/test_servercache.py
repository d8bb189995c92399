"""The server-side fragment cache, in process: keys, hits, invalidation, staleness, safety."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Iterator
from typing import Any, cast

import pytest
import redis
from django.core.cache import caches
from django.test import Client, override_settings

from composekit import ServerCache, expire
from composekit.render import fragment_url
from composekit.signals import fragment_rendered
from composekit.versions import versions
from harness.servers import redis_server
from tests.testapp.fragments import calls

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    caches["default"].clear()


@pytest.fixture
def signals() -> Iterator[list[dict[str, Any]]]:
    sent: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        sent.append({"name": kwargs["name"], "status": kwargs["status"], "cache": kwargs["cache"]})

    fragment_rendered.connect(receiver)
    yield sent
    fragment_rendered.disconnect(receiver)


def version(dependency_label: str) -> str:
    return versions([dependency_label])[0]


def cache_desc(response: Any) -> str:
    match = re.search(r"cache;desc=(\w+)", response["Server-Timing"])
    assert match, response["Server-Timing"]
    return match.group(1)


def queries(response: Any) -> int:
    return int(re.search(r'desc="(\d+) queries"', response["Server-Timing"]).group(1))  # type: ignore[union-attr]


def stored_keys() -> set[str]:
    """Every key in the local-memory cache, as Django stores them (``:1:`` + ours)."""
    return set(caches["default"]._cache)  # type: ignore[attr-defined]


def test_a_public_fragment_is_kept_under_a_readable_key(client: Client) -> None:
    first = client.get(fragment_url("stock", sku="AB-12"))
    assert (first.status_code, first.content) == (200, b"<b>AB-12: 0 in stock</b>")
    v = version("product=AB-12")
    assert stored_keys() == {
        ":1:composekit:version:product=AB-12",
        f":1:composekit:stock:sku=AB-12,product=AB-12:{v}",
    }
    html, fresh_until = caches["default"].get(f"composekit:stock:sku=AB-12,product=AB-12:{v}")
    assert html == "<b>AB-12: 0 in stock</b>"
    again = client.get(fragment_url("stock", sku="AB-12"))
    assert again.content == first.content
    assert calls == {"stock.AB-12": 1}
    assert (cache_desc(first), cache_desc(again)) == ("miss", "hit")
    assert (queries(first), queries(again)) == (1, 0)
    assert again["Server-Timing"].endswith(", cache;desc=hit")
    assert again["Cache-Control"] == "public, max-age=0, s-maxage=60"


def test_a_private_fragment_is_kept_per_user(client: Client, django_user_model: Any) -> None:
    alice = django_user_model.objects.create_user("alice")
    bob = django_user_model.objects.create_user("bob")
    client.force_login(alice)
    for_alice = client.get(fragment_url("picks")).content
    client.force_login(bob)
    for_bob = client.get(fragment_url("picks")).content
    assert (for_alice, for_bob) == (
        b"<p>picks for alice: 0 in cart (render #1)</p>",
        b"<p>picks for bob: 0 in cart (render #2)</p>",
    )
    products, cart_a, cart_b = version("products"), version(f"cart={alice.pk}"), version(f"cart={bob.pk}")
    assert {k for k in stored_keys() if "version" not in k} == {
        f":1:composekit:picks:user={alice.pk},products,cart={alice.pk}:{products}.{cart_a}",
        f":1:composekit:picks:user={bob.pk},products,cart={bob.pk}:{products}.{cart_b}",
    }
    client.force_login(alice)
    assert client.get(fragment_url("picks")).content == for_alice  # hers, from the cache


def test_anonymous_visitors_are_told_apart_by_their_session(client: Client) -> None:
    assert client.get(fragment_url("picks")).status_code == 200
    session = client.session
    session["seen"] = True
    session.save()
    client.get(fragment_url("picks"))
    digest = hashlib.sha256(session.session_key.encode()).hexdigest()[:16]  # type: ignore[union-attr]
    v = f"{version('products')}.{version('cart=0')}"
    assert {k for k in stored_keys() if "version" not in k} == {
        f":1:composekit:picks:user=anonymous,products,cart=0:{v}",
        f":1:composekit:picks:session={digest},products,cart=0:{v}",
    }
    assert cast(str, session.session_key) not in "".join(stored_keys())  # a credential, never in a key


def test_expire_renders_what_depends_on_it_and_nothing_else(client: Client, django_user_model: Any) -> None:
    alice = django_user_model.objects.create_user("alice")
    bob = django_user_model.objects.create_user("bob")
    urls = {"ab": fragment_url("stock", sku="AB-12"), "cd": fragment_url("stock", sku="CD-34")}
    alice_client, bob_client = Client(), Client()
    alice_client.force_login(alice)
    bob_client.force_login(bob)

    def round_of_requests() -> dict[str, str]:
        return {
            "ab": cache_desc(client.get(urls["ab"])),
            "cd": cache_desc(client.get(urls["cd"])),
            "alice": cache_desc(alice_client.get(fragment_url("picks"))),
            "bob": cache_desc(bob_client.get(fragment_url("picks"))),
        }

    assert set(round_of_requests().values()) == {"miss"}
    assert set(round_of_requests().values()) == {"hit"}
    expire("product", "AB-12")
    assert round_of_requests() == {"ab": "miss", "cd": "hit", "alice": "hit", "bob": "hit"}
    expire("cart", alice.pk)
    assert round_of_requests() == {"ab": "hit", "cd": "hit", "alice": "miss", "bob": "hit"}
    expire("products")
    assert round_of_requests() == {"ab": "hit", "cd": "hit", "alice": "miss", "bob": "miss"}
    assert calls == {"stock.AB-12": 2, "stock.CD-34": 1, "picks": 5}


def test_the_version_is_the_etag_a_revalidation_reads_no_html(client: Client, monkeypatch: Any) -> None:
    url = fragment_url("stock", sku="AB-12")
    first = client.get(url)
    store = caches["default"]
    read: list[str] = []
    real_get = store.get
    monkeypatch.setattr(store, "get", lambda key, *a, **kw: read.append(key) or real_get(key, *a, **kw))  # type: ignore[func-returns-value]
    again = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", first["ETag"])
    assert cache_desc(again) == "hit"
    assert read == ["composekit:version:product=AB-12"]  # the version, never the HTML
    assert calls == {"stock.AB-12": 1}
    expire("product", "AB-12")
    changed = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert calls == {"stock.AB-12": 2}


def test_without_dependencies_the_etag_is_the_bodys(client: Client) -> None:
    first = client.get(fragment_url("timed"))
    again = client.get(fragment_url("timed"), headers={"If-None-Match": first["ETag"]})
    assert first.content == b"<i>timed #1</i>"
    assert (again.status_code, cache_desc(again)) == (304, "hit")
    assert calls == {"timed": 1}  # from the cache, not rendered, to hash the body
    assert {k for k in stored_keys() if "version" not in k} == {":1:composekit:timed:-:-"}


def test_json_is_served_from_the_same_entry(client: Client) -> None:
    url = fragment_url("stock", sku="AB-12")
    client.get(url)
    as_json = client.get(url, headers={"Accept": "application/json"})
    assert as_json.json() == {"name": "stock", "html": "<b>AB-12: 0 in stock</b>"}
    assert cache_desc(as_json) == "hit"


def test_a_stale_entry_is_served_then_regenerated_after_the_response(
    client: Client, django_user_model: Any, signals: list[dict[str, Any]]
) -> None:
    client.force_login(django_user_model.objects.create_user("alice"))
    url = fragment_url("picks")
    assert client.get(url).content == b"<p>picks for alice: 0 in cart (render #1)</p>"
    [key] = [k.removeprefix(":1:") for k in stored_keys() if ":picks:" in k]
    html, _ = caches["default"].get(key)
    caches["default"].set(key, (html, 0.0), 300)  # its timeout ran out; within stale-while-revalidate
    stale = client.get(url)  # the test client closes the response, as a WSGI server does
    assert (stale.content, cache_desc(stale)) == (b"<p>picks for alice: 0 in cart (render #1)</p>", "stale")
    assert calls == {"picks": 2}  # regenerated after the response
    assert caches["default"].get(key)[0] == "<p>picks for alice: 0 in cart (render #2)</p>"
    assert caches["default"].get("composekit:lock:" + key.removeprefix("composekit:")) is None
    fresh = client.get(url)
    assert (fresh.content, cache_desc(fresh)) == (b"<p>picks for alice: 0 in cart (render #2)</p>", "hit")
    assert [s["cache"] for s in signals] == ["miss", "stale", "regenerated", "hit"]
    assert signals[2] == {"name": "picks", "status": 200, "cache": "regenerated"}


def test_without_stale_while_revalidate_an_expired_entry_renders_at_once(client: Client) -> None:
    url = fragment_url("stock", sku="AB-12")
    client.get(url)
    [key] = [k.removeprefix(":1:") for k in stored_keys() if ":stock:" in k]
    caches["default"].set(key, ("<b>old</b>", 0.0), 60)
    expired = client.get(url)
    assert (expired.content, cache_desc(expired)) == (b"<b>AB-12: 0 in stock</b>", "miss")


def test_stale_entries_regenerate_once_under_concurrency() -> None:
    """50 requests at once for a hot fragment whose entry went stale: exactly one render."""
    url = fragment_url("hot", delay=0.3)
    store = caches["default"]
    warm = Client().get(url)
    assert warm.content == b"<b>hot render #1</b>"
    [key] = [k.removeprefix(":1:") for k in stored_keys() if ":hot:" in k]
    store.set(key, ("<b>hot render #1</b>", 0.0), 300)
    start = threading.Barrier(50)
    bodies: list[tuple[bytes, str]] = []

    def one() -> None:
        start.wait()
        response = Client().get(url)
        bodies.append((response.content, cache_desc(response)))

    threads = [threading.Thread(target=one) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(bodies) == 50
    assert store.get("test:hot-renders") == 2  # the warm-up, then one regeneration
    assert {body for body, _ in bodies} <= {b"<b>hot render #1</b>", b"<b>hot render #2</b>"}
    assert {desc for _, desc in bodies} <= {"stale", "hit"}
    assert store.get(key)[0] == "<b>hot render #2</b>"


def test_a_render_that_uses_the_csrf_token_is_never_kept(
    client: Client, django_user_model: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client.force_login(django_user_model.objects.create_user("alice"))
    with caplog.at_level(logging.WARNING, logger="composekit"):
        first = client.get(fragment_url("cached-form"))
        second = client.get(fragment_url("cached-form"))
    assert (cache_desc(first), cache_desc(second)) == ("miss", "miss")
    assert [k for k in stored_keys() if "version" not in k] == []
    assert (
        caplog.messages
        == ["fragment 'cached-form' not kept in the server cache: its render touched the CSRF token"] * 2
    )


def test_a_public_fragment_that_reads_the_session_is_never_kept(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="composekit"):
        response = client.get(fragment_url("cached-leaky"))
    assert response["Cache-Control"] == "private, no-cache"  # downgraded
    assert [k for k in stored_keys() if "version" not in k] == []
    assert "fragment 'cached-leaky' not kept in the server cache: its render touched" in caplog.text


def test_a_bad_dependency_names_the_fragment(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="composekit"):
        response = client.get(fragment_url("bad-dependency"))
    assert response.status_code == 500
    assert (
        "fragment 'bad-dependency': get_dependencies(): dependency 'product': ids are str or int"
        in caplog.text
    )


def test_inline_a_stale_entry_is_regenerated_before_the_page_goes_on(
    client: Client, django_user_model: Any
) -> None:
    client.force_login(django_user_model.objects.create_user("alice"))
    client.get(fragment_url("picks"))
    [key] = [k.removeprefix(":1:") for k in stored_keys() if ":picks:" in k]
    caches["default"].set(key, ("<p>old picks</p>", 0.0), 300)
    with override_settings(COMPOSEKIT_MODE="inline"):
        page = client.get("/inline-page/picks/")
    assert b"<p>old picks</p>" in page.content  # served stale at once...
    assert (
        caches["default"].get(key)[0] == "<p>picks for alice: 0 in cart (render #2)</p>"
    )  # ...regenerated already


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": 0}, "ServerCache: timeout must be a whole number of seconds >= 1, not 0"),
        (
            {"timeout": 60, "stale_while_revalidate": -1},
            "stale_while_revalidate must be a whole number of seconds >= 0",
        ),
        ({"timeout": "60"}, "timeout must be a whole number of seconds >= 1, not '60'"),
        (
            {"timeout": 60, "lock_timeout": True},
            "lock_timeout must be a whole number of seconds >= 1, not True",
        ),
    ],
)
def test_server_cache_options_are_checked(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        ServerCache(**options)


# -- Redis: the real thing, and its outage ------------------------------------------------------


def redis_caches(url: str) -> dict[str, Any]:
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}


def test_redis_holds_readable_keys_through_hiredis(client: Client, redis_url: str) -> None:
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    with override_settings(CACHES=redis_caches(redis_url)):
        first = client.get(fragment_url("stock", sku="AB-12"))
        again = client.get(fragment_url("stock", sku="AB-12"))
        v = version("product=AB-12")
        # Django's RedisCache takes redis-py's default parser: hiredis's, when it is installed.
        pool = caches["default"]._cache.get_client().connection_pool  # type: ignore[attr-defined]
        assert type(pool.get_connection()._parser).__name__ == "_HiredisParser"
    assert (cache_desc(first), cache_desc(again)) == ("miss", "hit")
    assert sorted(connection.keys("*")) == [  # a scan here, to look; composekit never scans
        f":1:composekit:stock:sku=AB-12,product=AB-12:{v}".encode(),
        b":1:composekit:version:product=AB-12",
    ]
    assert 0 < connection.ttl(f":1:composekit:stock:sku=AB-12,product=AB-12:{v}") <= 60
    assert connection.ttl(":1:composekit:version:product=AB-12") == -1  # versions never expire


def test_a_redis_outage_degrades_to_rendering(
    client: Client, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with redis_server(tmp_path) as server:
        url = f"redis://127.0.0.1:{server.port}"
        with override_settings(CACHES=redis_caches(url)):
            assert cache_desc(client.get(fragment_url("stock", sku="AB-12"))) == "miss"
            assert cache_desc(client.get(fragment_url("stock", sku="AB-12"))) == "hit"
    # The server is gone: the cache raises on every call.
    with override_settings(CACHES=redis_caches(url)), caplog.at_level(logging.WARNING, logger="composekit"):
        down = client.get(fragment_url("stock", sku="AB-12"))
        picks = client.get(fragment_url("picks"))
    assert (down.status_code, down.content) == (200, b"<b>AB-12: 0 in stock</b>")
    assert (cache_desc(down), picks.status_code, cache_desc(picks)) == ("error", 200, "error")
    assert calls == {"stock.AB-12": 2, "picks": 1}
    assert caplog.messages[0].startswith(
        "server cache 'default' failed for fragment 'stock' (ConnectionError: Error 111 connecting to 127.0.0.1"
    )
    assert caplog.messages[0].endswith("rendering without it")
    assert all(r.levelname == "WARNING" for r in caplog.records)


# -- each cache call failing on its own: logged, never raised -----------------------------------


class Broken(RuntimeError):
    pass


def fail_on(monkeypatch: Any, method: str, when: Any = lambda *args: True) -> None:
    """Make the test thread's cache raise from ``method`` when ``when(*args)`` says so."""
    store = caches["default"]
    real = getattr(store, method)

    def broken(*args: Any, **kwargs: Any) -> Any:
        if when(*args):
            raise Broken(f"{method} failed")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, method, broken)


def stale_picks(client: Client, django_user_model: Any) -> str:
    """Alice's picks, stored and then gone stale; their key."""
    client.force_login(django_user_model.objects.create_user("alice"))
    client.get(fragment_url("picks"))
    [key] = [k.removeprefix(":1:") for k in stored_keys() if ":picks:" in k]
    caches["default"].set(key, ("<p>old picks</p>", 0.0), 300)
    return key


def test_reading_the_entry_fails(client: Client, monkeypatch: Any, caplog: pytest.LogCaptureFixture) -> None:
    fail_on(monkeypatch, "get", lambda key, *rest: ":stock:" in key)
    response = client.get(fragment_url("stock", sku="AB-12"))
    assert (response.content, cache_desc(response)) == (b"<b>AB-12: 0 in stock</b>", "error")
    assert "(Broken: get failed); rendering without it" in caplog.text


def test_something_else_under_the_key_is_a_cache_failure(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    url = fragment_url("stock", sku="AB-12")
    client.get(url)
    [key] = [k.removeprefix(":1:") for k in stored_keys() if ":stock:" in k]
    caches["default"].set(key, "not an entry", 60)
    response = client.get(url)
    assert (response.content, cache_desc(response)) == (b"<b>AB-12: 0 in stock</b>", "error")
    assert "(ValueError: too many values to unpack" in caplog.text


def test_storing_the_entry_fails(client: Client, monkeypatch: Any, caplog: pytest.LogCaptureFixture) -> None:
    fail_on(monkeypatch, "set")
    response = client.get(fragment_url("stock", sku="AB-12"))
    assert (response.status_code, cache_desc(response)) == (200, "error")
    assert "(Broken: set failed); rendering without it" in caplog.text


def test_taking_the_lock_fails(
    client: Client, django_user_model: Any, monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    stale_picks(client, django_user_model)
    fail_on(monkeypatch, "add", lambda key, *rest: key.startswith("composekit:lock:"))
    response = client.get(fragment_url("picks"))
    assert (response.content, cache_desc(response)) == (b"<p>old picks</p>", "error")
    assert calls == {"picks": 1}  # no regeneration without the lock


def test_releasing_the_lock_fails(
    client: Client, django_user_model: Any, monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    key = stale_picks(client, django_user_model)
    fail_on(monkeypatch, "delete", lambda key, *rest: key.startswith("composekit:lock:"))
    assert client.get(fragment_url("picks")).content == b"<p>old picks</p>"
    assert caches["default"].get(key)[0] == "<p>picks for alice: 0 in cart (render #2)</p>"
    assert "(Broken: delete failed)" in caplog.text  # the lock then expires on its own


def test_an_entry_made_fresh_while_taking_the_lock_is_not_regenerated(
    client: Client, django_user_model: Any, monkeypatch: Any
) -> None:
    """Read stale, then another process stored it and let go of the lock: nothing to do."""
    key = stale_picks(client, django_user_model)
    store = caches["default"]
    real_add = store.add

    def add_after_another_regenerated(lock: str, *args: Any, **kwargs: Any) -> Any:
        store.set(key, ("<p>fresh from elsewhere</p>", 2e9), 300)
        return real_add(lock, *args, **kwargs)

    monkeypatch.setattr(store, "add", add_after_another_regenerated)
    assert client.get(fragment_url("picks")).content == b"<p>old picks</p>"
    assert calls == {"picks": 1}
    assert store.get(key)[0] == "<p>fresh from elsewhere</p>"
    assert store.get("composekit:lock:" + key.removeprefix("composekit:")) is None


def test_a_regeneration_that_raises_keeps_the_stale_entry(
    client: Client, django_user_model: Any, monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.testapp.fragments import Picks

    key = stale_picks(client, django_user_model)
    monkeypatch.setattr(Picks, "render", lambda self, request, **params: 1 / 0)
    with caplog.at_level(logging.ERROR, logger="composekit"):
        assert client.get(fragment_url("picks")).content == b"<p>old picks</p>"
    assert caplog.messages == [
        "fragment 'picks' raised ZeroDivisionError while regenerating; the stale entry stays"
    ]
    assert caches["default"].get(key)[0] == "<p>old picks</p>"
    assert caches["default"].get("composekit:lock:" + key.removeprefix("composekit:")) is None


def test_a_regeneration_that_uses_the_csrf_token_is_not_kept(
    client: Client, django_user_model: Any, monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from django.middleware.csrf import get_token

    from tests.testapp.fragments import Picks

    key = stale_picks(client, django_user_model)
    monkeypatch.setattr(
        Picks, "render", lambda self, request, **params: f"<form>{get_token(request._request)}</form>"
    )
    with caplog.at_level(logging.WARNING, logger="composekit"):
        client.get(fragment_url("picks"))
    assert caches["default"].get(key)[0] == "<p>old picks</p>"
    assert caplog.messages == [
        "fragment 'picks' not kept in the server cache: its render touched the CSRF token"
    ]


def test_a_public_fragment_that_authenticates_is_never_stored_for_the_next_visitor(
    client: Client, django_user_model: Any
) -> None:
    # Its class asks for session authentication: the session it reads is its own doing, so
    # it is sent private and its HTML is not kept under its public (shared) key.
    from rest_framework.authentication import SessionAuthentication

    from composekit import CachePolicy, Fragment, register
    from composekit.registry import unregister

    @register
    class Greeting(Fragment):
        name = "authenticated-greeting"
        cache = CachePolicy.public(max_age=60)
        server_cache = ServerCache(timeout=60)
        authentication_classes = [SessionAuthentication]  # noqa: RUF012

        def get_dependencies(self, request: Any, **params: Any) -> list[Any]:
            return ["greeting"]

        def render(self, request: Any, **params: Any) -> str:
            return f"<b>hello {request.user.get_username() or 'stranger'}</b>"

    try:
        client.force_login(django_user_model.objects.create_user("ada"))
        first = client.get(fragment_url("authenticated-greeting"))
        assert (first.content, first["Cache-Control"]) == (b"<b>hello ada</b>", "private, no-cache")
        client.logout()
        client.force_login(django_user_model.objects.create_user("bob"))
        second = client.get(fragment_url("authenticated-greeting"))
        assert second.content == b"<b>hello bob</b>"
        assert (cache_desc(first), cache_desc(second)) == ("miss", "miss")
    finally:
        unregister("authenticated-greeting")
