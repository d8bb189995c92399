"""Streamed mode: the shell's bytes at once, then each private fragment as it is ready, in one response.

With ``COMPOSEKIT_MODE = "stream"`` (through ``ComposekitMiddleware``), or on a view decorated
``@streamed``, a full HTML page (GET, 200) whose placeholders include private ones is sent
as a ``StreamingHttpResponse``:

1. the page's bytes exactly as the view answered them (from a shell cache or freshly
   rendered: the cacheable shell, the same for every visitor), then a small script that
   takes the streamed placeholders over from the loader (``STREAM_SCRIPT``);
2. for each private, eager ``<ck-fragment>`` of the page, in the order they are ready, a
   ``<template data-ck-for="SRC" data-ck-status="200">HTML</template><ck-part></ck-part>``:
   the script's ``<ck-part>`` element swaps it into every placeholder with that ``src``.

Each part runs through its fragment's own view exactly as a part of a batch does
(``subrequest.build(..., batch=True)`` + ``subrequest.run()``): the same signature checks,
authentication, permissions, policy and signals; an error is the part's own status, which
shows the placeholder's ``{% error %}`` content (or keeps its fallback). The parts run in
threads (WSGI, at most ``COMPOSEKIT_STREAM_THREADS`` at once) or as concurrent tasks
(ASGI), so a slow fragment never holds a fast one back. A part not answered within
``COMPOSEKIT_STREAM_TIMEOUT`` seconds, or answered 502/503/504, is left to the loader,
which fetches it alone with its retries.

The streamed response is the visitor's own: ``Cache-Control: private, no-store``,
``Vary: Cookie``, no validators and no cache tags, ``X-Accel-Buffering: no``. Public and
lazy fragments, and the attribute form (``data-ck-src``), stay the loader's. See
docs/streaming.md.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import hashlib
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from functools import wraps
from html.parser import HTMLParser
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from . import requeststate, subrequest, tags
from .conf import conf
from .html import html_attrs
from .triggers import TRIGGER_HEADER

__all__ = [
    "CACHE_CONTROL",
    "SCRIPT_CSP",
    "STREAM_SCRIPT",
    "render_part",
    "Part",
    "Slot",
    "slots_in",
    "stream",
    "streamed",
]

logger = logging.getLogger("composekit")

CACHE_CONTROL = "private, no-store"
# Left to the loader, which fetches them alone with its retries (as after a batch).
_RETRY_STATUSES = (502, 503, 504)
_STREAM_ATTR = "_composekit_stream"
# What the view's response says that is about it alone, not about the streamed page.
_NOT_CARRIED = frozenset({"content-length", "etag", "last-modified", "cache-control", "expires", "age"})
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")

# Takes the streamed placeholders over from the loader (the srcs are in its data-ck-srcs),
# then swaps each part in as it comes. Moving a placeholder (insertBefore on itself)
# disconnects it, which aborts the load the loader started when the parser met it;
# state="loaded" for that moment makes the loader leave it alone when it reconnects. Each part
# is a <template data-ck-for> followed by an empty <ck-part>, a custom element defined here:
# the parser runs its connectedCallback when it inserts it, the template before it complete.
# No script per part, and this one never changes: a CSP allows it by its hash (SCRIPT_CSP).
# A part with a status the loader retries is handed to it (reload()). On a ck:renew (another
# identity, reset(), the page going into the back/forward cache) each streamed placeholder
# shows its own fallback again, after the loader's handler: per-user HTML never becomes a
# fallback.
STREAM_SCRIPT = (
    "(()=>{const F=new Map,E=(h,t,d)=>h.dispatchEvent(new CustomEvent('ck:'+t,"
    "{bubbles:!0,composed:!0,detail:d})),H=s=>[...document.querySelectorAll('ck-fragment')]"
    ".filter(h=>h.getAttribute('src')===s);"
    "for(const s of JSON.parse(document.currentScript.dataset.ckSrcs))for(const h of H(s)){"
    "F.set(h,[...h.childNodes].map(n=>n.cloneNode(!0)));h.setAttribute('state','loaded');"
    "h.parentNode.insertBefore(h,h.nextSibling);h.setAttribute('state','loading');"
    "h.setAttribute('aria-busy','true')}addEventListener('ck:renew',()=>queueMicrotask(()=>"
    "F.forEach((f,h)=>h.replaceChildren(...f.map(n=>n.cloneNode(!0))))));"
    "customElements.get('ck-part')||customElements.define('ck-part',class extends HTMLElement{"
    "connectedCallback(){const t=this.previousElementSibling,n=+t.dataset.ckStatus,"
    "k=self.composekit,x=k&&k.config;for(const h of H(t.dataset.ckFor)){"
    "if(_RETRY_&&h.reload){h.reload();continue}const o=n===200;if(o){const f=t.content.cloneNode(!0);"
    "for(const s of f.querySelectorAll('script'))x&&(x.allowScripts||h.hasAttribute('allow-scripts'))"
    "?s.nonce=x.nonce:s.remove();h.replaceChildren(f)}else{const e=[...h.children].find(e=>"
    "e.matches('template[data-ck-error]'));e&&h.replaceChildren(e.content.cloneNode(!0),e)}"
    "h.setAttribute('state',o?'loaded':'error');h.removeAttribute('aria-busy');"
    "o?E(h,'load',null):E(h,'error',{status:n,attempt:1,error:Error('HTTP '+n)});E(h,'loadend',null);"
    "if(o&&k)for(const e of(t.dataset.ckTrigger||'').split(/[\\s,]+/))e&&k.trigger(e,h)}"
    "t.remove();this.remove()}})})()"
).replace("_RETRY_", "(" + "||".join(f"n=={s}" for s in _RETRY_STATUSES) + ")")
# What a Content-Security-Policy's script-src needs to allow the script without a nonce.
SCRIPT_CSP = "'sha256-" + base64.b64encode(hashlib.sha256(STREAM_SCRIPT.encode()).digest()).decode() + "'"

V = TypeVar("V", bound=Callable[..., Any])


@dataclass(frozen=True)
class Slot:
    """A placeholder the stream fills: its ``src`` as the page says it, the fragment's name
    and its signed params."""

    src: str
    name: str
    token: str


@dataclass(frozen=True)
class Part:
    """What a slot's fragment answered: its status, HTML (for a 200) and ``CK-Trigger``."""

    status: int
    html: str = ""
    trigger: str | None = None


class _Placeholders(HTMLParser):
    """Collects the ``<ck-fragment>`` start tags of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "ck-fragment":
            self.found.append(dict(attrs))


def slots_in(html: str) -> list[Slot]:
    """The placeholders of ``html`` a stream fills, each ``src`` once, in page order.

    Those are the ``<ck-fragment>`` elements the loader would batch: private (no ``public``),
    eager (not ``loading="lazy"``), not already rendered (no ``state``), with a ``src`` that
    is this site's fragment endpoint with signed params alone. At most
    ``COMPOSEKIT_BATCH_MAX_PARTS``; the rest stay the loader's.
    """
    parser = _Placeholders()
    parser.feed(html)
    parser.close()
    prefix = reverse("composekit:fragment", args=["x"])[:-2]  # "/_composekit/"
    origin = conf.FRAGMENT_ORIGIN or ""
    slots: dict[str, Slot] = {}
    for attrs in parser.found:
        src = attrs.get("src") or ""
        if "public" in attrs or attrs.get("loading") == "lazy" or "state" in attrs or src in slots:
            continue
        if not src.startswith(origin + prefix):
            continue
        url = urlsplit(src[len(origin) :])
        name = url.path[len(prefix) :].removesuffix("/")
        query = url.query.split("=", 1)
        if url.scheme or url.netloc or not _NAME_RE.match(name) or query[0] != "p" or "&" in url.query:
            continue
        slots[src] = Slot(src, name, query[-1])
    return list(slots.values())[: conf.BATCH_MAX_PARTS]


def streamed(view: V) -> V:
    """Decorate a view (sync or async) whose pages are streamed, whatever ``COMPOSEKIT_MODE``.

    Put it above ``@cacheable_shell`` and any cache decorator (``cache_page``): they keep the
    shell, and the stream starts with its bytes.
    """
    if iscoroutinefunction(view):

        @wraps(view)
        async def async_streamed_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            setattr(request, _STREAM_ATTR, True)
            return stream(request, await view(request, *args, **kwargs))

        return async_streamed_view  # type: ignore[return-value]

    @wraps(view)
    def streamed_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        setattr(request, _STREAM_ATTR, True)
        return stream(request, view(request, *args, **kwargs))

    return streamed_view  # type: ignore[return-value]


def stream(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """``response`` as a streamed page, if it is one to stream; else ``response`` unchanged.

    Streamed: a GET in stream mode (or of a ``@streamed`` view) answered 200 with a whole
    HTML page (not a fragment or a batch) holding at least one slot (``slots_in()``).
    """
    if not _wanted(request, response):
        return response
    assert isinstance(response, HttpResponse)  # _wanted() saw it: not streaming
    page = response.content
    slots = slots_in(page.decode(response.charset))
    if not slots:
        return response
    # Headers leave before any part renders: a CSRF token a part's form uses must already
    # have its cookie (CsrfViewMiddleware, outside, sets it). No query here: under ASGI this
    # may run in the event loop.
    get_token(request)
    nonce = getattr(request, "csp_nonce", None)
    # The script alone is over 1 KB: the first chunk is past what Safari (WebKit) is said to
    # wait for before it renders anything, without padding (docs/streaming.md).
    first = page + _boot(slots, nonce)
    content: Iterator[bytes] | AsyncIterator[bytes]
    if isinstance(request, ASGIRequest):
        content = _achunks(request, first, slots)
    else:
        content = _chunks(request, first, slots)
    streaming = StreamingHttpResponse(content, status=200)
    for header, value in response.items():
        if header.lower() not in _NOT_CARRIED:
            streaming[header] = value
    for name, morsel in response.cookies.items():
        streaming.cookies[name] = morsel
    tags.strip(streaming)  # a per-user page is never purged by tag: it is never shared
    streaming["Cache-Control"] = CACHE_CONTROL
    streaming["X-Accel-Buffering"] = "no"  # nginx: pass each part on as it comes
    patch_vary_headers(streaming, ["Cookie"])
    return streaming


def _wanted(request: HttpRequest, response: HttpResponseBase) -> bool:
    if not (getattr(request, _STREAM_ATTR, False) or conf.MODE == "stream"):
        return False
    if request.method != "GET" or response.status_code != 200 or not isinstance(response, HttpResponse):
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    match = getattr(request, "resolver_match", None)
    if match is not None and match.app_name == "composekit":
        return False  # a fragment (which may hold placeholders) or a batch
    return not (requeststate.is_inline(request) or requeststate.is_batch_part(request))


def _load_user(request: HttpRequest) -> None:
    """Load the lazy user (and the session) once, before the parts share them."""
    user = getattr(request, "user", None)
    if user is not None:
        user.is_authenticated  # noqa: B018 - evaluates the SimpleLazyObject


def _boot(slots: list[Slot], nonce: str | None) -> bytes:
    attrs = {"data-ck-srcs": json.dumps([slot.src for slot in slots]), "nonce": nonce}
    return format_html("<script{}>{}</script>", html_attrs(attrs), mark_safe(STREAM_SCRIPT)).encode()


def _markup(slot: Slot, part: Part) -> bytes:
    """A part as the page receives it: the template, and the element that swaps it in."""
    template = format_html(
        '<template data-ck-for="{}" data-ck-status="{}"{}>{}</template><ck-part></ck-part>',
        slot.src,
        part.status,
        format_html(' data-ck-trigger="{}"', part.trigger) if part.trigger else "",
        mark_safe(part.html),
    )
    return template.encode()


def render_part(request: HttpRequest, slot: Slot) -> Part:
    """Run ``slot``'s fragment as a batch part of ``request``; what it answered.

    Runs in a thread of its own: its database connections are closed (or kept, by
    ``CONN_MAX_AGE``) when it ends, as Django does at the end of a request.
    """
    try:
        url = reverse("composekit:fragment", args=[slot.name]) + "?" + urlencode({"p": slot.token}, safe=":")
        sub = subrequest.build(request, url, (), batch=True)
        response = subrequest.run(sub)
        if response.cookies:
            logger.warning(
                "fragment %r set cookies (%s) in a streamed page: they cannot be sent after the "
                "page's headers, and were dropped",
                slot.name,
                ", ".join(response.cookies),
                extra={"fragment": slot.name},
            )
        if response.status_code != 200:
            return Part(response.status_code)
        assert isinstance(response, HttpResponse)  # a fragment's 200 is HTML in full
        return Part(200, response.content.decode(response.charset), response.get(TRIGGER_HEADER))
    except Exception:
        logger.exception("fragment %r failed in a streamed page", slot.name, extra={"fragment": slot.name})
        return Part(500)
    finally:
        close_old_connections()


def _chunks(request: HttpRequest, first: bytes, slots: list[Slot]) -> Iterator[bytes]:
    """WSGI: the parts in threads, each sent as soon as it is done."""
    yield first
    _load_user(request)
    pool = concurrent.futures.ThreadPoolExecutor(
        max_workers=min(len(slots), conf.STREAM_THREADS), thread_name_prefix="composekit-stream"
    )
    futures = {pool.submit(render_part, request, slot): slot for slot in slots}
    left = dict.fromkeys(slots)  # in page order
    try:
        for future in concurrent.futures.as_completed(futures, timeout=conf.STREAM_TIMEOUT):
            slot = futures[future]
            del left[slot]
            yield _markup(slot, future.result())
    except TimeoutError:
        yield from _timed_out(left)
    finally:
        # The client went away, or time is up: what has not started never will.
        pool.shutdown(wait=False, cancel_futures=True)


async def _achunks(request: HttpRequest, first: bytes, slots: list[Slot]) -> AsyncIterator[bytes]:
    """ASGI: the parts as concurrent tasks (each in a thread: fragments are sync DRF views)."""
    yield first
    await sync_to_async(_load_user)(request)  # a query: not in the event loop
    limit = asyncio.Semaphore(conf.STREAM_THREADS)
    render = sync_to_async(render_part, thread_sensitive=False)

    async def one(slot: Slot) -> tuple[Slot, Part]:
        async with limit:
            return slot, await render(request, slot)

    tasks = [asyncio.ensure_future(one(slot)) for slot in slots]
    left = dict.fromkeys(slots)
    try:
        for ready in asyncio.as_completed(tasks, timeout=conf.STREAM_TIMEOUT):
            slot, part = await ready
            del left[slot]
            yield _markup(slot, part)
    except TimeoutError:
        for chunk in _timed_out(left):
            yield chunk
    finally:
        for task in tasks:
            task.cancel()


def _timed_out(left: dict[Slot, None]) -> Iterator[bytes]:
    for slot in left:
        logger.warning(
            "fragment %r was not ready within COMPOSEKIT_STREAM_TIMEOUT (%ss); left to the loader",
            slot.name,
            conf.STREAM_TIMEOUT,
            extra={"fragment": slot.name},
        )
        yield _markup(slot, Part(504))
