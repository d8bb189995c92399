"""composekit/answers.py: a write through the loader answers with the fragments it moved."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings

from composekit import answer_with
from composekit.answers import asked
from composekit.identity import rotate_identity
from composekit.middleware import ComposekitMiddleware
from composekit.signals import fragment_rendered
from tests.test_batch import part

pytestmark = pytest.mark.django_db

WRITE = "/write/"
LOADER = {"CK-Request": "form"}


def entry(name: str, *events: str, params: dict[str, Any] | None = None) -> str:
    """A CK-Fragments entry, as the loader writes it for an element on the page."""
    return part(name, params) + (";" + ",".join(events) if events else "")


def write(client: Client, shown: list[str] | None, /, **data: Any) -> Any:
    """POST a write as composekit-live does, the page showing ``shown`` (None: no header)."""
    headers = dict(LOADER)
    if shown is not None:
        headers["CK-Fragments"] = " ".join(shown)
    return client.post(WRITE, data, headers=headers)


def parts(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    answers: list[dict[str, Any]] = json.loads(response.content)
    return answers


@pytest.fixture
def rendered() -> Any:
    """The names of the fragments rendered (answered 200) while the test runs."""
    names: list[str] = []

    def record(sender: Any, name: str, status: int, **kwargs: Any) -> None:
        if status == 200:
            names.append(name)

    fragment_rendered.connect(record)
    yield names
    fragment_rendered.disconnect(record)


@pytest.fixture
def ada(client: Client, django_user_model: type[User]) -> Client:
    client.force_login(django_user_model.objects.create_user("ada"))
    return client


def test_the_fragments_whose_scopes_the_write_named_come_rendered_and_no_others(
    ada: Client, rendered: list[str]
) -> None:
    shown = [entry("hello"), entry("scoped-cart"), entry("scoped-nothing"), entry("counted")]
    response = write(ada, shown, scope="cart")
    [cart] = parts(response)
    assert cart["i"] == 1
    assert cart["status"] == 200
    assert cart["html"] == "Hello ada"
    assert cart["scopes"] == ["cart", "wishlist"]
    assert cart["cache"] == "private, max-age=300"
    assert rendered == ["scoped-cart"]  # hello and counted depend on every write: not re-rendered
    assert "cart:" in response.cookies["ck_gen"].value  # the generations moved as for any write


def test_the_fragments_that_refresh_on_a_triggered_event_come_rendered(
    ada: Client, rendered: list[str]
) -> None:
    shown = [entry("hello", "cart:changed"), entry("counted", "news:changed", "site:changed"), entry("news")]
    response = write(ada, shown, event=["site:changed", "other"])
    assert response["CK-Trigger"] == "site:changed, other"  # the loader still fires them
    [counted] = parts(response)
    assert (counted["i"], counted["status"]) == (1, 200)
    assert rendered == ["counted"]


def test_a_view_names_what_it_moved(ada: Client, rendered: list[str]) -> None:
    response = write(ada, [entry("hello", params={"who": "x"}), entry("counted")], answer=["hello"])
    [hello] = parts(response)
    assert (hello["i"], hello["html"]) == (0, "Hello ada from x")
    assert rendered == ["hello"]


def test_nothing_moved_leaves_the_answer_as_the_view_made_it(ada: Client, rendered: list[str]) -> None:
    response = write(ada, [entry("hello"), entry("scoped-nothing")], scope="wishlist", event="x")
    assert response.status_code == 204
    assert response.content == b""
    assert rendered == []


def test_an_unknown_write_renders_nothing_for_the_answer(ada: Client, rendered: list[str]) -> None:
    # Its effect is unknown: every kept fragment goes (generations), none is re-rendered here.
    response = write(ada, [entry("hello"), entry("scoped-cart")], unknown="1")
    assert response.status_code == 204
    assert "*:" in response.cookies["ck_gen"].value
    assert rendered == []


@pytest.mark.parametrize(
    ("data", "headers"),
    [
        ({"scope": "cart"}, {}),  # not the loader: a plain form post
        ({"scope": "cart", "status": "200", "body": "done"}, LOADER),  # a body of the view's own
        ({"scope": "cart", "status": "302"}, LOADER),
        ({"scope": "cart", "status": "400"}, LOADER),
    ],
)
def test_other_answers_are_left_alone(
    ada: Client, rendered: list[str], data: dict[str, str], headers: dict[str, str]
) -> None:
    response = ada.post(WRITE, data, headers={**headers, "CK-Fragments": entry("scoped-cart")})
    assert response.status_code == int(data.get("status", 204))
    assert response.content == data.get("body", "").encode()
    assert rendered == []


def test_without_the_header_the_loader_gets_the_204_it_always_got(ada: Client) -> None:
    response = write(ada, None, scope="cart", event="cart:changed")
    assert (response.status_code, response.content, response["CK-Trigger"]) == (204, b"", "cart:changed")


def test_a_part_the_user_may_not_fetch_is_refused_there_not_rendered(
    ada: Client, rendered: list[str]
) -> None:
    [staff] = parts(write(ada, [entry("staff")], answer="staff"))
    assert staff["status"] == 403
    assert "html" not in staff
    assert staff["problem"]["status"] == 403
    assert rendered == []


def test_forged_or_malformed_entries_are_400_parts_and_the_write_stands(
    ada: Client, rendered: list[str]
) -> None:
    forged = part("scoped-cart").replace("scoped-cart:", "scoped-cart:x")  # the signature no longer matches
    borrowed = "scoped-cart:" + part("hello").split(":", 1)[1]  # signed for another fragment
    shown = [forged, borrowed, "<script>", "scoped-cart:abc;cart:changed,<b>", entry("scoped-cart")]
    answers = parts(write(ada, shown, scope="cart"))
    assert [(a["i"], a["status"]) for a in answers] == [(0, 400), (1, 400), (2, 400), (3, 400), (4, 200)]
    assert answers[0]["problem"]["reason"] == "tampered"
    assert answers[2]["problem"]["detail"] == (
        "CK-Fragments entry 2 is '<script>', not <name>:<signed params>[;<event>,...]"
    )
    assert rendered == ["scoped-cart"]


def test_unknown_and_public_fragments_are_never_rendered_for_a_write(
    ada: Client, rendered: list[str]
) -> None:
    shown = [entry("news", "x"), "gone-away:abc;x"]
    response = write(ada, shown, event="x", answer="news")
    assert response.status_code == 204  # news is public (its own URL, shared caches): not answered
    assert rendered == []


@override_settings(COMPOSEKIT_BATCH_MAX_PARTS=2)
def test_more_entries_than_a_batch_takes_are_left_out_and_said(ada: Client, rendered: list[str]) -> None:
    shown = [entry("scoped-cart", params={"n": n}) for n in range(3)]
    answers = parts(write(ada, shown, scope="cart"))
    assert [(a["i"], a["status"]) for a in answers] == [(0, 200), (1, 200), (2, 400)]
    assert answers[2]["problem"]["detail"] == (
        "CK-Fragments names 3 fragments, over COMPOSEKIT_BATCH_MAX_PARTS (2): those from 2 on were left out"
    )
    assert rendered == ["scoped-cart", "scoped-cart"]


def test_a_write_that_logs_in_or_out_carries_no_fragments() -> None:
    # The loader renews every fragment for the new identity: no part of the old one's page.
    request = RequestFactory().post("/", headers={**LOADER, "CK-Fragments": entry("hello")})
    assert asked(request, HttpResponse(status=204))
    rotate_identity(request)
    assert not asked(request, HttpResponse(status=204))


def test_answer_with_refuses_names_of_no_fragment() -> None:
    request = RequestFactory().post("/")
    with pytest.raises(ValueError, match=r"answer_with\(\) takes names of registered fragments, not 'nope'"):
        answer_with(request, "nope")


def test_under_asgi_the_parts_render_out_of_the_event_loop(
    django_user_model: type[User], rendered: list[str]
) -> None:
    user = django_user_model.objects.create_user("bea")
    request = RequestFactory().post("/", headers={**LOADER, "CK-Fragments": entry("scoped-cart")})
    request.user = user
    request.session = {}  # type: ignore[assignment]
    answer_with(request, "scoped-cart")

    async def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(status=204)

    async def untouched(request: HttpRequest) -> HttpResponse:
        return HttpResponse("page")

    middleware = ComposekitMiddleware(view)
    response = asyncio.run(middleware(request))
    [cart] = json.loads(response.content)
    assert (cart["status"], cart["html"]) == (200, "Hello bea")
    other = asyncio.run(ComposekitMiddleware(untouched)(RequestFactory().get("/")))
    assert other.content == b"page"
    assert rendered == ["scoped-cart"]
