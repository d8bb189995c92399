"""System checks. Ids are stable and documented in docs/checks.md."""

from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse

from . import registry
from .conf import MODES, conf
from .fragment import declares
from .servercache import ServerCache

__all__ = ["check_fragments", "check_installation", "check_settings"]

_MARGIN_RE = re.compile(r"^-?\d+(px|%)?( -?\d+(px|%)?){0,3}$")
_ORIGIN_RE = re.compile(r"^https?://[^/?#\s]+$")
_COOKIE_NAME_RE = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # an RFC 6265 token
_IDENTIFIER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
IDENTITY_MIDDLEWARE = "composekit.identity.IdentityMiddleware"
INLINE_MIDDLEWARE = "composekit.inline.InlineMiddleware"
ESI_MIDDLEWARE = "composekit.esi.EsiMiddleware"


@register()
def check_installation(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if not apps.is_installed("rest_framework"):
        errors.append(
            Error(
                "composekit needs Django REST framework, which is not installed.",
                hint="pip install djangorestframework and add 'rest_framework' to INSTALLED_APPS.",
                id="composekit.E001",
            )
        )
    try:
        reverse("composekit:fragment", args=["x"])
    except NoReverseMatch:
        errors.append(
            Error(
                "composekit's URLs are not included, so no fragment can be fetched.",
                hint='Add path("_composekit/", include("composekit.urls")) to your ROOT_URLCONF.',
                id="composekit.E002",
            )
        )
    if (
        apps.is_installed("django.contrib.auth")
        and conf.IDENTITY_COOKIE is not None
        and IDENTITY_MIDDLEWARE not in settings.MIDDLEWARE
    ):
        errors.append(
            Warning(
                f"{IDENTITY_MIDDLEWARE} is not in MIDDLEWARE: after a logout or login, pages "
                "in other tabs keep showing the previous person's fragments.",
                hint=f'Add "{IDENTITY_MIDDLEWARE}" to MIDDLEWARE, or set '
                "COMPOSEKIT_IDENTITY_COOKIE = None to say you do without it; see docs/security.md.",
                id="composekit.W002",
            )
        )
    if conf.MODE == "inline" and INLINE_MIDDLEWARE not in settings.MIDDLEWARE:
        errors.append(
            Warning(
                f"{INLINE_MIDDLEWARE} is not in MIDDLEWARE while fragments render inline: the "
                "cookies inline fragments set, and the Vary they answer with, never reach the page.",
                hint=f'Add "{INLINE_MIDDLEWARE}" to MIDDLEWARE, below any caching middleware; '
                "see docs/architecture.md.",
                id="composekit.W003",
            )
        )
    if conf.MODE == "esi" and ESI_MIDDLEWARE not in settings.MIDDLEWARE:
        errors.append(
            Error(
                f'{ESI_MIDDLEWARE} is not in MIDDLEWARE while COMPOSEKIT_MODE is "esi": pages would '
                "hold <esi:include> tags without saying Surrogate-Control, so the surrogate would "
                "pass them to browsers unprocessed.",
                hint=f'Add "{ESI_MIDDLEWARE}" to MIDDLEWARE, below any caching middleware; see docs/esi.md.',
                id="composekit.E006",
            )
        )
    return errors


@register()
def check_fragments(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for name, first, other in registry.duplicates:
        errors.append(
            Error(
                f"Two fragments are registered as {name!r}: {_path(first)} and {_path(other)}.",
                hint="Fragment names must be unique; rename one of them.",
                obj=other,
                id="composekit.E003",
            )
        )
    for name, cls in registry.all_fragments().items():
        template_name = cls.template_name
        if template_name is None:
            continue
        try:
            get_template(template_name)
        except TemplateDoesNotExist:
            errors.append(
                Error(
                    f"The template {template_name!r} of fragment {name!r} does not exist.",
                    hint=f"Create it, or fix {_path(cls)}.template_name.",
                    obj=cls,
                    id="composekit.E004",
                )
            )
        if cls.server_cache is not None and not isinstance(cls.server_cache, ServerCache):
            errors.append(
                Error(
                    f"Fragment {name!r} has server_cache = {cls.server_cache!r}, not a ServerCache.",
                    hint="Write server_cache = ServerCache(timeout=...) (from composekit), or None; "
                    "see docs/caching.md.",
                    obj=cls,
                    id="composekit.E007",
                )
            )
        if cls.cache.is_public and declares(cls, "authentication_classes"):
            errors.append(
                Warning(
                    f"Fragment {name!r} is public but declares authentication_classes.",
                    hint="A public fragment is shared by every visitor: it must not depend on "
                    "who asks. Make it CachePolicy.private(), or drop the authentication.",
                    obj=cls,
                    id="composekit.W001",
                )
            )
    return errors


@register()
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []

    def invalid(setting: str, value: object, expected: str) -> None:
        errors.append(
            Error(
                f"COMPOSEKIT_{setting} = {value!r} is invalid.",
                hint=f"COMPOSEKIT_{setting} must be {expected}; see docs/settings.md.",
                id="composekit.E005",
            )
        )

    mode = conf.raw("MODE")
    if mode is not None and mode not in MODES:
        invalid("MODE", mode, '"client", "inline", "esi" or unset (inline when DEBUG)')
    for setting, minimum in (("PARAMS_MAX_BYTES", 64), ("MAX_DEPTH", 1), ("TIMEOUT", 1), ("RETRIES", 0)):
        value = conf.raw(setting)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < minimum):
            invalid(setting, value, f"a whole number >= {minimum}")
    margin = conf.raw("LAZY_MARGIN")
    if margin is not None and not (isinstance(margin, str) and _MARGIN_RE.match(margin)):
        invalid("LAZY_MARGIN", margin, 'a CSS margin such as "200px" or "0px 0px 50% 0px"')
    origins = conf.raw("ALLOWED_ORIGINS")
    if not _is_list_of(origins, _ORIGIN_RE):
        invalid("ALLOWED_ORIGINS", origins, 'a list of origins such as ["https://fragments.example.com"]')
    fragment_origin = conf.raw("FRAGMENT_ORIGIN")
    if fragment_origin is not None and not (
        isinstance(fragment_origin, str) and _ORIGIN_RE.match(fragment_origin)
    ):
        invalid(
            "FRAGMENT_ORIGIN", fragment_origin, 'an origin such as "https://fragments.example.com", or None'
        )
    identity_cookie = conf.raw("IDENTITY_COOKIE")
    if identity_cookie is not None and not (
        isinstance(identity_cookie, str) and _COOKIE_NAME_RE.match(identity_cookie)
    ):
        invalid("IDENTITY_COOKIE", identity_cookie, 'a cookie name such as "ck_identity", or None')
    for setting in ("SERVER_TIMING", "ALLOW_SCRIPTS"):
        value = conf.raw(setting)
        if not isinstance(value, bool):
            invalid(setting, value, "True or False")
    locate = conf.raw("LOCATE_TOUCHES")
    if locate is not None and not isinstance(locate, bool):
        invalid("LOCATE_TOUCHES", locate, "True, False or unset (True when DEBUG)")
    carry = conf.raw("INLINE_CARRY")
    if not _is_list_of(carry, _IDENTIFIER_RE):
        invalid("INLINE_CARRY", carry, 'a list of request attribute names such as ["tenant"]')
    alias = conf.raw("CACHE")
    if not isinstance(alias, str) or alias not in settings.CACHES:
        invalid("CACHE", alias, f"an alias of CACHES ({', '.join(map(repr, settings.CACHES))})")
    script = conf.raw("SCRIPT")
    if not isinstance(script, str) or not script:
        invalid("SCRIPT", script, 'a static path such as "composekit/composekit.min.js"')
    return errors


def _is_list_of(value: object, pattern: re.Pattern[str]) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) and pattern.match(v) for v in value)


def _path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
