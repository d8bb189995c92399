"""Exact HTML of both tags, in both modes."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.template import Template, TemplateSyntaxError
from django.test import RequestFactory, override_settings

from composekit.render import fragment_url
from tests.pages import page_request, render

pytestmark = pytest.mark.django_db


def src(name: str, **params: Any) -> str:
    return fragment_url(name, **params)


# -- {% composekit_script %} ----------------------------------------------------


def test_script_tag() -> None:
    assert render("{% composekit_script %}") == (
        '<script src="/static/composekit/composekit.min.js" data-max-depth="5" '
        'data-batch-url="/_composekit/_batch/"></script>'
    )


@override_settings(DEBUG=True)
def test_under_debug_the_debug_script_follows_the_loader() -> None:
    assert render("{% composekit_script live %}", csp_nonce="n0nce") == (
        '<script src="/static/composekit/composekit.min.js" data-max-depth="5" '
        'data-batch-url="/_composekit/_batch/" nonce="n0nce"></script>'
        '<script src="/static/composekit/composekit-debug.min.js" nonce="n0nce"></script>'
        '<script src="/static/composekit/composekit-live.min.js" nonce="n0nce"></script>'
    )


@override_settings(
    COMPOSEKIT_BATCH=False, COMPOSEKIT_GENERATION_COOKIE="gen", COMPOSEKIT_IDENTITY_COOKIE=None
)
def test_script_tag_without_batching_and_with_another_generation_cookie() -> None:
    assert render("{% composekit_script %}") == (
        '<script src="/static/composekit/composekit.min.js" data-max-depth="5" data-generation-cookie="gen"></script>'
    )


@override_settings(
    COMPOSEKIT_TIMEOUT=5000,
    COMPOSEKIT_RETRIES=1,
    COMPOSEKIT_LAZY_MARGIN="300px",
    COMPOSEKIT_MAX_DEPTH=3,
    COMPOSEKIT_ALLOWED_ORIGINS=["https://a.example", "https://b.example"],
    COMPOSEKIT_ALLOW_SCRIPTS=True,
)
def test_script_tag_carries_the_config() -> None:
    assert render("{% composekit_script %}", csp_nonce="n0nce") == (
        '<script src="/static/composekit/composekit.min.js" data-timeout="5000" data-retries="1" '
        'data-lazy-margin="300px" data-max-depth="3" '
        'data-allowed-origins="https://a.example https://b.example" data-allow-scripts="true" '
        'data-batch-url="/_composekit/_batch/" nonce="n0nce"></script>'
    )


def test_script_tag_takes_the_nonce_from_the_request(rf: RequestFactory) -> None:
    request = page_request(rf)
    request.csp_nonce = "from-request"  # type: ignore[attr-defined]
    assert 'nonce="from-request"' in render("{% composekit_script %}", request)


@override_settings(
    STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
)
def test_script_tag_uses_hashed_static_names(tmp_path: Any) -> None:
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command
    from django.utils.functional import empty

    with override_settings(STATIC_ROOT=tmp_path):
        staticfiles_storage._wrapped = empty  # type: ignore[attr-defined]  # re-read STATIC_ROOT and STORAGES
        call_command("collectstatic", interactive=False, verbosity=0)
        html = render("{% composekit_script %}")
    staticfiles_storage._wrapped = empty  # type: ignore[attr-defined]
    assert html.startswith('<script src="/static/composekit/composekit.min.')
    assert ".min.js" not in html  # the hashed name: composekit.min.<hash>.js


# -- {% fragment %} in client mode ------------------------------------------------


def test_fragment_client_mode() -> None:
    html = render(
        '{% fragment "hello" who=name loading="lazy" %}<a href="/x/">Hi</a>{% endfragment %}', name="ada"
    )
    assert html == (
        f'<ck-fragment name="hello" src="{src("hello", who="ada")}" loading="lazy">'
        '<a href="/x/">Hi</a></ck-fragment>'
    )


def test_fragment_without_params_or_fallback() -> None:
    assert render('{% fragment "hello" %}{% endfragment %}') == (
        f'<ck-fragment name="hello" src="{src("hello")}"></ck-fragment>'
    )


def test_fragment_timeout_and_variable_name() -> None:
    assert render("{% fragment frag timeout=2500 %}x{% endfragment %}", frag="news") == (
        f'<ck-fragment name="news" src="{src("news")}" timeout="2500" public="">x</ck-fragment>'
    )


def test_src_escapes_nothing_it_should_not() -> None:
    html = render('{% fragment "hello" q=q %}{% endfragment %}', q='"><script>')
    assert "<script>" not in html
    assert src("hello", q='"><script>') in html


@pytest.mark.parametrize(
    ("source", "context", "message"),
    [
        (
            '{% fragment "nope" %}{% endfragment %}',
            {},
            '{% fragment "nope" %}: no fragment is registered under this name',
        ),
        (
            '{% fragment "hello" when=when %}{% endfragment %}',
            {"when": object()},
            "{% fragment \"hello\" %}: param 'when' has unsupported type object",
        ),
        (
            '{% fragment "hello" loading="soon" %}{% endfragment %}',
            {},
            '{% fragment "hello" %}: loading must be "eager" or "lazy", not \'soon\'',
        ),
        (
            '{% fragment "hello" timeout="5" %}{% endfragment %}',
            {},
            '{% fragment "hello" %}: timeout must be a whole number of milliseconds > 0',
        ),
        (
            '{% fragment "hello" timeout=0 %}{% endfragment %}',
            {},
            '{% fragment "hello" %}: timeout must be a whole number of milliseconds > 0',
        ),
        (
            '{% fragment "hello" big=big %}{% endfragment %}',
            {"big": "x" * 3000},
            '{% fragment "hello" %}: the signed params are',
        ),
    ],
)
def test_render_errors_name_tag_fragment_and_param(
    source: str, context: dict[str, Any], message: str
) -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        render(source, **context)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{% fragment %}{% endfragment %}", "{% fragment %} needs the fragment's name"),
        ('{% fragment "hello" who %}{% endfragment %}', "{% fragment \"hello\" %}: 'who' is not a keyword"),
        (
            '{% fragment "hello" a=1 a=2 %}{% endfragment %}',
            "{% fragment \"hello\" %}: param 'a' is given twice",
        ),
    ],
)
def test_syntax_errors(source: str, message: str) -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        Template("{% load composekit %}" + source)
    assert str(caught.value).startswith(message)


# -- {% fragment %} in inline mode ------------------------------------------------


@override_settings(COMPOSEKIT_MODE="inline")
def test_fragment_inline_mode(rf: RequestFactory) -> None:
    html = render(
        '{% fragment "hello" who="tag" loading="lazy" %}<i>fallback</i>{% endfragment %}', page_request(rf)
    )
    assert html == (
        f'<ck-fragment name="hello" src="{src("hello", who="tag")}" loading="lazy" state="loaded">'
        "Hello anonymous from tag</ck-fragment>"
    )


@override_settings(COMPOSEKIT_MODE="inline")
def test_inline_needs_the_request() -> None:
    with pytest.raises(TemplateSyntaxError, match="inline mode needs the request"):
        render('{% fragment "hello" %}{% endfragment %}')


def test_inline_is_the_default_under_debug(rf: RequestFactory) -> None:
    source = '{% fragment "hello" %}f{% endfragment %}'
    with override_settings(DEBUG=True):
        assert 'state="loaded">Hello anonymous<' in render(source, page_request(rf))
    with override_settings(DEBUG=False):
        assert render(source, page_request(rf)).endswith('">f</ck-fragment>')


@override_settings(COMPOSEKIT_MODE="inline")
def test_inline_sees_the_logged_in_user(rf: RequestFactory, django_user_model: type[User]) -> None:
    user = django_user_model.objects.create_user("ada")
    html = render('{% fragment "hello" %}{% endfragment %}', page_request(rf, user=user))
    assert ">Hello ada</ck-fragment>" in html


@override_settings(COMPOSEKIT_FRAGMENT_ORIGIN="https://fragments.example.com")
def test_fragment_origin_makes_src_absolute_and_allowed() -> None:
    html = render('{% fragment "hello" %}f{% endfragment %}')
    assert html == (
        '<ck-fragment name="hello" src="https://fragments.example.com/_composekit/hello/?p='
        + src("hello").split("?p=")[1]
        + '">f</ck-fragment>'
    )
    assert 'data-allowed-origins="https://fragments.example.com"' in render("{% composekit_script %}")


@override_settings(
    COMPOSEKIT_FRAGMENT_ORIGIN="https://fragments.example.com",
    COMPOSEKIT_ALLOWED_ORIGINS=["https://a.example", "https://fragments.example.com"],
)
def test_fragment_origin_is_listed_once() -> None:
    assert 'data-allowed-origins="https://a.example https://fragments.example.com"' in render(
        "{% composekit_script %}"
    )


@override_settings(COMPOSEKIT_FRAGMENT_ORIGIN="https://fragments.example.com", COMPOSEKIT_MODE="inline")
def test_inline_mode_renders_locally_with_a_fragment_origin(rf: RequestFactory) -> None:
    html = render('{% fragment "hello" who="here" %}f{% endfragment %}', page_request(rf))
    assert 'src="https://fragments.example.com/_composekit/hello/?p=' in html
    assert html.endswith('state="loaded">Hello anonymous from here</ck-fragment>')


# -- reserved param names -------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            '{% fragment "hello" request=1 %}{% endfragment %}',
            "{% fragment \"hello\" %}: param 'request' is reserved: Hello.get_context() takes an "
            "argument of this name before the params; rename the param",
        ),
        (
            '{% fragment "hello" self=1 %}{% endfragment %}',
            "{% fragment \"hello\" %}: param 'self' is reserved: Hello.get_context() takes an "
            "argument of this name before the params; rename the param",
        ),
        (
            '{% fragment "renamed-arguments" req=1 %}{% endfragment %}',
            "{% fragment \"renamed-arguments\" %}: param 'req' is reserved: "
            "RenamedArguments.get_context() takes an argument of this name before the params; rename the param",
        ),
        (
            '{% fragment "renamed-arguments" request=1 %}{% endfragment %}',
            "{% fragment \"renamed-arguments\" %}: param 'request' is reserved: "
            "RenamedArguments.get_etag() takes an argument of this name before the params; rename the param",
        ),
    ],
)
def test_params_named_like_an_argument_are_a_clear_error(source: str, message: str) -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        render(source)
    assert str(caught.value) == message


def test_positional_only_arguments_leave_their_names_free() -> None:
    # RenamedArguments.render(this, req, /, **params): "this" can be a param.
    html = render('{% fragment "renamed-arguments" this=1 %}{% endfragment %}')
    assert (
        html
        == f'<ck-fragment name="renamed-arguments" src="{src("renamed-arguments", this=1)}"></ck-fragment>'
    )


def test_tag_attributes_cannot_be_params_from_other_callers() -> None:
    from composekit.render import render_fragment

    with pytest.raises(TemplateSyntaxError) as caught:
        render_fragment(None, "hello", {"timeout": 5})  # as a Jinja2 extension would call it
    assert str(caught.value) == (
        "{% fragment \"hello\" %}: param 'timeout' is reserved: it is an attribute of the "
        "{% fragment %} tag (a param can never take this name); rename the param"
    )
    # fragment_url() refuses the same names: tests/test_render.py.


# -- {% error %}: what a fragment shows when it fails ------------------------------------


def test_error_content_travels_inert_in_the_placeholder() -> None:
    html = render(
        '{% fragment "hello" %}<i>loading</i>{% error %}<b>failed {{ n }}</b>{% endfragment %}', n=2
    )
    assert html == (
        f'<ck-fragment name="hello" src="{src("hello")}"><i>loading</i>'
        "<template data-ck-error><b>failed 2</b></template></ck-fragment>"
    )


@override_settings(COMPOSEKIT_MODE="inline")
def test_inline_failure_shows_the_error_content_as_the_loader_would(rf: RequestFactory) -> None:
    html = render(
        '{% fragment "boom" %}<i>loading</i>{% error %}<b>failed</b>{% endfragment %}', page_request(rf)
    )
    # Just what the loader leaves after a failed load: the error content, the template kept.
    assert html == (
        f'<ck-fragment name="boom" src="{src("boom")}" state="error"><b>failed</b>'
        "<template data-ck-error><b>failed</b></template></ck-fragment>"
    )


@override_settings(COMPOSEKIT_MODE="inline")
def test_inline_success_drops_the_error_content(rf: RequestFactory) -> None:
    html = render('{% fragment "hello" %}f{% error %}<b>failed</b>{% endfragment %}', page_request(rf))
    assert (
        html == f'<ck-fragment name="hello" src="{src("hello")}" state="loaded">Hello anonymous</ck-fragment>'
    )


def test_a_second_error_part_is_a_syntax_error() -> None:
    with pytest.raises(TemplateSyntaxError, match="expected 'endfragment'"):
        Template('{% load composekit %}{% fragment "hello" %}a{% error %}b{% error %}c{% endfragment %}')


# -- as="tr": the attribute form, for places a <ck-fragment> cannot go ------------------------


def test_attribute_form_in_client_mode() -> None:
    html = render(
        '{% fragment "news" as="tr" loading="lazy" timeout=900 %}<td>…</td>{% error %}<td>x</td>{% endfragment %}'
    )
    assert html == (
        f'<tr data-ck-name="news" data-ck-src="{src("news")}" data-ck-loading="lazy" data-ck-timeout="900" '
        'data-ck-public=""><td>…</td><template data-ck-error><td>x</td></template></tr>'
    )


@override_settings(COMPOSEKIT_MODE="inline")
def test_attribute_form_in_inline_mode(rf: RequestFactory) -> None:
    html = render('{% fragment "slow-alone" who="row" as="li" %}…{% endfragment %}', page_request(rf))
    assert html == (
        f'<li data-ck-name="slow-alone" data-ck-src="{src("slow-alone", who="row")}" data-ck-batch="off" '
        'data-ck-state="loaded">Hello anonymous</li>'
    )
    failed = render('{% fragment "boom" as="option" %}…{% endfragment %}', page_request(rf))
    assert (
        failed == f'<option data-ck-name="boom" data-ck-src="{src("boom")}" data-ck-state="error">…</option>'
    )


def test_attribute_form_names_the_elements_it_takes() -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        render('{% fragment "hello" as="div" %}{% endfragment %}')
    assert str(caught.value) == (
        "{% fragment \"hello\" %}: as='div' is not an element a placeholder can be; use one of "
        "tr, tbody, thead, tfoot, td, th, li, option, optgroup (or leave as= out for <ck-fragment>)"
    )
