"""Forms inside fragments post with a working CSRF token; shells carry none."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from composekit.render import fragment_url

pytestmark = pytest.mark.django_db


def token_in(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match is not None, html
    return match.group(1)


def test_form_in_a_fragment_posts_with_its_token(django_user_model: type[User]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.create_user("ada"))
    response = client.get(fragment_url("csrf-form"))
    assert response["Cache-Control"] == "private, no-cache"  # a token is per user
    assert "csrftoken" in response.cookies
    token = token_in(response.content.decode())
    assert client.post("/cart/add/", {"csrfmiddlewaretoken": token}).content == b"added"


def test_post_without_the_token_is_refused() -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(fragment_url("csrf-form"))  # the cookie alone is not enough
    assert client.post("/cart/add/").status_code == 403


def test_token_from_another_visitor_is_refused() -> None:
    someone = Client(enforce_csrf_checks=True)
    token = token_in(someone.get(fragment_url("csrf-form")).content.decode())
    me = Client(enforce_csrf_checks=True)
    me.get(fragment_url("csrf-form"))
    assert me.post("/cart/add/", {"csrfmiddlewaretoken": token}).status_code == 403


def test_a_shell_holding_a_token_is_caught(client: Client) -> None:
    # A shell view rendering {% csrf_token %} (tests/shells): the guard downgrades it.
    response = client.get("/shells/csrf-form/")
    assert response["Cache-Control"] == "private, no-cache"
    assert response["X-Composekit-Shell"] == "not cached: the CSRF token"
