"""The ``composekit`` template library of the monolithic variants: no composekit at all.

``{% fragment "name" k=v %}fallback{% endfragment %}`` (parsed by composekit's own tag, so
the syntax cannot drift) renders the fragment's template with its ``get_context()`` right in
the page, as an inclusion tag would: no sub-request, no DRF, no signing, no fallback. It is
exactly what the composed page fetches, in the same ``<ck-fragment name=...>`` box (so the
page's CSS lays both out alike, and ``parts.js`` finds what to swap after an add to cart).

With ``{% cache %}`` on (``monolithic-cache``), the parts an expert would keep per user are
kept too (``EXPERT_CACHED``: the picks, keyed by the user and their cart's version, as
composed's server cache keys them), in the same cache as the ``{% cache %}`` tags.

``{% composekit_script live %}`` loads ``parts.js`` (``bench.variants.urls``): the buy box's
form posted over fetch, the answer's parts swapped in, as an htmx-style app does.
``{% composekit_script %}`` alone is empty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import template
from django.core.cache import caches
from django.http import HttpRequest
from django.template.base import FilterExpression, Parser, Token
from django.template.context import Context
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from shop import carts

from composekit import registry
from composekit.render import ATTRIBUTES
from composekit.templatetags import composekit as composekit_tags

register = template.Library()

PARTS_JS = "/static/bench/parts.js"  # counted as a static file (bench.request_cpu)
# Per-user parts an expert keeps in Django's cache without composekit: the version each is
# keyed by (with the user), as ``{% cache 600 picks user.pk cart_version %}`` would.
EXPERT_CACHED: dict[str, Callable[[Any], str]] = {"recommended": carts.version}
EXPERT_TIMEOUT = 600  # seconds: as composed's server cache keeps the picks


class ScriptNode(template.Node):
    def __init__(self, live: bool) -> None:
        self.live = live

    def render(self, context: Context) -> str:
        return format_html('<script src="{}" defer></script>', PARTS_JS) if self.live else ""


@register.tag("composekit_script")
def do_composekit_script(parser: Parser, token: Token) -> ScriptNode:
    """``parts.js`` where the page has composekit-live's forms (``live``, a bare word as in
    composekit's own tag); else empty."""
    return ScriptNode("live" in token.split_contents()[1:])


def render_part(name: str, request: HttpRequest, params: dict[str, Any]) -> SafeString:
    """Fragment ``name`` rendered for ``request``, in its ``<ck-fragment>`` box."""
    cls = registry.get(name)
    if cls is None or cls.template_name is None:
        raise template.TemplateSyntaxError(f"no fragment {name!r} with a template")
    html = None
    version = EXPERT_CACHED.get(name)
    cache = caches["template_fragments"]  # DummyCache in plain monolithic: never kept
    key = None
    if version is not None and not params:
        key = f"bench-part:{name}:{getattr(request.user, 'pk', None) or 0}:{version(request.user)}"
        html = cache.get(key)
    if html is None:
        # get_context() reads only what an HttpRequest shares with DRF's Request.
        context = cls().get_context(request, **params)  # type: ignore[arg-type]
        html = render_to_string(cls.template_name, context, request=request)
        if key is not None:
            cache.set(key, html, EXPERT_TIMEOUT)
    return format_html('<ck-fragment name="{}" state="loaded">{}</ck-fragment>', name, mark_safe(html))


class PlainFragmentNode(template.Node):
    def __init__(self, name: FilterExpression, kwargs: dict[str, FilterExpression]) -> None:
        self.name = name
        self.kwargs = kwargs

    def render(self, context: Context) -> str:
        params: dict[str, Any] = {
            key: value.resolve(context) for key, value in self.kwargs.items() if key not in ATTRIBUTES
        }
        return render_part(self.name.resolve(context), context.request, params)  # type: ignore[attr-defined]


@register.tag("fragment")
def do_fragment(parser: Parser, token: Token) -> PlainFragmentNode:
    node = composekit_tags.do_fragment(parser, token)
    return PlainFragmentNode(node.name, node.kwargs)
