"""ESI mode: a surrogate in front of Django (Varnish) assembles the page from includes.

With ``COMPOSEKIT_MODE = "esi"``, ``{% fragment %}`` emits ``<esi:include>`` only for a request
whose surrogate said it can process them (``Surrogate-Capability: x="ESI/1.0"``, set by the
VCL); any other request gets client mode, so raw ESI never reaches a browser. Lazy fragments
stay client placeholders: ``loading="lazy"`` means "not before it is needed".

The include points at the endpoint with ``esi=1`` added. For such a request the endpoint
answers the fragment as a whole, loaded ``<ck-fragment>`` (what inline mode puts in the
page), so the assembled page is the inline page; an error answers an empty client placeholder
(same status), which the loader then fills. ``ComposekitMiddleware`` says ``Surrogate-Control:
content="ESI/1.0"`` on responses holding includes, and ``Vary: Surrogate-Capability`` on
every response whose fragments looked at that header: a page has an ESI and a client form.
See docs/esi.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.safestring import SafeString

from .conf import conf
from .html import element, fragment_attrs, fragment_path, fragment_src, loaded_element
from .triggers import INTERVAL_HINT, are_event_names, is_interval

if TYPE_CHECKING:
    from .fragment import Fragment

__all__ = [
    "INCLUDE_PARAM",
    "SURROGATE_CONTROL",
    "include",
    "include_response",
    "is_include",
    "live_problem",
    "mark_response",
    "surrogate_can_esi",
    "wants_include",
]

SURROGATE_CONTROL = 'content="ESI/1.0"'
INCLUDE_PARAM = "esi"  # ?esi=1 on an include's URL: answer a whole <ck-fragment>
_RECORD_ATTR = "_composekit_esi"


@dataclass
class _Record:
    """What a request's ``{% fragment %}`` tags did in ESI mode. There is one once a tag read
    ``Surrogate-Capability``: the response varies on it."""

    includes: list[str] = field(default_factory=list)


def surrogate_can_esi(request: HttpRequest) -> bool:
    """Whether ``Surrogate-Capability`` (``device="ESI/1.0 ..."``, comma-separated) offers ESI/1.0."""
    header = request.META.get("HTTP_SURROGATE_CAPABILITY", "")
    for device in header.split(","):
        capabilities = device.partition("=")[2].strip().strip('"')
        if "ESI/1.0" in capabilities.split():
            return True
    return False


def wants_include(request: HttpRequest, loading: str | None) -> bool:
    """Whether ``{% fragment %}`` emits an ``<esi:include>`` (else a client placeholder)."""
    if conf.MODE != "esi":
        return False
    _record_for(request)
    return loading != "lazy" and surrogate_can_esi(request)


def include(request: HttpRequest, name: str, token: str, live: Mapping[str, str | None]) -> SafeString:
    """The include for fragment ``name`` with signed params ``token``; recorded for the middleware.

    ``live`` holds the tag's own ``refresh_on`` (``on``) and ``refresh_every`` (``every``)
    where they differ from the class's (None where not), for the element the include answers.
    """
    _record_for(request).includes.append(name)
    query = {"p": token, INCLUDE_PARAM: "1", **{k: v for k, v in live.items() if v is not None}}
    src = fragment_path(name, query)
    # onerror="continue": a surrogate that honours it (Varnish with +esi_include_onerror, CDNs)
    # goes on with the page when the include fails; the VCL puts a client placeholder there.
    return format_html('<esi:include src="{}" onerror="continue"/>', src)


def is_include(request: HttpRequest) -> bool:
    """Whether ``request`` is a surrogate fetching an include (``?esi=1``)."""
    return request.GET.get(INCLUDE_PARAM) == "1"


def live_problem(request: HttpRequest) -> tuple[str, str] | None:
    """What is wrong with an include's ``on`` and ``every``, as (param, detail); None if nothing.

    They carry the tag's own ``refresh_on`` and ``refresh_every`` to the element the include
    answers, outside the signed params: the tag checked them, so a bad one is a URL the page
    did not make.
    """
    on, every = request.GET.get("on"), request.GET.get("every")
    if on is not None and not are_event_names(on.split()):
        return "on", (
            f"on={on!r} must be event names such as cart:changed (letters, digits and _.:-), space-separated"
        )
    if every is not None and not is_interval(every):
        return "every", f"every={every!r} must be {INTERVAL_HINT}"
    return None


def include_response(
    request: HttpRequest, cls: type[Fragment], response: HttpResponseBase
) -> HttpResponseBase:
    """Fragment ``cls``'s endpoint ``response`` as an include: the fragment as a whole ``<ck-fragment>``.

    A 200 becomes the loaded element inline mode emits; an error becomes an empty client
    placeholder with the same status and headers, so the loader fetches the fragment itself
    and shows its error state or content. A 304 (no body) and JSON pass unchanged.
    """
    is_html = response.get("Content-Type", "").startswith("text/html")
    if response.status_code == 304 or not isinstance(response, HttpResponse):
        return response
    if response.status_code == 200 and not is_html:
        return response
    name = cls.name
    attrs = fragment_attrs(
        cls,
        name,
        fragment_src(name, request.GET.get("p", "")),
        refresh_on=request.GET.get("on", " ".join(cls.refresh_on)).split(),
        refresh_every=request.GET.get("every", cls.refresh_every),
    )
    if response.status_code == 200:
        body = loaded_element(attrs, response.content.decode(response.charset))
    else:
        body = element(attrs, "")
        response["Content-Type"] = "text/html; charset=utf-8"
    response.content = body.encode()
    return response


def mark_response(request: HttpRequest, response: HttpResponseBase) -> None:
    """Tell the surrogate which responses hold includes, and caches that pages have two forms.

    Adds ``Surrogate-Control: content="ESI/1.0"`` to a response whose template emitted
    ``<esi:include>``, and ``Vary: Surrogate-Capability`` to one whose fragments looked at
    that header. Does nothing outside ESI mode. Called by ``ComposekitMiddleware``.
    """
    record: _Record | None = getattr(request, _RECORD_ATTR, None)
    if record is not None:
        patch_vary_headers(response, ["Surrogate-Capability"])
        if record.includes:
            response["Surrogate-Control"] = SURROGATE_CONTROL


def _record_for(request: HttpRequest) -> _Record:
    record: _Record | None = getattr(request, _RECORD_ATTR, None)
    if record is None:
        record = _Record()
        setattr(request, _RECORD_ATTR, record)
    return record
