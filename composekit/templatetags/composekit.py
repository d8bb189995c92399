"""``{% composekit_script %}``, ``{% fragment "name" k=v %}fallback{% error %}...{% endfragment %}``
and ``{% depends_on "name" id %}``.

Thin glue: argument parsing here, rendering in ``composekit.render`` and ``composekit.script``.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context
from django.utils.safestring import SafeString

from ..render import ATTRIBUTES, render_fragment
from ..script import script_tag
from ..shell import depends_on

__all__ = ["register"]

register = template.Library()


class ScriptNode(template.Node):
    def __init__(self, live: bool) -> None:
        self.live = live

    def render(self, context: Context) -> SafeString:
        request = getattr(context, "request", None)
        nonce = context.get("csp_nonce") or getattr(request, "csp_nonce", None)
        return script_tag(nonce=nonce, live=self.live)


@register.tag("composekit_script")
def do_composekit_script(parser: Parser, token: Token) -> ScriptNode:
    """``{% composekit_script %}``, or ``{% composekit_script live %}`` with composekit-live."""
    features = token.split_contents()[1:]
    if any(feature != "live" for feature in features):
        raise template.TemplateSyntaxError(
            f"{{% composekit_script %}} takes only the word live (composekit-live's script too), not {features!r}"
        )
    return ScriptNode(live=bool(features))


class FragmentNode(template.Node):
    def __init__(
        self,
        name: FilterExpression,
        kwargs: dict[str, FilterExpression],
        nodelist: NodeList,
        error: NodeList | None,
    ) -> None:
        self.name = name
        self.kwargs = kwargs
        self.nodelist = nodelist
        self.error = error

    def render(self, context: Context) -> str:
        values: dict[str, Any] = {k: v.resolve(context) for k, v in self.kwargs.items()}
        attrs = {k: values.pop(k, None) for k in ATTRIBUTES}
        return render_fragment(
            getattr(context, "request", None),
            self.name.resolve(context),
            values,
            fallback=self.nodelist.render(context),
            error=None if self.error is None else self.error.render(context),
            loading=attrs["loading"],
            timeout=attrs["timeout"],
            refresh_on=attrs["refresh_on"],
            refresh_every=attrs["refresh_every"],
            element=attrs["as"],
        )


@register.tag("fragment")
def do_fragment(parser: Parser, token: Token) -> FragmentNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(
            '{% fragment %} needs the fragment\'s name: {% fragment "cart-summary" %}...{% endfragment %}'
        )
    name = parser.compile_filter(bits[1])
    kwargs: dict[str, FilterExpression] = {}
    for bit in bits[2:]:
        key, sep, value = bit.partition("=")
        if not sep or not key.isidentifier():
            raise template.TemplateSyntaxError(
                f"{{% fragment {bits[1]} %}}: {bit!r} is not a keyword argument; params are written key=value"
            )
        if key in kwargs:
            raise template.TemplateSyntaxError(f"{{% fragment {bits[1]} %}}: param {key!r} is given twice")
        kwargs[key] = parser.compile_filter(value)
    nodelist = parser.parse(("error", "endfragment"))
    error = None
    if parser.next_token().contents == "error":
        error = parser.parse(("endfragment",))
        parser.delete_first_token()
    return FragmentNode(name, kwargs, nodelist, error)


@register.simple_tag(takes_context=True, name="depends_on")
def depends_on_tag(context: Context, name: str, *ids: str | int) -> str:
    """``{% depends_on "product" product.sku %}``: the shell being rendered shows this
    dependency (``composekit.shell.depends_on()``): its shared copies are tagged with it."""
    request = getattr(context, "request", None)
    if request is None:
        raise template.TemplateSyntaxError(
            "{% depends_on %} needs the request: render the template with one "
            "(render(request, ...), or a RequestContext)"
        )
    depends_on(request, name, *ids)
    return ""
