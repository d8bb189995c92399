"""Server triggers: a response names events ("cart:changed") the loader dispatches in the page.

Any response the loader fetches may carry them: a fragment's, a batch part's, and the answer
to a form the loader submits (``data-ck-submit``, composekit-live). ``<ck-fragment
refresh-on="cart:changed">`` elements refresh when such an event fires, as does any listener
the page has on ``document``. So a view that changes the cart says so, and every fragment
showing the cart follows, with no page JavaScript::

    from composekit import trigger

    def cart_add(request):
        ...
        if submitted_by_loader(request):
            return trigger(HttpResponse(status=204), "cart:changed")
        return redirect(...)

A form the loader submits follows redirects like any fetch, and the page it lands on carries
no trigger: answer such a submission directly (``submitted_by_loader()``), with a 2xx.
"""

from __future__ import annotations

import re
from typing import TypeGuard, TypeVar

from django.http import HttpRequest
from django.http.response import HttpResponseBase

__all__ = ["LOADER_HEADER", "TRIGGER_HEADER", "submitted_by_loader", "trigger"]

TRIGGER_HEADER = "CK-Trigger"
# Sent by composekit-live with a form it submits: the answer should name its triggers rather
# than redirect.
LOADER_HEADER = "CK-Request"
EVENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
# A refresh-every interval: "500ms", "30s", "5m", "1h".
INTERVAL_RE = re.compile(r"^[1-9][0-9]*(ms|s|m|h)$")
INTERVAL_HINT = 'an interval such as "30s", "500ms" or "5m"'


def are_event_names(events: object) -> TypeGuard[list[str] | tuple[str, ...]]:
    """Whether ``events`` is a list or tuple of event names (what ``refresh-on`` holds)."""
    return isinstance(events, (list, tuple)) and all(isinstance(e, str) and EVENT_RE.match(e) for e in events)


def is_interval(value: object) -> TypeGuard[str]:
    """Whether ``value`` is a ``refresh-every`` interval."""
    return isinstance(value, str) and INTERVAL_RE.match(value) is not None


_DELIM = re.compile(r"[\s,]+")

R = TypeVar("R", bound=HttpResponseBase)


def trigger(response: R, *events: str) -> R:
    """Add ``events`` to ``response``'s ``CK-Trigger`` (in order, each once); return it."""
    names = [name for name in _DELIM.split(response.get(TRIGGER_HEADER, "")) if name]
    for event in events:
        if not isinstance(event, str) or not EVENT_RE.match(event):
            raise ValueError(
                f"an event name is letters, digits and _.:- (like 'cart:changed'), not {event!r}"
            )
        if event not in names:
            names.append(event)
    if names:
        response[TRIGGER_HEADER] = ", ".join(names)
    return response


def submitted_by_loader(request: HttpRequest) -> bool:
    """Whether ``request`` is a form composekit-live submitted (``data-ck-submit``)."""
    return request.headers.get(LOADER_HEADER) == "form"
