"""Write answers: a write through the loader answers with the fragments it changed.

composekit-live submits a ``<form data-ck-submit>`` with ``CK-Request: form`` and, in
``CK-Fragments``, the private fragments the page shows, one entry each, space-separated::

    CK-Fragments: cart-summary:<signed params>;cart:changed recommended:<signed params>

(``<name>:<signed params>`` as the batch endpoint takes it, then ``;`` and the events the
element refreshes on, comma-separated, if any). When the view answers such a request with an
empty 2xx (the documented 204 with its ``CK-Trigger``), ``ComposekitMiddleware`` renders,
in the same request, the fragments of that list the write moved:

- those whose events the answer triggers (``trigger(response, "cart:changed")``): the loader
  would refresh them at once;
- those whose policy names a scope the view invalidated (``invalidate(request, "cart")``);
  a fragment that names no scopes (any write changes it) is not chosen this way, nor is a
  write of unknown effect (``invalidate(request)``) a reason: the page would be re-rendered
  whole on every write; their kept copies are dropped by the generations as before;
- those the view names itself: ``answer_with(request, "cart-page")``.

Each runs as a batch part (``batch.run_part()``): its own view, signature check,
authentication, permissions and policy, so nothing the user could not fetch alone is
rendered. The answer becomes a ``200`` ``application/json`` (``no-store``) holding those
parts, in the batch's format, each with ``i`` its index in ``CK-Fragments``; the headers the
view set (``CK-Trigger``, cookies) stay. It is rendered after the view returned, so after
its transaction committed and ``expire_on_change()`` ran: a part never reads what the write
left stale. A malformed entry is answered as a ``400`` part, never by failing the write,
which has happened by then. Nothing changes for any other request, nor for a write that
logged someone in or out (the loader renews every fragment for the new identity).
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from . import batch, generations, identity, registry
from .conf import conf
from .triggers import EVENT_RE, TRIGGER_HEADER, submitted_by_loader

__all__ = ["ASK_HEADER", "answer_with", "asked", "attach"]

ASK_HEADER = "CK-Fragments"
_ENTRY_RE = re.compile(r"^([a-z0-9][a-z0-9-]*):([^;]+)(?:;(.*))?$")
_DELIM = re.compile(r"[\s,]+")
# Set on a request by answer_with(): the fragment names its answer carries.
_NAMED_ATTR = "_composekit_answer_with"


def answer_with(request: HttpRequest, *names: str) -> None:
    """Say that this write changed the fragments ``names``: if the page that submitted it
    shows them, the answer carries them re-rendered, whatever their scopes and events."""
    named: set[str] = getattr(request, _NAMED_ATTR, set())
    for name in names:
        if not isinstance(name, str) or registry.get(name) is None:
            raise ValueError(f"answer_with() takes names of registered fragments, not {name!r}")
        named.add(name)
    setattr(request, _NAMED_ATTR, named)


def asked(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Whether ``response`` is a write's empty answer that the loader asked to carry fragments."""
    return (
        ASK_HEADER in request.headers
        and submitted_by_loader(request)
        and 200 <= response.status_code < 300
        and isinstance(response, HttpResponse)
        and not response.content
        and not identity.rotated(request)
    )


def attach(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """``response`` carrying the fragments the write moved (see the module's docstring), or
    ``response`` unchanged when the loader did not ask or the write moved none of them."""
    if not asked(request, response):
        return response
    assert isinstance(response, HttpResponse)  # asked() said so
    parts = _parts(request, response)
    if not parts:
        return response
    response.status_code = 200  # a 204 carries no body
    response["Content-Type"] = "application/json"
    response["Cache-Control"] = "no-store"  # the user's own fragments
    response.content = json.dumps(parts, separators=(",", ":"))
    return response


def _parts(request: HttpRequest, response: HttpResponse) -> list[dict[str, Any]]:
    entries = request.headers[ASK_HEADER].split()
    limit = conf.BATCH_MAX_PARTS
    parts = [_entry(request, response, i, entry) for i, entry in enumerate(entries[:limit])]
    if len(entries) > limit:
        detail = f"{ASK_HEADER} names {len(entries)} fragments, over COMPOSEKIT_BATCH_MAX_PARTS ({limit})"
        parts.append(batch.problem_part(limit, 400, detail + f": those from {limit} on were left out"))
    return [part for part in parts if part is not None]


def _entry(request: HttpRequest, response: HttpResponse, i: int, entry: str) -> dict[str, Any] | None:
    """The part answering entry ``i`` of ``CK-Fragments``, or None when the write left it alone."""
    match = _ENTRY_RE.match(entry)
    events = [event for event in _DELIM.split(match.group(3) or "") if event] if match else []
    if match is None or not all(EVENT_RE.match(event) for event in events):
        detail = f"{ASK_HEADER} entry {i} is {entry[:80]!r}, not <name>:<signed params>[;<event>,...]"
        return batch.problem_part(i, 400, detail)
    name, token = match.group(1), match.group(2)
    if not _moved(request, response, name, events):
        return None
    return batch.run_part(request, response, i, f"{name}:{token}")


def _moved(request: HttpRequest, response: HttpResponse, name: str, events: list[str]) -> bool:
    """Whether the write moved fragment ``name`` (refreshing on ``events`` in the page)."""
    cls = registry.get(name)
    if cls is None or cls.cache.is_public:
        return False  # unknown here, or the same for everyone: its own URL, its own caches
    if name in getattr(request, _NAMED_ATTR, ()):
        return True
    triggered = {event for event in _DELIM.split(response.get(TRIGGER_HEADER, "")) if event}
    if triggered.intersection(events):
        return True
    return bool(set(cls.cache.scopes or ()) & generations.named_scopes(request))
