"""composekit/persession.py: when a private fragment may be kept by a shared cache for its
session (``CK-Per-Session``), its tags, and the purges when a session ends.

Through Django's test client, with a purge backend that records what it was asked to purge;
tests/test_varnish_persession.py runs the same through a real Varnish.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import pytest
from django.conf import settings
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from composekit import CachePolicy
from composekit.html import fragment_attrs
from composekit.persession import HEADER, authenticated_key, session_tag, user_tag
from composekit.purge import PurgeBackend, flush
from composekit.registry import get
from composekit.render import fragment_url
from tests.urls import urlpatterns as test_urlpatterns

pytestmark = pytest.mark.django_db

KEPT = fragment_url("shell-kept", stamp="unit")


class Recorder(PurgeBackend):
    """Remembers what it was asked to purge; fails while ``failing``."""

    header, separator, max_tags = "xkey", " ", 100
    sent: ClassVar[list[list[str]]] = []
    failing: ClassVar[bool] = False

    def targets(self) -> list[str]:
        return ["recorder"]

    def send(self, target: str, tags: Sequence[str]) -> None:
        if Recorder.failing:
            raise RuntimeError("down")
        Recorder.sent.append(list(tags))


@csrf_exempt
def end(request: HttpRequest, how: str) -> HttpResponse:
    if how == "logout":
        logout(request)
    elif how == "flush":
        request.session.flush()
    elif how == "password":
        user = User.objects.get(pk=request.user.pk or 0)
        user.set_password("new")
        user.save()
        update_session_auth_hash(request, user)
    elif how == "touch":
        request.session["seen"] = True
    return HttpResponse(how)


urlpatterns = [path("end/<str:how>/", end), *test_urlpatterns]

PURGING = {
    "COMPOSEKIT_PURGE_BACKENDS": [{"BACKEND": "tests.test_persession.Recorder"}],
    "COMPOSEKIT_PURGE_BACKOFF": 0.001,
    "ROOT_URLCONF": __name__,
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],  # fast, for tests
}


@pytest.fixture(autouse=True)
def recorder() -> Iterator[list[list[str]]]:
    Recorder.sent.clear()
    Recorder.failing = False
    with override_settings(**PURGING):
        yield Recorder.sent
        flush(5)


@pytest.fixture
def alice() -> Client:
    client = Client()
    client.force_login(User.objects.create(username="alice"))
    return client


def sent_tags(recorder: list[list[str]]) -> list[str]:
    return sorted(tag for batch in recorder for tag in batch)


# -- the policy --------------------------------------------------------------------------


def test_per_session_is_a_private_policy_option_in_seconds() -> None:
    assert CachePolicy.private().per_session is None
    policy = CachePolicy.private(max_age=30, per_session=600)
    assert policy.per_session == 600
    assert policy.headers() == {"Cache-Control": "private, max-age=30", "Vary": "Accept, Cookie"}
    for bad in (0, -1, 1.5, "60", True):
        with pytest.raises(ValueError, match="per_session"):
            CachePolicy.private(per_session=bad)  # type: ignore[arg-type]


def test_a_per_session_fragment_is_fetched_alone_where_purges_are_sent() -> None:
    cls = get("shell-kept")
    assert cls is not None
    assert fragment_attrs(cls, "shell-kept", "/x")["batch"] == "session"
    with override_settings(COMPOSEKIT_PURGE_BACKENDS=[]):  # no shared copy: batched as usual
        assert fragment_attrs(cls, "shell-kept", "/x")["batch"] is None
    whoami = get("shell-whoami")
    assert whoami is not None and fragment_attrs(whoami, "shell-whoami", "/x")["batch"] is None


# -- marking -----------------------------------------------------------------------------


def test_the_sessions_own_get_is_marked_and_tagged(alice: Client) -> None:
    response = alice.get(KEPT)
    key = alice.cookies[settings.SESSION_COOKIE_NAME].value
    assert response.content.startswith(b'<b class="kept">kept=alice</b>')
    assert response[HEADER] == "300"
    pk = User.objects.get(username="alice").pk
    assert response["xkey"].split(" ") == ["composekit", "kept:alice", session_tag(key), user_tag(pk)]
    assert response["Cache-Control"] == "private, max-age=30"
    assert session_tag(key).startswith("ck-session:") and key not in response["xkey"]


def test_an_anonymous_session_gets_no_user_tag() -> None:
    client = Client()
    client.get("/end/touch/")  # an anonymous session, saved
    response = client.get(KEPT)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert response["xkey"].split(" ") == ["composekit", "kept:anonymous", session_tag(key)]


def test_the_lifetime_never_passes_the_sessions_expiry(alice: Client) -> None:
    session = alice.session
    session.set_expiry(120)
    session.save()
    assert int(alice.get(KEPT)[HEADER]) in (119, 120)
    session.set_expiry(-5)
    session.save()
    assert HEADER not in alice.get(KEPT)  # expired: Django serves it as anonymous, unmarked


@pytest.mark.parametrize(
    "cookie",
    ["", "sessionid=" + "0" * 32, "sessionid={key}; sessionid={key}", "sessionid={key}; sessionid ={key}"],
    ids=["no cookie", "forged", "twice", "twice, spaced"],
)
def test_no_mark_without_exactly_the_cookie_of_the_session_django_loaded(alice: Client, cookie: str) -> None:
    key = alice.cookies[settings.SESSION_COOKIE_NAME].value
    response = Client(HTTP_COOKIE=cookie.format(key=key)).get(KEPT)
    assert response.status_code == 200 and HEADER not in response and "xkey" not in response


def test_no_key_for_a_request_without_sessions() -> None:
    request = RequestFactory().get(KEPT, HTTP_COOKIE="sessionid=" + "0" * 32)
    assert authenticated_key(request) is None  # no SessionMiddleware: no session


def test_no_mark_without_purges_for_a_sub_request_or_an_error(alice: Client) -> None:
    with override_settings(COMPOSEKIT_PURGE_BACKENDS=[]):
        assert HEADER not in alice.get(KEPT)
    batch = alice.get("/_composekit/_batch/", {"f": KEPT.split("/_composekit/")[1].replace("/?p=", ":")})
    assert batch.status_code == 200 and batch.json()[0]["status"] == 200
    assert HEADER not in batch  # the batch is no-store; its parts are never marked
    assert HEADER not in alice.get(KEPT.replace("?p=", "?p=x"))  # a 400


def test_a_store_that_does_not_say_when_sessions_expire_is_not_kept(alice: Client) -> None:
    with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies"):
        client = Client()
        client.force_login(User.objects.get(username="alice"))
        assert HEADER not in client.get(KEPT)


def test_a_session_gone_from_the_store_while_rendering_is_not_kept(
    alice: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from composekit import persession

    real = persession.authenticated_key

    def deleted_meanwhile(request: HttpRequest) -> str | None:
        key = real(request)
        request.session.model.objects.all().delete()  # type: ignore[attr-defined]
        return key

    monkeypatch.setattr(persession, "authenticated_key", deleted_meanwhile)
    assert HEADER not in alice.get(KEPT)


def test_too_many_tags_to_send_is_not_kept(alice: Client, caplog: pytest.LogCaptureFixture) -> None:
    with override_settings(COMPOSEKIT_TAGS_MAX_BYTES=10):
        response = alice.get(KEPT)
    assert HEADER not in response and "xkey" not in response
    assert "fragment 'shell-kept' depends on more than COMPOSEKIT_TAGS_MAX_BYTES" in caplog.text


def test_a_fragment_without_per_session_is_never_marked(alice: Client) -> None:
    assert HEADER not in alice.get(fragment_url("shell-whoami"))


# -- purging -----------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["logout", "flush", "password"])
def test_a_request_that_ends_its_session_purges_its_copies(
    alice: Client, recorder: list[list[str]], how: str
) -> None:
    key = alice.cookies[settings.SESSION_COOKIE_NAME].value
    alice.post(f"/end/{how}/")
    expected = {session_tag(key)}
    if how == "password":  # every session of the user, too
        expected.add(user_tag(User.objects.get(username="alice").pk))
    assert set(sent_tags(recorder)) == expected


def test_secret_key_fallbacks_purge_the_old_keys_tag_too(alice: Client, recorder: list[list[str]]) -> None:
    key = alice.cookies[settings.SESSION_COOKIE_NAME].value
    with override_settings(SECRET_KEY_FALLBACKS=["old secret"]):
        alice.post("/end/logout/")
    assert set(sent_tags(recorder)) == {session_tag(key), session_tag(key, "old secret")}


def test_a_request_that_keeps_its_session_purges_nothing(alice: Client, recorder: list[list[str]]) -> None:
    alice.get(KEPT)
    alice.post("/end/touch/")  # changed, same key
    Client(HTTP_COOKIE="sessionid=" + "0" * 32).post("/end/nothing/")  # a forged key, untouched
    Client().post("/end/logout/")  # no session at all
    assert recorder == []


def test_nothing_is_purged_where_no_fragment_is_kept_per_session(
    alice: Client, recorder: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    cls = get("shell-kept")
    monkeypatch.setattr(cls, "cache", CachePolicy.private(max_age=30))
    alice.post("/end/logout/")
    user = User.objects.get(username="alice")
    user.set_password("x")
    user.save()
    user.delete()
    assert recorder == []


def test_a_password_changed_elsewhere_or_a_deleted_user_purges_every_session(
    alice: Client, recorder: list[list[str]], django_capture_on_commit_callbacks: Any
) -> None:
    user = User.objects.get(username="alice")
    user.first_name = "Al"
    user.save()  # no new password: nothing
    assert recorder == []
    with django_capture_on_commit_callbacks(execute=True):
        user.set_password("elsewhere")
        user.save()
        assert sent_tags(recorder) == [user_tag(user.pk)]  # now...
    assert flush(5)
    assert sent_tags(recorder) == [user_tag(user.pk)] * 2  # ...and once committed
    recorder.clear()
    pk = user.pk
    user.delete()
    assert sent_tags(recorder) == [user_tag(pk)]


def test_a_purge_that_fails_now_is_retried_by_the_lanes(alice: Client, recorder: list[list[str]]) -> None:
    key = alice.cookies[settings.SESSION_COOKIE_NAME].value
    Recorder.failing = True
    alice.post("/end/logout/")
    assert recorder == []
    Recorder.failing = False
    assert flush(5)
    assert sent_tags(recorder) == [session_tag(key)]
