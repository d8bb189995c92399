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

_MARGIN_RE = re.compile(r"^-?\d+(px|%)?( -?\d+(px|%)?){0,3}$")
_ORIGIN_RE = re.compile(r"^https?://[^/?#\s]+$")
_COOKIE_NAME_RE = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # an RFC 6265 token
IDENTITY_MIDDLEWARE = "composekit.identity.IdentityMiddleware"


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

    mode = getattr(settings, "COMPOSEKIT_MODE", None)
    if mode is not None and mode not in MODES:
        invalid("MODE", mode, '"client", "inline" or unset (inline when DEBUG)')
    for setting, default, minimum in (
        ("PARAMS_MAX_BYTES", 2048, 64),
        ("MAX_DEPTH", 5, 1),
        ("TIMEOUT", None, 1),
        ("RETRIES", None, 0),
    ):
        value = getattr(settings, f"COMPOSEKIT_{setting}", default)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < minimum):
            invalid(setting, value, f"a whole number >= {minimum}")
    margin = getattr(settings, "COMPOSEKIT_LAZY_MARGIN", None)
    if margin is not None and not (isinstance(margin, str) and _MARGIN_RE.match(margin)):
        invalid("LAZY_MARGIN", margin, 'a CSS margin such as "200px" or "0px 0px 50% 0px"')
    origins = getattr(settings, "COMPOSEKIT_ALLOWED_ORIGINS", [])
    if (
        isinstance(origins, str)
        or not isinstance(origins, (list, tuple))
        or not all(isinstance(o, str) and _ORIGIN_RE.match(o) for o in origins)
    ):
        invalid("ALLOWED_ORIGINS", origins, 'a list of origins such as ["https://fragments.example.com"]')
    fragment_origin = getattr(settings, "COMPOSEKIT_FRAGMENT_ORIGIN", None)
    if fragment_origin is not None and not (
        isinstance(fragment_origin, str) and _ORIGIN_RE.match(fragment_origin)
    ):
        invalid(
            "FRAGMENT_ORIGIN", fragment_origin, 'an origin such as "https://fragments.example.com", or None'
        )
    identity_cookie = getattr(settings, "COMPOSEKIT_IDENTITY_COOKIE", None)
    if identity_cookie is not None and not (
        isinstance(identity_cookie, str) and _COOKIE_NAME_RE.match(identity_cookie)
    ):
        invalid("IDENTITY_COOKIE", identity_cookie, 'a cookie name such as "ck_identity", or None')
    for setting in ("SERVER_TIMING", "ALLOW_SCRIPTS"):
        value = getattr(settings, f"COMPOSEKIT_{setting}", False)
        if not isinstance(value, bool):
            invalid(setting, value, "True or False")
    script = getattr(settings, "COMPOSEKIT_SCRIPT", "x")
    if not isinstance(script, str) or not script:
        invalid("SCRIPT", script, 'a static path such as "composekit/composekit.min.js"')
    return errors


def _path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
