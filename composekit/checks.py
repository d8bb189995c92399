"""System checks. Ids are stable and documented in docs/checks.md."""

from __future__ import annotations

import re
from contextlib import suppress
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, get_resolver, reverse

from . import registry, shell, tags
from .conf import MODES, conf
from .fragment import declares
from .metrics import BACKENDS
from .policy import CachePolicy
from .purge import build
from .servercache import ServerCache
from .triggers import EVENT_RE

__all__ = ["check_fragments", "check_installation", "check_settings", "check_shell_guard"]

_MARGIN_RE = re.compile(r"^-?\d+(px|%)?( -?\d+(px|%)?){0,3}$")
_ORIGIN_RE = re.compile(r"^https?://[^/?#\s]+$")
_COOKIE_NAME_RE = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # an RFC 6265 token
_IDENTIFIER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEADER_NAME_RE = _COOKIE_NAME_RE  # both are RFC 9110 tokens
_TAG_PREFIX_RE = re.compile(r"^[A-Za-z0-9_.:-]*$")  # nothing a tag header splits on
COMPOSEKIT_MIDDLEWARE = "composekit.middleware.ComposekitMiddleware"


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
    if COMPOSEKIT_MIDDLEWARE in settings.MIDDLEWARE:
        return errors
    if conf.MODE == "esi":
        errors.append(
            Error(
                f'{COMPOSEKIT_MIDDLEWARE} is not in MIDDLEWARE while COMPOSEKIT_MODE is "esi": pages '
                "would hold <esi:include> tags without saying Surrogate-Control, so the surrogate "
                "would pass them to browsers unprocessed.",
                hint=f'Add "{COMPOSEKIT_MIDDLEWARE}" to MIDDLEWARE, below any caching middleware; '
                "see docs/esi.md.",
                id="composekit.E006",
            )
        )
        return errors
    lost = []
    if apps.is_installed("django.contrib.auth") and conf.IDENTITY_COOKIE is not None:
        lost.append("after a logout or login, open tabs keep showing the previous person's fragments")
    if conf.GENERATION_COOKIE is not None:
        lost.append("fragments the browser keeps do not notice the user's own changes")
    if conf.MODE == "inline":
        lost.append("the cookies and Vary of inline fragments never reach the page")
    if conf.MODE == "stream":
        lost.append('pages are not streamed although COMPOSEKIT_MODE is "stream"')
    if lost:
        errors.append(
            Warning(
                f"{COMPOSEKIT_MIDDLEWARE} is not in MIDDLEWARE: " + "; ".join(lost) + ".",
                hint=f'Add "{COMPOSEKIT_MIDDLEWARE}" to MIDDLEWARE, below any caching '
                "middleware; see docs/checks.md.",
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
    return errors + _unpurged_lifetimes()


# Past this, a shared copy kept without purges shows a change that late (docs/checks.md W004).
LONG_LIFETIME = 3600


def _unpurged_lifetimes() -> list[CheckMessage]:
    """W004: shared caches told to keep something long, with nothing configured to purge it."""
    if tags.purging():  # a malformed setting counts as none: E008 says what is wrong
        return []
    with suppress(Exception):  # a broken URLconf: Django's own URL checks report it
        _ = get_resolver().url_patterns  # imports the URLconf: its views declare their shells
    declared: list[tuple[str, object, CachePolicy]] = [
        (f"fragment {name!r}", cls, cls.cache) for name, cls in registry.all_fragments().items()
    ]
    declared += [(f"shell {s.name}", s.name, s.policy) for s in shell.declared_shells()]
    warnings: list[CheckMessage] = []
    for what, obj, policy in declared:
        lifetime = policy.s_maxage if policy.s_maxage is not None else policy.max_age
        if policy.is_public and lifetime > LONG_LIFETIME:
            warnings.append(
                Warning(
                    f"The {what} is kept by shared caches for {lifetime} s, and no purge backend "
                    "is configured: a change shows only when that copy expires.",
                    hint="Configure COMPOSEKIT_PURGE_BACKENDS and use keep_until_purged=True with "
                    "a short s_maxage (kept long only where purges are sent), or shorten it. "
                    "See docs/caching.md.",
                    obj=obj,
                    id="composekit.W004",
                )
            )
    return warnings


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
        invalid("MODE", mode, '"client", "inline", "esi", "stream" or unset (inline when DEBUG)')
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
    for setting, example in (("IDENTITY_COOKIE", "ck_identity"), ("GENERATION_COOKIE", "ck_gen")):
        cookie = conf.raw(setting)
        if cookie is not None and not (isinstance(cookie, str) and _COOKIE_NAME_RE.match(cookie)):
            invalid(setting, cookie, f'a cookie name such as "{example}", or None')
    threads = conf.raw("STREAM_THREADS")
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        invalid("STREAM_THREADS", threads, "a whole number >= 1")
    stream_timeout = conf.raw("STREAM_TIMEOUT")
    if isinstance(stream_timeout, bool) or not isinstance(stream_timeout, int | float) or stream_timeout <= 0:
        invalid("STREAM_TIMEOUT", stream_timeout, "a number of seconds > 0")
    batch_max = conf.raw("BATCH_MAX_PARTS")
    if isinstance(batch_max, bool) or not isinstance(batch_max, int) or batch_max < 2:
        invalid("BATCH_MAX_PARTS", batch_max, "a whole number >= 2")
    for setting in ("SERVER_TIMING", "ALLOW_SCRIPTS", "BATCH"):
        value = conf.raw(setting)
        if not isinstance(value, bool):
            invalid(setting, value, "True or False")
    locate = conf.raw("LOCATE_TOUCHES")
    if locate is not None and not isinstance(locate, bool):
        invalid("LOCATE_TOUCHES", locate, "True, False or unset (True when DEBUG)")
    carry = conf.raw("INLINE_CARRY")
    if not _is_list_of(carry, _IDENTIFIER_RE):
        invalid("INLINE_CARRY", carry, 'a list of request attribute names such as ["tenant"]')
    for setting, example in (("SCRIPT", "composekit.min.js"), ("LIVE_SCRIPT", "composekit-live.min.js")):
        script = conf.raw(setting)
        if not isinstance(script, str) or not script:
            invalid(setting, script, f'a static path such as "composekit/{example}"')
    tabs = conf.raw("LIVE_TABS")
    if not _is_list_of(tabs, EVENT_RE):
        invalid("LIVE_TABS", tabs, 'a list of event names such as ["cart:changed"]')
    coalesce = conf.raw("LIVE_COALESCE")
    if coalesce is not None and (isinstance(coalesce, bool) or not isinstance(coalesce, int) or coalesce < 0):
        invalid("LIVE_COALESCE", coalesce, "a whole number of milliseconds >= 0, or None")
    alias = conf.raw("CACHE")
    if not isinstance(alias, str) or alias not in settings.CACHES:
        invalid("CACHE", alias, f"an alias of CACHES ({', '.join(map(repr, settings.CACHES))})")
    robots = conf.raw("ROBOTS_TAG")
    if robots is not None and not (isinstance(robots, str) and robots.strip() and "\n" not in robots):
        invalid(
            "ROBOTS_TAG", robots, 'an X-Robots-Tag value such as "noindex" or "noindex, nofollow", or None'
        )
    retries = conf.raw("PURGE_RETRIES")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        invalid("PURGE_RETRIES", retries, "a whole number >= 0")
    for setting, expected, zero_ok in (
        ("PURGE_BACKOFF", "a number of seconds >= 0", True),
        ("PURGE_TIMEOUT", "a number of seconds > 0", False),
    ):
        value = conf.raw(setting)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or value < 0
            or (value == 0 and not zero_ok)
        ):
            invalid(setting, value, expected)
    errors.extend(_check_purge_backends(conf.raw("PURGE_BACKENDS")))
    headers = conf.raw("TAG_HEADERS")
    if headers is not None and not _is_list_of(headers, _HEADER_NAME_RE):
        invalid("TAG_HEADERS", headers, 'a list of header names such as ["xkey", "Cache-Tag"], or None')
    prefix = conf.raw("TAG_PREFIX")
    if not (isinstance(prefix, str) and _TAG_PREFIX_RE.match(prefix)):
        invalid("TAG_PREFIX", prefix, 'a string of letters, digits, "-", "_", "." or ":" such as "shop-"')
    for setting, minimum in (("TAGS_MAX_BYTES", 64), ("PURGED_MAX_AGE", 1)):
        value = conf.raw(setting)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            invalid(setting, value, f"a whole number >= {minimum}")
    metrics = conf.raw("METRICS")
    names = [metrics] if isinstance(metrics, str) else metrics
    if not (isinstance(names, (list, tuple)) and all(name in BACKENDS for name in names)):
        invalid("METRICS", metrics, 'a list of metrics backends: "prometheus", "opentelemetry", or empty')
    else:
        errors.extend(_check_metrics_packages(names))
    return errors


# What each metrics backend imports, and the extra that installs it.
_METRICS_PACKAGES = {"prometheus": "prometheus_client", "opentelemetry": "opentelemetry.metrics"}


def _check_metrics_packages(names: list[str] | tuple[str, ...]) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for name in names:
        module = _METRICS_PACKAGES[name]
        try:
            import_module(module)
        except ImportError:
            errors.append(
                Error(
                    f'COMPOSEKIT_METRICS names "{name}", but {module.partition(".")[0]} cannot be '
                    "imported: no metrics are recorded for it.",
                    hint=f"pip install 'composekit[{name}]'; see docs/observability.md.",
                    id="composekit.E009",
                )
            )
    return errors


def _check_purge_backends(specs: object) -> list[CheckMessage]:
    hint = (
        'Each entry is {"BACKEND": "composekit.purge.Varnish", "OPTIONS": {"urls": [...]}} '
        "(or composekit.purge.Fastly, composekit.purge.Cloudflare, or your PurgeBackend "
        "subclass); see docs/purging.md."
    )
    if not isinstance(specs, (list, tuple)):
        message = f"COMPOSEKIT_PURGE_BACKENDS = {specs!r} is not a list of dicts."
        return [Error(message, hint=hint, id="composekit.E008")]
    errors: list[CheckMessage] = []
    for spec in specs:
        try:
            build(spec)
        except ImproperlyConfigured as error:
            errors.append(Error(str(error), hint=hint, id="composekit.E008"))
    return errors


def _is_list_of(value: object, pattern: re.Pattern[str]) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) and pattern.match(v) for v in value)


def _path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


SHELL_GUARD_MIDDLEWARE = "composekit.shell.ShellGuardMiddleware"


@register()
def check_shell_guard(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W005: cacheable shells are declared, and nothing stops what middleware adds after them."""
    if SHELL_GUARD_MIDDLEWARE in settings.MIDDLEWARE:
        return []
    with suppress(Exception):  # a broken URLconf: Django's own URL checks report it
        _ = get_resolver().url_patterns  # imports the URLconf: its views declare their shells
    names = sorted(s.name for s in shell.declared_shells())
    if not names:
        return []
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return [
        Warning(
            f"{SHELL_GUARD_MIDDLEWARE} is not in MIDDLEWARE, and cacheable shells are declared "
            f"({', '.join(names[:3])}{more}): a session cookie or Vary: Cookie that middleware adds "
            "after a shell's view would leave marked public, for shared caches to keep.",
            hint=f'Add "{SHELL_GUARD_MIDDLEWARE}" to MIDDLEWARE, above (before) the session, CSRF '
            "and messages middleware; see docs/shells.md.",
            id="composekit.W005",
        )
    ]


GZIP_MIDDLEWARE = "django.middleware.gzip.GZipMiddleware"


@register()
def check_stream_compression(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W006: stream mode, and a compression middleware that holds a streamed page back."""
    if conf.MODE != "stream" or GZIP_MIDDLEWARE not in settings.MIDDLEWARE:
        return []
    return [
        Warning(
            f'COMPOSEKIT_MODE is "stream" and {GZIP_MIDDLEWARE} is in MIDDLEWARE: it keeps a '
            "streamed page in zlib's buffer until its last fragment is rendered (under WSGI), so "
            "the shell no longer comes first.",
            hint=f"Remove {GZIP_MIDDLEWARE} and compress in a proxy that flushes as it passes "
            "data on; see docs/streaming.md.",
            id="composekit.W006",
        )
    ]
