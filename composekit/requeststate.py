"""What composekit keeps on a request a fragment renders for: which fragments it is rendering
(the chain), and whether it renders into a page (inline) or is a part of a batch request.

``subrequest.build()`` marks the requests it makes (``mark_sub_request()``); a request the
handler received is neither inline nor a batch part. Reading them needs nothing else of
composekit, so ``fragment.py`` and ``servercache.py`` ask here, not the sub-request builder.
"""

from __future__ import annotations

from django.http import HttpRequest

__all__ = ["Chain", "chain", "enter", "is_batch_part", "is_inline", "mark_sub_request"]

Chain = tuple[tuple[str, str], ...]

# Set on every request a fragment renders for: (name, token) of the fragments being
# rendered, outermost first. Inline nesting guards read it.
_CHAIN_ATTR = "_composekit_chain"
# Set on a sub-request: errors propagate to the page instead of becoming a 500 response.
_INLINE_ATTR = "_composekit_sub_request"
# Set on a part of a batch request.
_BATCH_ATTR = "_composekit_batch_part"


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
