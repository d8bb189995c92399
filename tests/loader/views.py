"""Test-only endpoints that misbehave on purpose, for the loader's browser tests.

They run inside pytest's live_server thread, so tests read ``hits`` and set ``pages``
directly. A ``<ck-fragment src>`` may point at any same-origin URL: these need not be
composekit fragments.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.template import engines
from django.utils.cache import add_never_cache_headers

hits: Counter[str] = Counter()
# Per path: (monotonic time, Accept header, whether the session cookie came) of each hit.
log: dict[str, list[tuple[float, str, bool]]] = {}
pages: dict[str, str] = {}
_lock = threading.Lock()

# Records every ck: event, registered before any fragment is parsed.
EVENT_LOG = """<script nonce="{{ csp_nonce }}">
window.ckEvents = [];
for (const type of ["loadstart", "beforeswap", "load", "error", "loadend"]) {
  document.addEventListener("ck:" + type, (e) => {
    const d = e.detail || {};
    ckEvents.push([e.target.id, type, d.status, d.attempt, d.error && d.error.message]);
  });
}
</script>"""

VIOLATION_LOG = """<script nonce="{{ csp_nonce }}">
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  cspViolations.push(e.violatedDirective + " " + e.blockedURI + " " + e.sample);
});
</script>"""

# The strictest policy the loader must work under: no inline code but nonced, no eval,
# HTML into the DOM only through a Trusted Types policy.
STRICT_CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; object-src 'none'; "
    "base-uri 'none'; require-trusted-types-for 'script'; trusted-types composekit"
)

PAGE = """{% load composekit %}<!doctype html>
<html><head><meta charset="utf-8"><title>loader test</title>SCRIPTEVENTS</head>
<body>BODY</body></html>"""

# Versions of the "etag" kind's bodies, by text: tests bump one to change it.
versions: Counter[str] = Counter()
# Forms the "form" view got: (whether composekit-live sent it, the event asked for).
posts: list[tuple[bool, str]] = []


def _hit(request: HttpRequest) -> int:
    key = request.get_full_path()
    entry = (time.monotonic(), request.headers.get("Accept", ""), "sessionid" in request.COOKIES)
    with _lock:
        hits[key] += 1
        log.setdefault(key, []).append(entry)
        return hits[key]


def page(request: HttpRequest, name: str) -> HttpResponse:
    """``/loader/page/<name>/``: ``pages[name]`` in a page with the loader and the event log.

    Never cached, unless ``?bfcache``: Chromium keeps no ``no-store`` page in its
    back/forward cache, so tests of restores ask for a page it may keep.
    """
    script = "{% composekit_script live %}" if "live" in request.GET else "{% composekit_script %}"
    source = (
        PAGE.replace("SCRIPT", script)
        .replace("EVENTS", EVENT_LOG + VIOLATION_LOG)
        .replace("BODY", pages[name])
    )
    template = engines["django"].from_string(source)
    nonce = secrets.token_urlsafe(16)
    response = HttpResponse(template.render({"csp_nonce": nonce}, request))
    if "csp" in request.GET:
        response["Content-Security-Policy"] = STRICT_CSP.format(nonce=nonce)
    if "bfcache" in request.GET:
        response["Cache-Control"] = "private, no-cache"
    else:
        add_never_cache_headers(response)
    return response


def fragment(request: HttpRequest, kind: str) -> HttpResponseBase:
    """``/loader/f/<kind>/?...``: what each kind does is in its branch below."""
    count = _hit(request)
    response = _fragment(request, kind, count)
    if not response.has_header("Cache-Control"):
        add_never_cache_headers(response)
    return response


def _fragment(request: HttpRequest, kind: str, count: int) -> HttpResponseBase:
    query = request.GET
    text = query.get("text", kind)
    if kind == "ok":
        return HttpResponse(f"<span>{text}</span>")
    if kind == "slow":  # answers after ``ms`` milliseconds
        time.sleep(int(query.get("ms", "1000")) / 1000)
        return HttpResponse(f"<span>{text}</span>")
    if kind == "status":  # ``code`` for the first ``fail`` hits (all when absent), then 200
        if count <= int(query.get("fail", "1000000")):
            response = HttpResponse(f"<span>failed {count}</span>", status=int(query["code"]))
            if "retry_after" in query:
                response["Retry-After"] = query["retry_after"]
            return response
        return HttpResponse(f"<span>{text} after {count}</span>")
    if kind == "cors":  # readable from another origin, with credentials
        response = HttpResponse(f"<span>{text}</span>")
        response["Access-Control-Allow-Origin"] = request.headers.get("Origin", "")
        response["Access-Control-Allow-Credentials"] = "true"
        return response
    if kind == "cached":  # fresh in the browser's cache for a minute
        response = HttpResponse(f"<span>hit {count}</span>")
        response["Cache-Control"] = "private, max-age=60"
        return response
    if kind == "mine":  # per user (the cookie "who"), kept five minutes; counts its renders
        response = HttpResponse(f"<span>{request.COOKIES.get('who', 'nobody')} {text} {count}</span>")
        response["Cache-Control"] = "private, max-age=300"
        response["Vary"] = "Cookie"
        return response
    if kind == "whoami":  # per user: the test's stand-in for a session is the cookie "who"
        return HttpResponse(f"<span>{request.COOKIES.get('who', 'nobody')} {text}</span>")
    if kind == "public":  # the same for everyone; shared caches may keep it
        response = HttpResponse(f"<span>public {text} {count}</span>")
        response["Cache-Control"] = "public, max-age=60"
        return response
    if kind == "counter":  # its body says how many times it was asked for
        return HttpResponse(f"<span>{text} {count}</span>")
    if kind == "etag":  # a validator: 304 while the text's version is unchanged
        etag = f'"{text}-{versions[text]}"'
        if request.headers.get("If-None-Match") == etag:
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(f"<span>{text} v{versions[text]}</span>")
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response
    if kind == "trigger":  # names an event in CK-Trigger
        response = HttpResponse(f"<span>{text}</span>")
        response["CK-Trigger"] = query.get("event", "")
        return response
    if kind == "hx":  # an htmx answer (not a fragment) naming an event in HX-Trigger
        response = HttpResponse(f"<span>{text} {count}</span>")
        response["HX-Trigger"] = query.get("event", "")
        return response
    if kind == "empty":  # a 200 with nothing in it: a valid, empty fragment
        return HttpResponse("")
    if kind == "big":  # about 1 MB of HTML
        row = "<li>" + "x" * 1000 + "</li>"
        return HttpResponse("<ul>" + row * 1000 + "</ul>")
    if kind == "json":
        return HttpResponse('{"html": "<span>json</span>"}', content_type="application/json")
    if kind == "redirect":
        return HttpResponseRedirect("/loader/f/ok/?text=login-page")
    if kind == "script":
        return HttpResponse(f'<span>{text}</span><script>window.ranFragmentScript = "{text}";</script>')
    if kind == "self":  # a fragment that includes itself
        return HttpResponse(f'<span>self</span><ck-fragment src="{request.get_full_path()}">f</ck-fragment>')
    if kind == "nest":  # a fragment holding ``child`` (a URL) as a nested fragment
        child = query.get("child", "")
        return HttpResponse(
            f'<span>{text}</span><ck-fragment src="{child}"><i>nested fallback</i></ck-fragment>'
        )
    return HttpResponse(status=404)


# When the streamed shell below ended its stall, about to send the rest of the page.
stream_finished: list[float] = []


def streamed(request: HttpRequest) -> StreamingHttpResponse:
    """A shell that sends a fragment placeholder, then stalls before the rest of the page."""

    def chunks() -> Iterator[str]:
        head = engines["django"].from_string("{% load composekit %}{% composekit_script %}")
        yield f"<!doctype html><html><head>{head.render({}, request)}</head><body>"
        yield '<ck-fragment id="early" src="/loader/f/ok/?text=early"><i>fallback</i></ck-fragment>'
        yield " " * 4096  # past any buffering in the browser's parser
        time.sleep(1.5)
        stream_finished.append(time.monotonic())
        yield "<p>end of the page</p></body></html>"

    return StreamingHttpResponse(chunks(), content_type="text/html; charset=utf-8")


def form(request: HttpRequest) -> HttpResponse:
    """``/loader/form/``: a CSRF-protected form target. composekit-live's submissions get a 204
    naming the posted ``event``; others (no JS) are redirected to ``next``; ``?fail`` answers 500."""
    if request.method != "POST":
        return HttpResponse(status=405)
    from_loader = request.headers.get("CK-Request") == "form"
    posts.append((from_loader, request.POST.get("event", "")))
    if "fail" in request.GET and from_loader:
        return HttpResponse("broken", status=500)
    if from_loader:
        response = HttpResponse(status=204)
        response["CK-Trigger"] = request.POST.get("event", "")
        return response
    return HttpResponseRedirect(request.POST.get("next", "/loader/f/ok/?text=posted"))
