"""The loader under a strict Content Security Policy with Trusted Types."""

from __future__ import annotations

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from tests.browser.conftest import Loader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_strict_policy_and_trusted_types_with_zero_violations(loader: Loader) -> None:
    page = loader.open(
        '<ck-fragment id="a" src="/loader/f/ok/?text=plain">f</ck-fragment>'
        '<ck-fragment id="b" src="/loader/f/nest/?text=outer&amp;child=/loader/f/ok/?text=inner">f</ck-fragment>'
        '<ck-fragment id="c" allow-scripts src="/loader/f/script/?text=nonced">f</ck-fragment>'
        '<ck-fragment id="d" src="/loader/f/script/?text=inert">f</ck-fragment>'
        '<div id="real">{% fragment "hello" who="csp" %}...{% endfragment %}</div>',
        query="?csp=1",
    )
    for fragment_id in "abcd":
        expect(page.locator(f"#{fragment_id}")).to_have_attribute("state", "loaded")
    expect(page.locator("#b ck-fragment")).to_have_attribute("state", "loaded")
    expect(page.locator("#real ck-fragment")).to_have_text("Hello anonymous from csp")
    page.evaluate("document.getElementById('a').reload()")
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    # The allowed script ran because the loader gave it the page's nonce; the other stayed inert.
    assert page.evaluate("window.ranFragmentScript") == "nonced"
    assert page.evaluate("cspViolations") == []
    # The policy is really enforced: raw innerHTML is refused by Trusted Types.
    assert page.evaluate(
        "() => { try { document.body.innerHTML += '<b>x</b>'; } catch (e) { return e.name; } }"
    ) == ("TypeError")
    page.wait_for_function("cspViolations.length === 1")
    assert page.evaluate("cspViolations")[0].startswith("require-trusted-types-for ")


def test_the_policy_blocks_inline_scripts_without_the_nonce(loader: Loader) -> None:
    page = loader.open("<script>window.sneaky = 1</script>", query="?csp=1")
    page.wait_for_function("cspViolations.length === 1")
    assert page.evaluate("window.sneaky") is None
    assert page.evaluate("cspViolations")[0].startswith("script-src-elem inline")


@override_settings(COMPOSEKIT_ALLOW_SCRIPTS=True)
def test_nonce_reaches_the_loader_from_the_template_context(loader: Loader) -> None:
    page = loader.open(
        '<ck-fragment id="a" src="/loader/f/script/?text=global">f</ck-fragment>', query="?csp=1"
    )
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    assert page.evaluate("window.ranFragmentScript") == "global"
    assert page.evaluate("composekit.config.nonce") != ""
    assert page.evaluate("cspViolations") == []
