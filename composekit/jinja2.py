"""Jinja2 support: the same two tags as ``templatetags/composekit.py``, the same output.

    TEMPLATES = [{
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "OPTIONS": {"extensions": ["composekit.jinja2.ComposekitExtension"]},
    }]

Then, in a template::

    <head>{{ composekit_script() }}</head>
    {% fragment "cart-summary" sku=product.sku loading="lazy" %}
      <a href="/cart/">Cart</a>
    {% error %}
      <a href="/cart/">Cart</a> (could not load)
    {% endfragment %}

Thin glue, like the Django tags: arguments are parsed here, the markup comes from
``render.render_fragment()`` and ``script.script_tag()``, so both engines give the same bytes.
The extension also adds the globals ``fragment_url(name, **params)`` and
``depends_on(name, *ids)`` (what a shell shows, for its cache tags).
"""

from __future__ import annotations

import itertools
from typing import Any

from jinja2 import nodes
from jinja2.environment import Environment
from jinja2.exceptions import TemplateRuntimeError
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.runtime import Context
from jinja2.utils import pass_context
from markupsafe import Markup

from .render import ATTRIBUTES, fragment_url, render_fragment
from .script import script_tag
from .shell import depends_on as shell_depends_on

__all__ = ["ComposekitExtension", "composekit_script"]

_names = itertools.count()


@pass_context
def composekit_script(context: Context, live: bool = False) -> Markup:
    """``{{ composekit_script() }}``: the loader's ``<script>``, as ``{% composekit_script %}``;
    ``{{ composekit_script(live=True) }}`` adds composekit-live, as ``{% composekit_script live %}``."""
    request = context.get("request")
    nonce = context.get("csp_nonce") or getattr(request, "csp_nonce", None)
    return Markup(script_tag(nonce=nonce, live=live))


@pass_context
def depends_on(context: Context, name: str, *ids: str | int) -> str:
    """``{{ depends_on("product", product.sku) }}``: as ``{% depends_on %}``, the shell being
    rendered shows this dependency (``composekit.shell.depends_on()``). Renders nothing."""
    request = context.get("request")
    if request is None:
        raise TemplateRuntimeError("depends_on() needs the request in the template's context")
    shell_depends_on(request, name, *ids)
    return ""


class ComposekitExtension(Extension):
    """``{% fragment "name" key=value ... %}fallback{% error %}...{% endfragment %}``."""

    tags = {"fragment"}  # noqa: RUF012 - Jinja2's own attribute

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals["composekit_script"] = composekit_script
        environment.globals["fragment_url"] = fragment_url
        environment.globals["depends_on"] = depends_on

    def parse(self, parser: Parser) -> list[nodes.Node]:
        lineno = next(parser.stream).lineno
        if parser.stream.current.type == "block_end":
            parser.fail(
                '{% fragment %} needs the fragment\'s name: {% fragment "cart-summary" %}...{% endfragment %}',
                lineno,
            )
        name = parser.parse_expression()
        kwargs: list[nodes.Pair] = []
        seen: set[str] = set()
        while parser.stream.current.type != "block_end":
            parser.stream.skip_if("comma")
            token = parser.stream.current
            if token.type != "name" or parser.stream.look().type != "assign":
                parser.fail(
                    f"{{% fragment %}}: {token.value!r} is not a keyword argument; params are written key=value",
                    token.lineno,
                )
            if token.value in seen:
                parser.fail(f"{{% fragment %}}: param {token.value!r} is given twice", token.lineno)
            seen.add(token.value)
            next(parser.stream)
            next(parser.stream)  # the "="
            kwargs.append(
                nodes.Pair(nodes.Const(token.value), parser.parse_expression(), lineno=token.lineno)
            )
        fallback = parser.parse_statements(("name:error", "name:endfragment"))
        error = None
        if next(parser.stream).value == "error":
            error = parser.parse_statements(("name:endfragment",), drop_needle=True)
        # Each body is rendered into a variable of its own, then handed to _render().
        number = next(_names)
        fallback_name = f"_composekit_fallback_{number}"
        error_name = f"_composekit_error_{number}"
        body: list[nodes.Node] = [nodes.AssignBlock(nodes.Name(fallback_name, "store"), None, fallback)]
        error_value: nodes.Expr = nodes.Const(None)
        if error is not None:
            body.append(nodes.AssignBlock(nodes.Name(error_name, "store"), None, error))
            error_value = nodes.Name(error_name, "load")
        call = self.call_method(
            "_render",
            [
                nodes.ContextReference(),
                name,
                nodes.Dict(kwargs),
                nodes.Name(fallback_name, "load"),
                error_value,
            ],
        )
        body.append(nodes.Output([call]))
        for node in body:
            node.set_lineno(lineno)
        return body

    def _render(
        self, context: Context, name: str, values: dict[str, Any], fallback: str, error: str | None
    ) -> Markup:
        attrs = {key: values.pop(key, None) for key in ATTRIBUTES}
        html = render_fragment(
            context.get("request"),
            name,
            values,
            fallback=str(fallback),
            error=None if error is None else str(error),
            loading=attrs["loading"],
            timeout=attrs["timeout"],
            refresh_on=attrs["refresh_on"],
            refresh_every=attrs["refresh_every"],
            element=attrs["as"],
        )
        return Markup(html)
