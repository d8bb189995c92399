"""What composekit keeps on a request a fragment renders for: which fragments it is rendering
(the chain), whether it renders into a page (inline) or is a part of a batch request, and the
per-user state it had touched before the fragment ran.

``subrequest.build()`` marks the requests it makes (``mark_sub_request()``); a request the
handler received is neither inline nor a batch part. Reading them needs nothing else of
composekit, so ``fragment.py`` and ``servercache.py`` ask here, not the sub-request builder.
"""

from __future__ import annotations

from django.http import HttpRequest

from .purity import per_user_state

__all__ = [
    "Chain",
    "chain",
    "enter",
    "is_batch_part",
    "is_inline",
    "mark_sub_request",
    "touched_before_fragment",
]

Chain = tuple[tuple[str, str], ...]

# Set on every request a fragment renders for: (name, token) of the fragments being
# rendered, outermost first. Inline nesting guards read it.
_CHAIN_ATTR = "_composekit_chain"
# Set on a sub-request: errors propagate to the page instead of becoming a 500 response.
_INLINE_ATTR = "_composekit_sub_request"
# Set on a part of a batch request.
_BATCH_ATTR = "_composekit_batch_part"
# The snapshot of touched_before_fragment(), once taken.
_TOUCHED_ATTR = "_composekit_touched_before"


def mark_sub_request(sub: HttpRequest, chain: Chain, *, batch: bool) -> None:
    """Mark ``sub``, built by ``subrequest.build()``: a part of a batch request if ``batch``,
    else a fragment rendered into its page; ``chain`` the fragments the page is rendering."""
    setattr(sub, _CHAIN_ATTR, chain)
    setattr(sub, _INLINE_ATTR, not batch)
    setattr(sub, _BATCH_ATTR, batch)


def chain(request: HttpRequest) -> Chain:
    """The fragments ``request`` is rendering, outermost first, as (name, token)."""
    value: Chain = getattr(request, _CHAIN_ATTR, ())
    return value


def enter(request: HttpRequest, name: str, token: str) -> None:
    """Record that ``request`` now renders fragment ``name`` with ``token``."""
    setattr(request, _CHAIN_ATTR, (*chain(request), (name, token)))


def is_inline(request: HttpRequest) -> bool:
    """Whether ``request`` renders a fragment inline, into a page (not a batch part)."""
    return bool(getattr(request, _INLINE_ATTR, False))


def is_batch_part(request: HttpRequest) -> bool:
    """Whether ``request`` is one fragment of a batch request."""
    return bool(getattr(request, _BATCH_ATTR, False))


def touched_before_fragment(request: HttpRequest) -> frozenset[str]:
    """The kinds of per-user state (``purity.per_user_state()``) ``request`` had touched before
    its fragment ran: what the fragment's own doing is measured from.

    Taken once, when first asked, and kept on the request: ``Fragment.dispatch()`` asks first
    for a public fragment (before DRF authenticates), the server cache before the render.
    """
    touched: frozenset[str] | None = getattr(request, _TOUCHED_ATTR, None)
    if touched is None:
        touched = frozenset(per_user_state(request))
        setattr(request, _TOUCHED_ATTR, touched)
    return touched
