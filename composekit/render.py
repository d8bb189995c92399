"""Render a placeholder, the fragment itself (inline mode) or an ESI include, for a template tag.

These are plain functions so any template engine's glue can call them. Inline mode runs
the SAME fragment view as the HTTP endpoint, through a sub-request (``inline.py``).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping

from django.conf import settings
from django.http import HttpRequest
from django.template import TemplateSyntaxError
from django.utils.safestring import SafeString

from . import registry
from .conf import conf
from .esi import include, wants_include
from .html import element as markup
from .html import fragment_attrs, fragment_src, loaded_element
from .inline import InlineRenderError, NestingError, render_inline
from .signing import ParamError, sign_params
from .triggers import INTERVAL_HINT, are_event_names, is_interval

__all__ = ["ATTRIBUTES", "ELEMENTS", "FragmentError", "fragment_url", "render_fragment"]

logger = logging.getLogger("composekit")

# The element's attributes the tag takes as keywords; every other keyword is a param.
ATTRIBUTES = ("loading", "timeout", "refresh_on", "refresh_every", "as")
LOADING_VALUES = ("eager", "lazy")
# What ``as=`` may name: elements that go where the HTML parser moves a <ck-fragment> away
# (out of a table, a list between items, a select). The placeholder is then that element,
# its attributes prefixed ``data-ck-`` (the attribute form; js/src/attached.js).
ELEMENTS = ("tr", "tbody", "thead", "tfoot", "td", "th", "li", "option", "optgroup")


class FragmentError(TemplateSyntaxError):
    """A ``{% fragment %}`` tag (or a ``fragment_url()`` call, ``where``) that cannot be
    rendered; the message says why and what to do."""

    def __init__(self, name: object, message: str, *, where: str | None = None) -> None:
        if where is None:
            where = f'{{% fragment "{name}" %}}'
        super().__init__(f"{where}: {message}")


# Said wherever a name is looked up, so the tag and fragment_url() give the same advice.
UNREGISTERED = (
    "no fragment is registered under this name; check the spelling, that the "
    "class has @register, and that its app's fragments.py is in an installed app"
)


def render_fragment(
    request: HttpRequest | None,
    name: str,
    params: Mapping[str, object],
    *,
    fallback: str = "",
    error: str | None = None,
    loading: str | None = None,
    timeout: object = None,
    refresh_on: object = None,
    refresh_every: object = None,
    element: str | None = None,
) -> SafeString:
    """The markup for one fragment: a placeholder (client mode), its rendered HTML (inline),
    or an include for the surrogate to fill (ESI mode, ``esi.py``).

    ``fallback`` is shown until it loads; ``error`` (the tag's ``{% error %}`` part), when
    given, replaces it if loading fails, in either mode: it travels in the placeholder as
    ``<template data-ck-error>``. ``element`` (the tag's ``as=``, one of ``ELEMENTS``) makes
    the placeholder that element instead of ``<ck-fragment>``, and stays a client placeholder
    in ESI mode (an include answers a ``<ck-fragment>``, which a table or list would not keep).
    An include has neither fallback nor error content: the surrogate fills it or, failing,
    leaves an empty placeholder for the loader.
    """
    cls = registry.get(name) if isinstance(name, str) else None
    if cls is None:
        raise FragmentError(name, UNREGISTERED)
    if loading is not None and loading not in LOADING_VALUES:
        raise FragmentError(name, f'loading must be "eager" or "lazy", not {loading!r}')
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0):
        raise FragmentError(name, f"timeout must be a whole number of milliseconds > 0, not {timeout!r}")
    if element is not None and element not in ELEMENTS:
        raise FragmentError(
            name,
            f"as={element!r} is not an element a placeholder can be; use one of {', '.join(ELEMENTS)} "
            "(or leave as= out for <ck-fragment>)",
        )
    events = _events(name, cls.refresh_on if refresh_on is None else refresh_on)
    every = cls.refresh_every if refresh_every is None else refresh_every
    if every is not None and not is_interval(every):
        raise FragmentError(name, f"refresh_every must be {INTERVAL_HINT}, not {every!r}")
    try:
        token = _sign(name, params)
    except ParamError as problem:
        raise FragmentError(name, str(problem)) from None
    src = fragment_src(name, token)
    attrs = fragment_attrs(
        cls, name, src, loading=loading, timeout=timeout, refresh_on=events, refresh_every=every
    )

    tag = element  # the tag's as=
    if request is not None and tag is None and wants_include(request, loading):
        # The include answers the whole element; it says what the tag chose over the class.
        live = {
            "on": None if tuple(events) == tuple(cls.refresh_on) else " ".join(events),
            "every": None if every == cls.refresh_every else every,
        }
        return include(request, name, token, live)
    if conf.MODE == "inline":
        if request is None:
            raise FragmentError(
                name,
                "inline mode needs the request: render the template "
                "with render(request, ...) or a RequestContext",
            )
        try:
            html = render_inline(request, name, token, src)
        except InlineRenderError as failure:
            logger.info("fragment %r not rendered inline: %s", name, failure, extra={"fragment": name})
        except Exception as failure:
            if settings.DEBUG:
                if isinstance(failure, NestingError):
                    raise FragmentError(name, str(failure)) from None
                raise
            logger.error(
                "fragment %r failed to render inline; its %s was shown",
                name,
                "fallback" if error is None else "error content",
                exc_info=failure,
                extra={"fragment": name},
            )
        else:
            return loaded_element(attrs, html, tag=tag)
        # What the loader shows when a load fails: state="error", the error content if any.
        return markup({**attrs, "state": "error"}, fallback if error is None else error, tag=tag, error=error)
    return markup(attrs, fallback, tag=tag, error=error)


def fragment_url(name: str, legacy_params: Mapping[str, object] | None = None, /, **params: object) -> str:
    """The endpoint URL of fragment ``name`` with these params, signed: the arguments the
    ``{% fragment %}`` tag and the Jinja2 global take, ``fragment_url("stock", sku="AB-12")``.

    Raises ``FragmentError``, as the tag does, when no fragment is registered under ``name``
    (a URL for it could only ever answer 404), and ``ValueError`` (``ParamError``) naming a
    param that cannot be signed: an unsupported type, too long, or a name the fragment cannot
    receive. A mapping as the second positional argument is the old calling convention: it
    still works, with a ``DeprecationWarning``.
    """
    if legacy_params is not None:
        if not isinstance(legacy_params, Mapping):
            raise TypeError(
                f'fragment_url("{name}", ...) takes params as keywords, fragment_url("{name}", sku="AB-12"), '
                f"not a positional {type(legacy_params).__name__}"
            )
        warnings.warn(
            f'fragment_url("{name}", {{...}}) with a dict of params is deprecated: pass them as keywords, '
            f'fragment_url("{name}", key=value), or unpack the dict, fragment_url("{name}", **params)',
            DeprecationWarning,
            stacklevel=2,
        )
        params = {**legacy_params, **params}
    if registry.get(name) is None:
        raise FragmentError(name, UNREGISTERED, where=f'fragment_url("{name}")')
    return fragment_src(name, _sign(name, params))


def _sign(name: str, params: Mapping[str, object]) -> str:
    """Sign ``params`` for fragment ``name``, refusing names the fragment cannot receive."""
    for param in params:
        if param in ATTRIBUTES:
            raise ParamError(
                f"param {param!r} is reserved: it is an attribute of the {{% fragment %}} tag "
                "(a param can never take this name); rename the param",
                param,
            )
    return sign_params(name, params)  # which refuses names the fragment's methods take


def _events(name: str, value: object) -> list[str]:
    """Event names from a space-separated string or a list; a template error names a bad one."""
    events = value.split() if isinstance(value, str) else value
    if not are_event_names(events):
        raise FragmentError(
            name,
            f'refresh_on must be event names such as "cart:changed" (letters, digits and _.:-, '
            f"space-separated or a list), not {value!r}",
        )
    return list(events)
