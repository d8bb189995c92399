"""composekit/jinja2.py: the same page through Django templates and Jinja2, byte for byte."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import TemplateSyntaxError, engines
from django.template.loader import render_to_string
from django.test import RequestFactory, override_settings
from jinja2 import TemplateSyntaxError as JinjaSyntaxError

from composekit.render import fragment_url

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).resolve().parent / "golden"
CONTEXT = {"who": "Ada & <Bob>", "rows": ["a", "b"], "url": None}


@pytest.fixture
def page(rf: RequestFactory) -> Any:
    request = rf.get("/page/")
    request.user = AnonymousUser()
    request.session = {}  # type: ignore[assignment]
    request.csp_nonce = "n0nce"  # type: ignore[attr-defined]
    return request


def both(request: Any) -> tuple[str, str]:
    context = {**CONTEXT, "url": fragment_url("hello", who="url")}
    django = render_to_string("testapp/golden.html", context, request=request)
    jinja = engines["jinja2"].get_template("golden.html").render(context, request)
    return django, jinja


@pytest.mark.parametrize("mode", ["client", "inline"])
def test_jinja2_renders_the_same_bytes_as_the_django_tags(page: Any, mode: str) -> None:
    with override_settings(COMPOSEKIT_MODE=mode):
        django, jinja = both(page)
    assert jinja == django
    # And both are the page the contract promises (CK_GOLDEN=write rewrites the files).
    golden = GOLDEN / f"page-{mode}.html"
    if os.environ.get("CK_GOLDEN") == "write":
        golden.write_text(django)
    assert django == golden.read_text()


def test_the_golden_page_covers_every_form(page: Any) -> None:
    with override_settings(COMPOSEKIT_MODE="inline"):
        html = both(page)[0]
    for piece in (
        'nonce="n0nce"',
        'state="loaded">Hello anonymous from Ada &amp; &lt;Bob&gt;</ck-fragment>',
        'loading="lazy" timeout="2500" public="" state="loaded">',
        'batch="off" state="loaded">',
        'refresh-on="news:changed site:changed" refresh-every="30s" state="loaded">',
        "composekit-live.min.js",
        'state="error"><b>failed for Ada &amp; &lt;Bob&gt;</b><template data-ck-error>',
        'state="error"><a href="/login/">Members</a></ck-fragment>',
        'data-ck-state="loaded"><td>a</td><td>cell</td></tr>',
        'data-ck-state="loaded">tea &amp; cake (live)</option>',
        'state="loaded">Hello anonymous from outer</ck-fragment></div></ck-fragment>',
    ):
        assert piece in html, piece


def test_syntax_errors_say_what_to_write() -> None:
    env = engines["jinja2"].env  # type: ignore[attr-defined]
    for source, message in (
        ("{% fragment %}{% endfragment %}", "{% fragment %} needs the fragment's name"),
        ('{% fragment "hello" who %}{% endfragment %}', "{% fragment %}: 'who' is not a keyword argument"),
        ('{% fragment "hello" a=1, a=2 %}{% endfragment %}', "{% fragment %}: param 'a' is given twice"),
    ):
        with pytest.raises(JinjaSyntaxError) as caught:
            env.from_string(source)
        assert str(caught.value).startswith(message)


def test_render_errors_are_the_django_tags_errors() -> None:
    template = engines["jinja2"].from_string('{% fragment "nope" %}{% endfragment %}')
    with pytest.raises(TemplateSyntaxError, match='fragment "nope" %}: no fragment is registered'):
        template.render({})
    template = engines["jinja2"].from_string('{% fragment "hello" as="div" %}{% endfragment %}')
    with pytest.raises(TemplateSyntaxError, match="as='div' is not an element a placeholder can be"):
        template.render({})
    template = engines["jinja2"].from_string('{{ fragment_url("nope", who="x") }}')
    with pytest.raises(TemplateSyntaxError, match=r'^fragment_url\("nope"\): no fragment is registered'):
        template.render({})


def test_script_without_a_request() -> None:
    assert engines["jinja2"].from_string("{{ composekit_script() }}").render({}) == (
        '<script src="/static/composekit/composekit.min.js" data-max-depth="5" '
        'data-batch-url="/_composekit/_batch/"></script>'
    )


def test_depends_on_is_the_django_tags(page: Any) -> None:
    django = engines["django"].from_string('{% load composekit %}a{% depends_on "item" 7 %}b')
    jinja = engines["jinja2"].from_string('a{{ depends_on("item", 7) }}b{{ depends_on("items") }}')
    assert django.render({}, page) == "ab"
    assert jinja.render({}, page) == "ab"
    assert page._composekit_depends_on == ["item=7", "item=7", "items"]
    from jinja2.exceptions import TemplateRuntimeError

    with pytest.raises(TemplateRuntimeError, match="depends_on\\(\\) needs the request"):
        engines["jinja2"].from_string('{{ depends_on("items") }}').render({})
