"""composekit/generations.py: the cookie the user's writes move, and CK-Scopes."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings

from composekit import CachePolicy
from composekit.generations import invalidate, move_generations, parse, serialize
from composekit.middleware import ComposekitMiddleware
from composekit.render import fragment_url

pytestmark = pytest.mark.django_db


def respond(request: HttpRequest, status: int = 200, before: str | None = None) -> dict[str, str] | None:
    """The generations a response to ``request`` sets (None: no cookie), from ``before``."""
    if before is not None:
        request.COOKIES["ck_gen"] = before
    response = ComposekitMiddleware(lambda r: HttpResponse(status=status))(request)
    morsel = response.cookies.get("ck_gen")
    if morsel is None:
        return None
    assert morsel["httponly"] == "" and morsel["samesite"] == "Lax" and morsel["path"] == "/"
    return parse(morsel.value)


def test_a_write_moves_every_write_and_unknown_writes(rf: RequestFactory) -> None:
    tokens = respond(rf.post("/cart/add/"))
    assert tokens is not None and set(tokens) == {"@", "*"}
    assert all(len(t) == 6 for t in tokens.values())


def test_each_write_moves_them_again_and_keeps_the_others(rf: RequestFactory) -> None:
    before = "@:aaaaaa.*:bbbbbb.cart:cccccc"
    tokens = respond(rf.post("/x/"), before=before)
    assert tokens is not None
    assert tokens["cart"] == "cccccc"
    assert tokens["@"] != "aaaaaa" and tokens["*"] != "bbbbbb"


def test_a_write_that_names_its_scopes_moves_only_those(rf: RequestFactory) -> None:
    request = rf.post("/cart/add/")
    invalidate(request, "cart")
    invalidate(request, "cart", "wishlist")
    tokens = respond(request, before="@:aaaaaa.*:bbbbbb.menu:dddddd")
    assert tokens is not None
    assert tokens["*"] == "bbbbbb" and tokens["menu"] == "dddddd"
    assert {tokens["@"], tokens["cart"], tokens["wishlist"]}.isdisjoint({"aaaaaa"})


def test_invalidate_without_scopes_is_an_unknown_write(rf: RequestFactory) -> None:
    request = rf.post("/x/")
    invalidate(request, "cart")
    invalidate(request)
    tokens = respond(request, before="*:bbbbbb")
    assert tokens is not None and tokens["*"] != "bbbbbb" and "cart" in tokens


def test_reads_move_nothing_unless_they_say_so(rf: RequestFactory) -> None:
    for method in ("get", "head", "options", "trace"):
        assert respond(getattr(rf, method)("/")) is None
    request = rf.get("/mark-all-read/")
    invalidate(request, "inbox")
    tokens = respond(request)
    assert tokens is not None and set(tokens) == {"@", "inbox"}


def test_failed_writes_move_nothing(rf: RequestFactory) -> None:
    assert respond(rf.post("/x/"), status=403) is None
    assert respond(rf.delete("/x/"), status=500) is None
    assert respond(rf.put("/x/"), status=302) is not None  # a redirect after a write: it wrote


def test_bad_scopes_are_refused_with_what_a_scope_is(rf: RequestFactory) -> None:
    with pytest.raises(
        ValueError, match=r"a scope is lowercase letters, digits and hyphens, like 'cart', not 'Cart'"
    ):
        invalidate(rf.post("/"), "Cart")
    with pytest.raises(ValueError, match="not 'a.b'"):
        CachePolicy.private(scopes=["a.b"])


def test_parse_drops_what_is_not_a_pair() -> None:
    assert parse("@:abc.*:d-e.cart:f_1.bad.:x.Up:y.z:") == {"@": "abc", "*": "d-e", "cart": "f_1"}
    assert parse(None) == parse("") == {}
    assert serialize({"cart": "c", "@": "a"}) == "@:a.cart:c"


@override_settings(COMPOSEKIT_GENERATION_COOKIE="gen")
def test_the_cookie_name_follows_the_setting(rf: RequestFactory) -> None:
    response = HttpResponse()
    move_generations(rf.post("/"), response)
    assert set(response.cookies) == {"gen"}


@override_settings(COMPOSEKIT_GENERATION_COOKIE=None)
def test_no_cookie_when_turned_off(rf: RequestFactory) -> None:
    response = HttpResponse()
    move_generations(rf.post("/"), response)
    assert not response.cookies


def test_fragments_say_their_scopes(client: Client) -> None:
    # CK-Scopes: absent when the policy names none (any write), empty for "no write".
    assert not client.get(fragment_url("counted")).has_header("CK-Scopes")
    assert client.get(fragment_url("scoped-cart"))["CK-Scopes"] == "cart, wishlist"
    assert client.get(fragment_url("scoped-nothing"))["CK-Scopes"] == ""


def test_a_write_through_django_sets_the_cookie(client: Client) -> None:
    response = client.post("/cart/add/")
    assert set(parse(response.cookies["ck_gen"].value)) == {"@", "*"}
    assert "ck_gen" not in client.get("/page/").cookies


def test_a_moved_token_never_equals_the_one_before(
    rf: RequestFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = iter(["same00", "other1", "other2"])
    monkeypatch.setattr("composekit.generations._new_token", lambda: next(drawn))
    tokens = respond(rf.post("/"), before="@:same00.*:same00")  # moves "@" and "*"
    assert tokens is not None and sorted(tokens.values()) == ["other1", "other2"]
