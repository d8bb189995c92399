"""Per-session copies: a private fragment a shared cache (Varnish) keeps for one session.

A fragment whose policy says ``CachePolicy.private(..., per_session=600)`` still leaves for
the browser as ``private``; the shared cache in front is told, in ``CK-Per-Session``, how
many seconds it may keep this response *for the session that asked*. The reference VCL
(docs/varnish/composekit.vcl) stores it as a variant of the URL keyed by the session cookie
and the loader's generation, identity and CSRF cookies, strips the header, and delivers it
to nobody else. It is marked only when all of these hold, else it is an ordinary private
response:

- the request is the fragment's own GET (not inline, not a batch part), answered 200;
- the request carried exactly one session cookie, and it is the session Django loaded and
  left unchanged (a forged, expired or rotated key is refused);
- purges are sent (``COMPOSEKIT_PURGE_BACKENDS``), so the copy can be dropped: it is tagged
  with its dependencies (as public fragments are), with a tag of its session and one of its
  user, both keyed HMACs (``session_tag()``, ``user_tag()``): no key or id in a tag;
- the session's stored expiry is known (database-backed stores) and in the future: the
  lifetime is ``per_session`` seconds, never past it.

``ComposekitMiddleware`` purges a session's copies when a request ends it (logout, login's
key rotation, ``flush()``, ``update_session_auth_hash()``), and a saved password change
purges every session of that user. See docs/caching.md ("Per-session copies").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.crypto import salted_hmac

from . import registry, requeststate, tags
from .conf import conf

if TYPE_CHECKING:
    from rest_framework.request import Request

    from .fragment import Fragment
    from .servercache import Lookup

__all__ = ["HEADER", "end_session", "end_user_sessions", "mark", "session_tag", "user_tag"]

logger = logging.getLogger("composekit")

HEADER = "CK-Per-Session"
_SALT = "composekit.persession"


def _digest(kind: str, value: str, secret: str | bytes | None = None) -> str:
    return salted_hmac(f"{_SALT}.{kind}", value, secret=secret, algorithm="sha256").hexdigest()[:32]


def session_tag(session_key: str, secret: str | bytes | None = None) -> str:
    """The tag of every per-session copy made for ``session_key``: a keyed HMAC of it."""
    return f"{conf.TAG_PREFIX}ck-session:{_digest('session', session_key, secret)}"


def user_tag(pk: object, secret: str | bytes | None = None) -> str:
    """The tag of every per-session copy made for user ``pk``, whichever their session."""
    return f"{conf.TAG_PREFIX}ck-user:{_digest('user', str(pk), secret)}"


def _secrets() -> list[str | bytes]:
    # A copy tagged before SECRET_KEY rotated is found by the old key's tag.
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def mark(fragment: Fragment, request: Request, response: HttpResponseBase, lookup: Lookup | None) -> None:
    """Let the shared cache keep ``response`` for this session, if everything allows it."""
    policy = fragment.cache
    django_request = request._request
    if (
        policy.per_session is None
        or response.status_code != 200
        or requeststate.is_inline(django_request)
        or requeststate.is_batch_part(django_request)
        or not tags.purging()
    ):
        return
    key = authenticated_key(django_request)
    if key is None:
        return
    left = _seconds_left(django_request)
    if left is None or left <= 0:
        return
    labels = lookup.labels if lookup is not None else fragment.dependency_labels(request)
    found = tags.response_tags(labels)
    if found is None:
        logger.warning(
            "fragment %r depends on more than COMPOSEKIT_TAGS_MAX_BYTES of tags: not kept per session",
            fragment.name,
            extra={"fragment": fragment.name},
        )
        return
    found.append(session_tag(key))
    user = getattr(django_request, "user", None)
    if user is not None and user.is_authenticated:
        found.append(user_tag(user.pk))
    for header, separator in tags.header_specs():
        response[header] = separator.join(found)
    response[HEADER] = str(min(policy.per_session, left))


def authenticated_key(request: HttpRequest) -> str | None:
    """The session key the request's one session cookie holds, if Django loaded that very
    session and left it as it was; None otherwise."""
    name = settings.SESSION_COOKIE_NAME
    raw = request.META.get("HTTP_COOKIE", "")
    # Two cookies of that name: a cache and Django could each read another. Never keep it.
    if len(re.findall(rf"(?:^|;)\s*{re.escape(name)}\s*=", raw)) != 1:
        return None
    cookie = request.COOKIES.get(name)
    session = getattr(request, "session", None)
    if not cookie or session is None:
        return None
    session.keys()  # loads it: an unknown or expired key becomes None
    if session.session_key != cookie or session.modified:
        return None
    return cookie


def _seconds_left(request: HttpRequest) -> int | None:
    """Seconds until the session expires in its store; None when the store does not say."""
    session: Any = request.session
    model = getattr(session, "model", None)  # Django's db and cached_db stores, composekit.sessions
    if model is None:
        return None
    expires: datetime | None = (
        model.objects.filter(session_key=session.session_key).values_list("expire_date", flat=True).first()
    )
    if expires is None:
        return None
    return int((expires - timezone.now()).total_seconds())


def _in_use() -> bool:
    return tags.purging() and any(
        cls.cache.per_session is not None for cls in registry.all_fragments().values()
    )


def end_session(session_key: str) -> None:
    """Drop every per-session copy of ``session_key`` from the shared caches, now.

    Called for you when a request ends its session; call it when you end one by other means
    (deleting it in the admin, say). Sent at once (the first attempt waits), and what failed
    is queued for retries.
    """
    _purge_now(session_tag(session_key, secret) for secret in _secrets())


def end_user_sessions(user: AbstractBaseUser | Any) -> None:
    """Drop the per-session copies of every session of ``user`` (a password change does it):
    now, and again once the current transaction commits (a copy an old session made before
    the change was committed goes too)."""
    from . import purge

    found = [user_tag(user.pk, secret) for secret in _secrets()]
    _purge_now(found)
    purge.purge_after_commit(found)


def _purge_now(found: Iterable[str]) -> None:
    from . import purge

    wanted = list(found)
    # The first attempt before the response leaves: the old cookie, replayed the moment the
    # logout answered, must find nothing. What failed goes to the lanes, which retry it.
    if not all(outcome.ok for outcome in purge.purge_now(wanted, retries=0)):
        purge.purge(wanted)


def settle(request: HttpRequest, response: HttpResponseBase) -> None:
    """Purge the copies of the session ``request`` came with, if the request ended it.

    Ended: the session was changed and its key is no longer the cookie's (``flush()`` on
    logout, ``cycle_key()`` on login and ``update_session_auth_hash()``). Called by
    ``ComposekitMiddleware``.
    """
    old = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    session = getattr(request, "session", None)
    if not old or session is None or not session.modified or session.session_key == old:
        return
    if _in_use():
        end_session(old)


def _password_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    # AbstractBaseUser.set_password() keeps the raw password in _password until save() ends.
    if getattr(instance, "_password", None) is not None and _in_use():
        end_user_sessions(instance)


def _user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    if _in_use():
        end_user_sessions(instance)


def connect() -> None:
    """Connect the password-change and user-deletion receivers (``AppConfig.ready()``)."""
    model = get_user_model()
    post_save.connect(_password_saved, sender=model, dispatch_uid="composekit.persession.password")
    post_delete.connect(_user_deleted, sender=model, dispatch_uid="composekit.persession.deleted")
