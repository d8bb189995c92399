"""A django-debug-toolbar panel: the fragments of a request.

    DEBUG_TOOLBAR_PANELS = [*debug_toolbar.settings.PANELS_DEFAULTS, "composekit.toolbar.FragmentsPanel"]
    DEBUG_TOOLBAR_CONFIG = {"UPDATE_ON_FETCH": True}  # optional: follow the loader's fetches

For a page it lists the placeholders the page holds (client mode) or the fragments rendered
into it (inline mode); for a fragment or batch request, the fragments it answered. Each
fragment that ran shows how it ran (inline, a fetch, a part of a batch), its status, cache
policy, ETag, whether it was a 304, its queries and time, from the ``fragment_rendered``
signal. A client-mode page's panel also lists the fragment requests that followed it (the
toolbar keeps every fetch the loader made as a request of its own), matched by fragment
name and params.

The toolbar replaces a response's ``Server-Timing`` with its own panels' timings; this panel
hands composekit's entries to it, so the header carries both (keep the panel enabled).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextvars import ContextVar
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from debug_toolbar import settings as dt_settings
from debug_toolbar.panels import Panel
from debug_toolbar.store import get_store
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string

from .signals import fragment_rendered

__all__ = ["FragmentsPanel"]

# The panel of the request being handled now: fragment views run in its context, even in
# another thread (asgiref copies it), so the signal's receiver finds the right panel.
_current: ContextVar[FragmentsPanel | None] = ContextVar("composekit_toolbar_panel", default=None)

_PLACEHOLDER = re.compile(r"<(ck-fragment|\w+)\s([^>]*?\b(?:src|data-ck-src)=\"[^\"]*\"[^>]*)>")
_ATTR = re.compile(r'([\w-]+)(?:="([^"]*)")?')


class FragmentsPanel(Panel):
    title = "Fragments"
    template = "composekit/toolbar/fragments.html"
    is_async = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ran: list[dict[str, Any]] = []
        self._server_timing: str | None = None

    def process_request(self, request: HttpRequest) -> HttpResponseBase:
        token = _current.set(self)
        try:
            response: HttpResponseBase = super().process_request(request)
        finally:
            _current.reset(token)
        return response

    def record(self, entry: dict[str, Any]) -> None:
        self._ran.append(entry)

    def generate_server_timing(self, request: HttpRequest, response: HttpResponseBase) -> None:
        # The toolbar's middleware sets Server-Timing to what its panels report, replacing
        # the header the response had: composekit's (a fragment's render, db and cache, a
        # batch's time). Reported as this panel's, it is joined with theirs instead.
        self._server_timing = response.get("Server-Timing")
        super().generate_server_timing(request, response)

    def get_headers(self, request: HttpRequest) -> dict[str, str]:
        headers: dict[str, str] = super().get_headers(request)
        if self._server_timing:
            headers["Server-Timing"] = ", ".join(
                filter(None, [self._server_timing, headers.get("Server-Timing")])
            )
        return headers

    def generate_stats(self, request: HttpRequest, response: HttpResponseBase) -> None:
        placeholders: list[dict[str, Any]] = []
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html") and not getattr(response, "streaming", False):
            placeholders = list(_placeholders(response.content.decode(errors="replace")))  # type: ignore[attr-defined]
        self.record_stats({"ran": self._ran, "placeholders": placeholders})

    @property
    def nav_subtitle(self) -> str:
        stats = self.get_stats()
        ran, placed = len(stats.get("ran", [])), len(stats.get("placeholders", []))
        return f"{ran} rendered, {placed} on the page" if placed else f"{ran} rendered"

    @property
    def content(self) -> str:
        stats = self.get_stats()
        return render_to_string(
            self.template,
            {
                **stats,
                "followed": self._followed(stats),
                "update_on_fetch": bool(dt_settings.get_config()["UPDATE_ON_FETCH"]),
            },
        )

    def _followed(self, stats: dict[str, Any]) -> list[dict[str, Any]]:
        """What later requests rendered of this page's client-mode placeholders."""
        wanted = {p["key"] for p in stats.get("placeholders", []) if p["mode"] == "client"}
        if not wanted:
            return []
        store = get_store()
        ids = list(store.request_ids())
        later = ids[ids.index(self.toolbar.request_id) + 1 :] if self.toolbar.request_id in ids else []
        found = []
        for request_id in later:
            data = store.panel(request_id, self.panel_id) or {}
            found += [
                {**entry, "request_id": request_id} for entry in data.get("ran", []) if entry["key"] in wanted
            ]
        return found


def _placeholders(html: str) -> Iterator[dict[str, Any]]:
    """The placeholders in a page's HTML, in either form, with how the page holds them."""
    for tag, text in _PLACEHOLDER.findall(html):
        attrs = {name: unescape(value or "") for name, value in _ATTR.findall(text)}
        prefix = "" if tag == "ck-fragment" else "data-ck-"
        src = attrs.get(prefix + "src")
        if src is None:  # an <img src>, a <script src>: no placeholder
            continue
        state = attrs.get(prefix + "state")
        name = attrs.get(prefix + "name", "")
        token = parse_qs(urlsplit(src).query).get("p", [""])[0]
        mode = {"loaded": "inline", "error": "inline, failed"}.get(state or "", "client")
        yield {
            "name": name,
            "element": tag,
            "mode": mode,
            "public": prefix + "public" in attrs,
            # What the loader does: public fragments and batch="off" ones go alone; one the
            # server rendered into the page is not fetched at all (None: the panel shows "-").
            "batch": None
            if mode != "client"
            else prefix + "public" not in attrs and attrs.get(prefix + "batch") != "off",
            "src": src,
            "key": f"{name}:{token}",
        }


def _on_fragment_rendered(sender: Any, **kwargs: Any) -> None:
    panel = _current.get()
    if panel is None:
        return
    request: HttpRequest = kwargs["request"]
    response: HttpResponseBase | None = kwargs["response"]
    if response is None:  # a stale server-cache entry rendered again, after the response
        return
    if kwargs["inline"]:
        mode = "inline"
    elif kwargs["batch"]:
        mode = "batch part"
    else:
        mode = "fetch"
    panel.record(
        {
            "name": kwargs["name"],
            "key": f"{kwargs['name']}:{request.GET.get('p', '')}",
            "mode": mode,
            "status": kwargs["status"],
            "not_modified": kwargs["status"] == 304,
            "cache": response.get("Cache-Control", ""),
            "etag": response.get("ETag", ""),
            "queries": kwargs["queries"],
            "ms": round(kwargs["duration"] * 1000, 1),
            "db_ms": round(kwargs["db_time"] * 1000, 1),
        }
    )


fragment_rendered.connect(_on_fragment_rendered, dispatch_uid="composekit.toolbar")
