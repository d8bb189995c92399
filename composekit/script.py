"""The ``<script>`` tag that loads the drop-in loader, with its config as data- attributes."""

from __future__ import annotations

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from .conf import DEFAULTS, conf
from .html import html_attrs

__all__ = ["DEBUG_SCRIPT", "live_script_tag", "script_tag"]

DEBUG_SCRIPT = "composekit/composekit-debug.min.js"


def script_tag(nonce: str | None = None, *, live: bool = False) -> SafeString:
    """A classic (blocking, tiny) script meant for ``<head>``: fragments start loading
    as soon as the parser meets them, not after the whole page has arrived.

    With ``live``, composekit-live's script follows it (events, polls, forms through the
    loader; docs/loader.md). Under ``DEBUG``, composekit-debug's does too: it logs each
    fragment that fails to the console, with its problem document.
    """
    attrs = {
        "src": static(conf.SCRIPT),
        "data-timeout": conf.TIMEOUT,
        "data-retries": conf.RETRIES,
        "data-lazy-margin": conf.LAZY_MARGIN,
        "data-max-depth": conf.MAX_DEPTH,
        "data-allowed-origins": " ".join(conf.ALLOWED_ORIGINS) or None,
        "data-allow-scripts": "true" if conf.ALLOW_SCRIPTS else None,
        "data-identity-cookie": _cookie_name("IDENTITY_COOKIE"),
        "data-generation-cookie": _cookie_name("GENERATION_COOKIE"),
        "data-batch-url": _batch_url(),
        "nonce": nonce,
    }
    tag = format_html("<script{}></script>", html_attrs(attrs))
    if settings.DEBUG:
        # Development only: failed fragments logged to the console (js/src/debug/iife.js).
        debug = {"src": static(DEBUG_SCRIPT), "nonce": nonce}
        tag = format_html("{}<script{}></script>", tag, html_attrs(debug))
    return format_html("{}{}", tag, live_script_tag(nonce)) if live else tag


def live_script_tag(nonce: str | None = None) -> SafeString:
    """composekit-live's ``<script>``, with its config as data- attributes (only what differs)."""
    header = settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-")
    attrs = {
        "src": static(conf.LIVE_SCRIPT),
        "data-coalesce": conf.LIVE_COALESCE,
        "data-tabs": " ".join(conf.LIVE_TABS) or None,
        "data-csrf-cookie": None if settings.CSRF_COOKIE_NAME == "csrftoken" else settings.CSRF_COOKIE_NAME,
        "data-csrf-header": None if header == "X-CSRFTOKEN" else header,
        "nonce": nonce,
    }
    return format_html("<script{}></script>", html_attrs(attrs))


def _cookie_name(setting: str) -> str | None:
    """The cookie's name, when it is not the one the loader assumes."""
    name: str | None = getattr(conf, setting)
    return None if name in (None, DEFAULTS[setting]) else name


def _batch_url() -> str | None:
    if not conf.BATCH:
        return None
    return (conf.FRAGMENT_ORIGIN or "") + reverse("composekit:batch")
