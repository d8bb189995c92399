from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import checks
from django.test import override_settings

from composekit import CachePolicy, Fragment, register, registry


def ids(**settings: Any) -> list[str]:
    with override_settings(**settings):
        messages = checks.run_checks()
        return sorted(
            {m.id for m in messages if m.id and m.id.startswith("composekit.") and not m.is_silenced()}
        )


@pytest.fixture
def throwaway() -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        registry.unregister(name)


def test_clean_project_has_no_messages() -> None:
    assert ids() == []


def test_e001_drf_not_installed() -> None:
    from django.conf import settings

    apps = [a for a in settings.INSTALLED_APPS if a != "rest_framework"]
    assert ids(INSTALLED_APPS=apps) == ["composekit.E001"]


def test_e002_urls_not_included() -> None:
    assert ids(ROOT_URLCONF="tests.urls_without_composekit") == ["composekit.E002"]


def test_e003_duplicate_names(throwaway: list[str]) -> None:
    class One(Fragment):
        name = "dup-check"
        template_name = "testapp/hello.html"

    class Two(Fragment):
        name = "dup-check"
        template_name = "testapp/hello.html"

    throwaway.append("dup-check")
    register(One)
    register(Two)
    register(One)  # the same class again (a re-import) is not a duplicate
    [message] = [m for m in checks.run_checks() if m.id == "composekit.E003"]
    assert message.msg == (
        "Two fragments are registered as 'dup-check': "
        "tests.test_checks.test_e003_duplicate_names.<locals>.One and "
        "tests.test_checks.test_e003_duplicate_names.<locals>.Two."
    )
    assert message.hint == "Fragment names must be unique; rename one of them."


def test_e004_missing_template(throwaway: list[str]) -> None:
    @register
    class Missing(Fragment):
        name = "missing-template"
        template_name = "testapp/nowhere.html"

    throwaway.append("missing-template")
    assert ids() == ["composekit.E004"]


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("COMPOSEKIT_MODE", "server"),
        ("COMPOSEKIT_PARAMS_MAX_BYTES", "2k"),
        ("COMPOSEKIT_PARAMS_MAX_BYTES", 10),
        ("COMPOSEKIT_MAX_DEPTH", 0),
        ("COMPOSEKIT_TIMEOUT", True),
        ("COMPOSEKIT_RETRIES", -1),
        ("COMPOSEKIT_LAZY_MARGIN", "lots"),
        ("COMPOSEKIT_ALLOWED_ORIGINS", "https://a.example"),
        ("COMPOSEKIT_ALLOWED_ORIGINS", ["https://a.example/path"]),
        ("COMPOSEKIT_SERVER_TIMING", "yes"),
        ("COMPOSEKIT_ALLOW_SCRIPTS", 1),
        ("COMPOSEKIT_SCRIPT", ""),
        ("COMPOSEKIT_FRAGMENT_ORIGIN", "https://f.example/"),
        ("COMPOSEKIT_IDENTITY_COOKIE", "my identity"),
        ("COMPOSEKIT_IDENTITY_COOKIE", ""),
        ("COMPOSEKIT_LOCATE_TOUCHES", "yes"),
        ("COMPOSEKIT_INLINE_CARRY", "tenant"),
        ("COMPOSEKIT_INLINE_CARRY", ["tenant", "not-an-attribute"]),
        ("COMPOSEKIT_GENERATION_COOKIE", "a;b"),
        ("COMPOSEKIT_BATCH", "yes"),
        ("COMPOSEKIT_STREAM_THREADS", 0),
        ("COMPOSEKIT_STREAM_THREADS", True),
        ("COMPOSEKIT_STREAM_TIMEOUT", 0),
        ("COMPOSEKIT_STREAM_TIMEOUT", "10"),
        ("COMPOSEKIT_BATCH_MAX_PARTS", 1),
        ("COMPOSEKIT_BATCH_MAX_PARTS", True),
        ("COMPOSEKIT_LIVE_SCRIPT", None),
        ("COMPOSEKIT_LIVE_TABS", "cart:changed"),
        ("COMPOSEKIT_LIVE_TABS", ["cart changed"]),
        ("COMPOSEKIT_LIVE_COALESCE", -1),
        ("COMPOSEKIT_LIVE_COALESCE", "100"),
        ("COMPOSEKIT_CACHE", "nowhere"),
        ("COMPOSEKIT_CACHE", None),
        ("COMPOSEKIT_ROBOTS_TAG", ""),
        ("COMPOSEKIT_ROBOTS_TAG", ["noindex"]),
        ("COMPOSEKIT_ROBOTS_TAG", "noindex\nSet-Cookie: x=1"),
        ("COMPOSEKIT_PURGE_RETRIES", -1),
        ("COMPOSEKIT_PURGE_RETRIES", 2.5),
        ("COMPOSEKIT_PURGE_BACKOFF", -0.1),
        ("COMPOSEKIT_PURGE_BACKOFF", "1s"),
        ("COMPOSEKIT_PURGE_TIMEOUT", 0),
        ("COMPOSEKIT_PURGE_TIMEOUT", True),
        ("COMPOSEKIT_TAG_HEADERS", "xkey"),
        ("COMPOSEKIT_TAG_HEADERS", ["x key"]),
        ("COMPOSEKIT_TAG_PREFIX", "my shop "),
        ("COMPOSEKIT_TAG_PREFIX", None),
        ("COMPOSEKIT_TAGS_MAX_BYTES", 10),
        ("COMPOSEKIT_PURGED_MAX_AGE", 0),
        ("COMPOSEKIT_PURGED_MAX_AGE", "86400"),
    ],
)
def test_e005_invalid_settings(setting: str, value: object) -> None:
    with override_settings(**{setting: value}):
        [message] = [m for m in checks.run_checks() if m.id == "composekit.E005"]
    assert message.msg == f"{setting} = {value!r} is invalid."
    assert message.hint is not None and message.hint.startswith(f"{setting} must be")


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("COMPOSEKIT_MODE", "client"),
        ("COMPOSEKIT_MODE", "esi"),
        ("COMPOSEKIT_MODE", "stream"),
        ("COMPOSEKIT_STREAM_THREADS", 1),
        ("COMPOSEKIT_STREAM_TIMEOUT", 2.5),
        ("COMPOSEKIT_CACHE", "default"),
        ("COMPOSEKIT_LAZY_MARGIN", "0px 0px 50% 0px"),
        ("COMPOSEKIT_ALLOWED_ORIGINS", ["https://a.example", "http://127.0.0.1:8001"]),
        ("COMPOSEKIT_TIMEOUT", 3000),
        ("COMPOSEKIT_FRAGMENT_ORIGIN", "https://fragments.example.com"),
        ("COMPOSEKIT_IDENTITY_COOKIE", "__Host-who"),
        ("COMPOSEKIT_IDENTITY_COOKIE", None),
        ("COMPOSEKIT_LOCATE_TOUCHES", False),
        ("COMPOSEKIT_INLINE_CARRY", ["tenant", "site"]),
        ("COMPOSEKIT_GENERATION_COOKIE", None),
        ("COMPOSEKIT_BATCH", False),
        ("COMPOSEKIT_BATCH_MAX_PARTS", 2),
        ("COMPOSEKIT_LIVE_TABS", ["cart:changed", "wish.list-2"]),
        ("COMPOSEKIT_LIVE_COALESCE", 0),
        ("COMPOSEKIT_ROBOTS_TAG", "noindex, nofollow"),
        ("COMPOSEKIT_ROBOTS_TAG", None),
        ("COMPOSEKIT_PURGE_RETRIES", 0),
        ("COMPOSEKIT_PURGE_BACKOFF", 0),
        ("COMPOSEKIT_PURGE_TIMEOUT", 0.5),
        ("COMPOSEKIT_TAG_HEADERS", ["xkey", "Surrogate-Key", "Cache-Tag"]),
        ("COMPOSEKIT_TAG_PREFIX", "shop-"),
        ("COMPOSEKIT_TAGS_MAX_BYTES", 8000),
        ("COMPOSEKIT_PURGED_MAX_AGE", 3600),
        (
            "COMPOSEKIT_PURGE_BACKENDS",
            [
                {"BACKEND": "composekit.purge.Varnish", "OPTIONS": {"urls": ["http://10.0.0.5:6081/"]}},
                {"BACKEND": "composekit.purgers.Fastly", "OPTIONS": {"service_id": "S", "token": "t"}},
                {"BACKEND": "composekit.purge.Cloudflare", "OPTIONS": {"zone_id": "Z", "token": "t"}},
            ],
        ),
    ],
)
def test_valid_settings_pass(setting: str, value: object) -> None:
    assert ids(**{setting: value}) == []


VARNISH = "composekit.purge.Varnish"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (VARNISH, f"COMPOSEKIT_PURGE_BACKENDS = {VARNISH!r} is not a list of dicts."),
        (
            [VARNISH],
            f'COMPOSEKIT_PURGE_BACKENDS entry {VARNISH!r} is not a dict with a "BACKEND" dotted path.',
        ),
        (
            [{"BACKEND": "nowhere.Varnish"}],
            "COMPOSEKIT_PURGE_BACKENDS entry {'BACKEND': 'nowhere.Varnish'}: cannot import 'nowhere.Varnish' "
            "(No module named 'nowhere').",
        ),
        (
            [{"BACKEND": "composekit.conf.Settings"}],
            "COMPOSEKIT_PURGE_BACKENDS entry {'BACKEND': 'composekit.conf.Settings'}: "
            "'composekit.conf.Settings' is not a PurgeBackend subclass.",
        ),
        (
            [{"BACKEND": VARNISH, "OPTIONS": ["http://v/"]}],
            f"COMPOSEKIT_PURGE_BACKENDS entry {{'BACKEND': {VARNISH!r}, 'OPTIONS': ['http://v/']}}: "
            "OPTIONS must be a dict of keyword arguments.",
        ),
        (
            [{"BACKEND": VARNISH, "OPTIONS": {"url": "http://v/"}}],
            f"COMPOSEKIT_PURGE_BACKENDS entry {{'BACKEND': {VARNISH!r}, 'OPTIONS': {{'url': 'http://v/'}}}}: "
            "Varnish refused its OPTIONS (Varnish.__init__() got an unexpected keyword argument 'url'); "
            "it takes urls, soft=True.",
        ),
        (
            [{"BACKEND": "composekit.purge.Fastly", "OPTIONS": {"service_id": "S"}}],
            "COMPOSEKIT_PURGE_BACKENDS entry {'BACKEND': 'composekit.purge.Fastly', 'OPTIONS': {'service_id': 'S'}}: "
            "Fastly refused its OPTIONS (Fastly.__init__() missing 1 required positional argument: 'token'); "
            "it takes service_id, token, soft=True, api='https://api.fastly.com'.",
        ),
        (
            [{"BACKEND": VARNISH, "OPTIONS": {"urls": "http://v/"}}],
            f"COMPOSEKIT_PURGE_BACKENDS entry {{'BACKEND': {VARNISH!r}, 'OPTIONS': {{'urls': 'http://v/'}}}}: "
            "Varnish refused its OPTIONS (urls must be a list of http(s) URLs of Varnish nodes, not 'http://v/'); "
            "it takes urls, soft=True.",
        ),
    ],
)
def test_e008_purge_backends_malformed(value: object, message: str) -> None:
    with override_settings(COMPOSEKIT_PURGE_BACKENDS=value):
        assert ids() == ["composekit.E008"]
        [error] = [m for m in checks.run_checks() if m.id == "composekit.E008"]
    assert error.msg == message
    assert error.hint is not None and error.hint.startswith(
        'Each entry is {"BACKEND": "composekit.purge.Varnish"'
    )


def test_e008_one_error_per_bad_entry() -> None:
    good = {"BACKEND": VARNISH, "OPTIONS": {"urls": ["http://v/"]}}
    value = [good, {"BACKEND": VARNISH}, good, {"BACKEND": "x.Y"}]
    with override_settings(COMPOSEKIT_PURGE_BACKENDS=value):
        assert [m.id for m in checks.run_checks() if m.id == "composekit.E008"] == ["composekit.E008"] * 2


def test_e007_server_cache_that_is_not_a_server_cache(throwaway: list[str]) -> None:
    @register
    class Minutes(Fragment):
        name = "server-cache-minutes"
        template_name = "testapp/hello.html"
        server_cache = 60  # type: ignore[assignment]

    throwaway.append("server-cache-minutes")
    [message] = [m for m in checks.run_checks() if m.id == "composekit.E007"]
    assert message.msg == "Fragment 'server-cache-minutes' has server_cache = 60, not a ServerCache."
    assert message.obj is Minutes


def test_w001_public_fragment_that_authenticates(throwaway: list[str]) -> None:
    from rest_framework.authentication import SessionAuthentication

    @register
    class PublicAuth(Fragment):
        name = "public-auth"
        template_name = "testapp/hello.html"
        cache = CachePolicy.public(max_age=60)
        authentication_classes = [SessionAuthentication]  # noqa: RUF012

    throwaway.append("public-auth")
    assert ids() == ["composekit.W001"]


def test_w002_composekit_middleware_missing() -> None:
    from django.conf import settings

    without = [m for m in settings.MIDDLEWARE if m != "composekit.middleware.ComposekitMiddleware"]
    assert ids(MIDDLEWARE=without) == ["composekit.W002"]
    with override_settings(MIDDLEWARE=without):
        [message] = [m for m in checks.run_checks() if m.id == "composekit.W002"]
    assert message.msg == (
        "composekit.middleware.ComposekitMiddleware is not in MIDDLEWARE: after a logout or login, "
        "open tabs keep showing the previous person's fragments; fragments the browser keeps do "
        "not notice the user's own changes."
    )
    assert message.hint == (
        'Add "composekit.middleware.ComposekitMiddleware" to MIDDLEWARE, below any caching '
        "middleware; see docs/checks.md."
    )
    with override_settings(MIDDLEWARE=without, COMPOSEKIT_MODE="inline", COMPOSEKIT_IDENTITY_COOKIE=None):
        [message] = [m for m in checks.run_checks() if m.id == "composekit.W002"]
    assert message.msg.endswith(
        "fragments the browser keeps do not notice the user's own changes; "
        "the cookies and Vary of inline fragments never reach the page."
    )
    # Doing without what it does silences it.
    off = {"COMPOSEKIT_IDENTITY_COOKIE": None, "COMPOSEKIT_GENERATION_COOKIE": None}
    assert ids(MIDDLEWARE=without, **off) == []
    assert ids(MIDDLEWARE=without, COMPOSEKIT_MODE="inline", **off) == ["composekit.W002"]
    with override_settings(MIDDLEWARE=without, COMPOSEKIT_MODE="stream", **off):
        [message] = [m for m in checks.run_checks() if m.id == "composekit.W002"]
    assert message.msg == (
        "composekit.middleware.ComposekitMiddleware is not in MIDDLEWARE: "
        'pages are not streamed although COMPOSEKIT_MODE is "stream".'
    )


def test_e006_esi_middleware_missing_in_esi_mode() -> None:
    from django.conf import settings

    without = [m for m in settings.MIDDLEWARE if m != "composekit.middleware.ComposekitMiddleware"]
    assert ids(MIDDLEWARE=without) == ["composekit.W002"]  # client mode: a warning, not E006
    assert ids(MIDDLEWARE=without, COMPOSEKIT_MODE="esi") == ["composekit.E006"]
    with override_settings(MIDDLEWARE=without, COMPOSEKIT_MODE="esi"):
        [message] = [m for m in checks.run_checks() if m.id == "composekit.E006"]
    assert message.msg.startswith("composekit.middleware.ComposekitMiddleware is not in MIDDLEWARE while")
    assert "docs/esi.md" in (message.hint or "")
    assert ids(COMPOSEKIT_MODE="esi") == []


def test_register_refuses_bad_names_and_non_fragments() -> None:
    from django.core.exceptions import ImproperlyConfigured

    class BadName(Fragment):
        name = "Cart_Summary"

    with pytest.raises(ImproperlyConfigured, match=r"BadName.name must be lowercase letters, digits"):
        register(BadName)

    class Inherited(BadName):
        pass  # a name is not inherited: each registered class names itself

    with pytest.raises(ImproperlyConfigured, match="not None"):
        register(Inherited)
    with pytest.raises(ImproperlyConfigured, match="@register takes a Fragment subclass"):
        register(object)  # type: ignore[type-var]


def test_fragments_modules_are_autodiscovered() -> None:
    assert registry.get("hello") is not None
    assert sorted(registry.all_fragments())[:3] == ["bad-dependency", "boom", "cached-form"]


@pytest.mark.slow  # a manage.py subprocess
def test_manage_py_check_runs_the_checks(tmp_path: Any) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"],
        env={
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "PYTHONPATH": ".",
            "COMPOSEKIT_TEST_BAD_MODE": "1",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "composekit.E005" in result.stderr
    assert "COMPOSEKIT_MODE = 'bogus' is invalid." in result.stderr


def test_w004_long_shared_lifetime_with_nothing_to_purge_it(throwaway: list[str]) -> None:
    @register
    class Forever(Fragment):
        name = "forever"
        cache = CachePolicy.public(max_age=60, s_maxage=86400)

    throwaway.append("forever")
    from composekit import shell

    @shell.cacheable_shell(max_age=7200)
    def long_lived_shell(request: Any) -> Any:
        raise AssertionError("never called")

    try:
        messages = [m for m in checks.run_checks() if m.id == "composekit.W004"]
        assert [m.msg for m in messages] == [
            "The fragment 'forever' is kept by shared caches for 86400 s, and no purge backend is "
            "configured: a change shows only when that copy expires.",
            f"The shell {long_lived_shell.__module__}.{long_lived_shell.__qualname__} is kept by shared "
            "caches for 7200 s, and no purge backend is configured: a change shows only when that "
            "copy expires.",
        ]
        assert messages[0].obj is Forever
        # An hour is not long; with a purge backend nothing is.
        purging = [{"BACKEND": VARNISH, "OPTIONS": {"urls": ["http://127.0.0.1:9"]}}]
        assert ids(COMPOSEKIT_PURGE_BACKENDS=purging) == []
    finally:
        shell._DECLARED.pop(f"{long_lived_shell.__module__}.{long_lived_shell.__qualname__}")


GUARD = "composekit.shell.ShellGuardMiddleware"


def test_w005_shells_declared_without_the_guard_middleware() -> None:
    from django.conf import settings

    from composekit import shell

    # The test project's URLconf declares shells (tests/shells/) and leaves the guard out.
    assert shell.declared_shells()
    assert ids(SILENCED_SYSTEM_CHECKS=[]) == ["composekit.W005"]
    with override_settings(SILENCED_SYSTEM_CHECKS=[]):
        [message] = [m for m in checks.run_checks() if m.id == "composekit.W005"]
    names = sorted(s.name for s in shell.declared_shells())
    assert message.msg == (
        f"{GUARD} is not in MIDDLEWARE, and cacheable shells are declared ({', '.join(names[:3])} and "
        f"{len(names) - 3} more): a session cookie or Vary: Cookie that middleware adds after a "
        "shell's view would leave marked public, for shared caches to keep."
    )
    assert message.hint == (
        f'Add "{GUARD}" to MIDDLEWARE, above (before) the session, CSRF and messages middleware; '
        "see docs/shells.md."
    )
    # With the guard in place, nothing to say.
    guarded = [GUARD, *settings.MIDDLEWARE]
    assert ids(SILENCED_SYSTEM_CHECKS=[], MIDDLEWARE=guarded) == []


def test_w005_names_every_shell_when_there_are_few(monkeypatch: pytest.MonkeyPatch) -> None:
    from composekit import shell

    @shell.cacheable_shell(max_age=60)
    def lonely_shell(request: Any) -> Any:
        raise AssertionError("never called")

    name = f"{lonely_shell.__module__}.{lonely_shell.__qualname__}"
    monkeypatch.setattr(shell, "_DECLARED", {name: shell._DECLARED.pop(name)})
    with override_settings(SILENCED_SYSTEM_CHECKS=[]):
        [message] = [m for m in checks.run_checks() if m.id == "composekit.W005"]
    assert message.msg.startswith(
        f"{GUARD} is not in MIDDLEWARE, and cacheable shells are declared ({name}):"
    )
    # No shell declared: no warning, whatever the middleware.
    monkeypatch.setattr(shell, "_DECLARED", {})
    assert ids(SILENCED_SYSTEM_CHECKS=[]) == []


def test_stream_mode_with_gzip_middleware_warns() -> None:
    from tests.settings import MIDDLEWARE

    gzip = ["django.middleware.gzip.GZipMiddleware", *MIDDLEWARE]
    assert ids(MIDDLEWARE=gzip, COMPOSEKIT_MODE="stream") == ["composekit.W006"]
    assert ids(MIDDLEWARE=gzip, COMPOSEKIT_MODE="client") == []
    assert ids(COMPOSEKIT_MODE="stream") == []
    with override_settings(MIDDLEWARE=gzip, COMPOSEKIT_MODE="stream"):
        [message] = [m for m in checks.run_checks() if m.id == "composekit.W006"]
    assert message.msg.startswith('COMPOSEKIT_MODE is "stream" and django.middleware.gzip.GZipMiddleware')
    assert message.hint is not None and "docs/streaming.md" in message.hint
