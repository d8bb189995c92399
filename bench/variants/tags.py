"""The ``composekit`` template library of the monolithic variants: no composekit at all.

``{% fragment "name" k=v %}fallback{% endfragment %}`` (parsed by composekit's own tag, so
the syntax cannot drift) renders the fragment's template with its ``get_context()`` right in
the page, as an inclusion tag would: no sub-request, no DRF, no signing, no fallback. It is
exactly what the composed page fetches. ``{% composekit_script %}`` is empty (the loader's and
composekit-live's): nothing to load; the buy box's form is then posted the ordinary way.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, Parser, Token
from django.template.context import Context
from django.template.loader import render_to_string

from composekit import registry
from composekit.render import ATTRIBUTES
from composekit.templatetags import composekit as composekit_tags

register = template.Library()


@register.simple_tag
def composekit_script(*scripts: Any, **options: Any) -> str:
    """Empty, whatever it names (``{% composekit_script live %}``): nothing to load."""
    return ""


class PlainFragmentNode(template.Node):
    def __init__(self, name: FilterExpression, kwargs: dict[str, FilterExpression]) -> None:
        self.name = name
        self.kwargs = kwargs

    def render(self, context: Context) -> str:
        name = self.name.resolve(context)
        params: dict[str, Any] = {
            key: value.resolve(context) for key, value in self.kwargs.items() if key not in ATTRIBUTES
        }
        cls = registry.get(name)
        if cls is None or cls.template_name is None:
            raise template.TemplateSyntaxError(f"no fragment {name!r} with a template")
        request = context.request  # type: ignore[attr-defined]
        return render_to_string(cls.template_name, cls().get_context(request, **params), request=request)


@register.tag("fragment")
def do_fragment(parser: Parser, token: Token) -> PlainFragmentNode:
    node = composekit_tags.do_fragment(parser, token)
    return PlainFragmentNode(node.name, node.kwargs)
