"""The markup composekit emits: escaped attributes, the ``<ck-fragment>`` element, its ``src``.

``render.py`` (client and inline mode) and ``esi.py`` (ESI mode) build elements here, so a
fragment looks the same in the page whichever mode put it there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .conf import conf

if TYPE_CHECKING:
    from .fragment import Fragment

__all__ = ["element", "fragment_attrs", "fragment_path", "fragment_src", "html_attrs", "loaded_element"]


def html_attrs(attrs: Mapping[str, object]) -> SafeString:
    """`` key="value"`` for each attribute that is not None, escaped, in the given order."""
    return format_html_join("", ' {}="{}"', ((k, v) for k, v in attrs.items() if v is not None))


def element(
    attrs: Mapping[str, object], content: str, *, tag: str | None = None, error: str | None = None
) -> SafeString:
    """``<ck-fragment>`` with ``attrs`` around ``content``, which is HTML already.

    ``tag`` (the template tag's ``as=``) makes it that element instead, its attributes
    prefixed ``data-ck-`` (the attribute form; js/src/attached.js). ``error``, HTML to show
    if loading fails, travels inside as ``<template data-ck-error>``.
    """
    if error is not None:
        content = format_html("{}<template data-ck-error>{}</template>", mark_safe(content), mark_safe(error))
    if tag is None:
        return format_html("<ck-fragment{}>{}</ck-fragment>", html_attrs(attrs), mark_safe(content))
    prefixed = {f"data-ck-{key}": value for key, value in attrs.items()}
    return format_html("<{}{}>{}</{}>", tag, html_attrs(prefixed), mark_safe(content), tag)


def loaded_element(attrs: Mapping[str, object], html: str, *, tag: str | None = None) -> SafeString:
    """The element of a fragment the server rendered into the page (inline mode, an ESI
    include): ``state="loaded"`` around its ``html``, as the loader leaves a loaded one."""
    return element({**attrs, "state": "loaded"}, html, tag=tag)


def fragment_path(name: str, query: Mapping[str, str]) -> str:
    """The endpoint's path for fragment ``name`` with this query (``p`` first, ``:`` kept)."""
    return reverse("composekit:fragment", args=[name]) + "?" + urlencode(query, safe=":")


def fragment_src(name: str, token: str) -> str:
    """What a placeholder's ``src`` says: the endpoint URL, on ``COMPOSEKIT_FRAGMENT_ORIGIN`` if set."""
    return (conf.FRAGMENT_ORIGIN or "") + fragment_path(name, {"p": token})


def fragment_attrs(
    cls: type[Fragment],
    name: str,
    src: str,
    *,
    loading: str | None = None,
    timeout: object = None,
    refresh_on: Sequence[str] = (),
    refresh_every: str | None = None,
) -> dict[str, object]:
    """The attributes of fragment ``name``'s element, in every mode that emits one."""
    return {
        "name": name,
        "src": src,
        "loading": loading,
        "timeout": timeout,
        # For composekit-live: events to refresh on, and how often to revalidate.
        "refresh-on": " ".join(refresh_on) or None,
        "refresh-every": refresh_every,
        # For the loader: a public fragment is never batched, kept or renewed (shared caches
        # hold it); batch="off" is fetched alone, and so is batch="session", one a shared cache
        # keeps per session where purges are sent (a batch is never stored: it would always
        # reach Django), which a write's answer may still carry.
        "public": "" if cls.cache.is_public else None,
        "batch": "off" if not cls.batch else "session" if _kept_per_session(cls) else None,
    }


def _kept_per_session(cls: type[Fragment]) -> bool:
    """Whether a shared cache may keep ``cls`` per session (persession.py): never batched then."""
    from .tags import purging

    return cls.cache.per_session is not None and purging()
