"""Cache tags on shareable responses (composekit/tags.py), the fragments' and the shells'."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings

from composekit import tags
from composekit.signing import sign_params

VARNISH = {"BACKEND": "composekit.purge.Varnish", "OPTIONS": {"urls": ["http://127.0.0.1:9"]}}
FASTLY = {"BACKEND": "composekit.purge.Fastly", "OPTIONS": {"service_id": "svc", "token": "t"}}
CLOUDFLARE = {"BACKEND": "composekit.purge.Cloudflare", "OPTIONS": {"zone_id": "zone", "token": "t"}}
TAG_HEADERS = ("xkey", "Surrogate-Key", "Cache-Tag")


def url(name: str, **params: Any) -> str:
    return f"/_composekit/{name}/?p={sign_params(name, params)}"


def fragment(client: Client, name: str, **params: Any) -> HttpResponse:
    response: HttpResponse = client.get(url(name, **params))  # type: ignore[assignment]
    return response


def test_a_tag_is_the_label_with_a_colon() -> None:
    assert tags.tag("product=CK-3005") == "product:CK-3005"
    assert tags.tag("products") == "products"
    assert tags.tag("price=eu.7") == "price:eu.7"


@override_settings(COMPOSEKIT_TAG_PREFIX="shop-")
def test_the_prefix_comes_first() -> None:
    assert tags.tag("product=7") == "shop-product:7"
    assert tags.response_tags(["product=7"]) == ["shop-composekit", "shop-product:7"]
    assert tags.purge_tags(["product=7"]) == ["shop-product:7", "shop-product"]


def test_a_change_purges_its_own_tag_and_its_names() -> None:
    # The name's tag reaches the responses whose tags were broadened to fit the header.
    assert tags.purge_tags(["product=CK-1", "products", "product=CK-2", "product=CK-1"]) == [
        "product:CK-1",
        "product",
        "products",
        "product:CK-2",
    ]


def test_response_tags_are_sorted_unique_and_carry_the_site_tag() -> None:
    assert tags.response_tags(["products", "product=b", "product=a", "products"]) == [
        "composekit",
        "product:a",
        "product:b",
        "products",
    ]
    assert tags.response_tags([]) == ["composekit"]


@override_settings(COMPOSEKIT_TAGS_MAX_BYTES=60)
def test_past_the_bound_the_name_with_most_ids_is_tagged_by_name() -> None:
    labels = [f"product=CK-{n}" for n in range(6)] + ["user=1", "user=2", "shelf=9"]
    # 6 products: 6 x 14 bytes alone pass 60; the 2 users and the shelf fit beside "product".
    assert tags.response_tags(labels) == ["composekit", "product", "shelf:9", "user:1", "user:2"]


@override_settings(COMPOSEKIT_TAGS_MAX_BYTES=30)
def test_past_the_bound_even_by_name_there_are_no_tags() -> None:
    assert tags.response_tags(["aaaaaaaaaa=1", "bbbbbbbbbb=1", "cccccccccc=1"]) is None


def test_without_headers_configured_nothing_is_tagged(client: Client) -> None:
    response = fragment(client, "priced", sku="a1")
    assert response.status_code == 200
    assert not [h for h in TAG_HEADERS if h in response]
    assert response["Cache-Control"] == "public, max-age=5, s-maxage=10, stale-while-revalidate=30"


@override_settings(COMPOSEKIT_TAG_HEADERS=["xkey", "Cache-Tag"])
def test_a_public_fragment_carries_its_tags_in_each_header(client: Client) -> None:
    response = fragment(client, "priced", sku="a 1")
    assert response["xkey"] == "composekit item:a%201 items"
    assert response["Cache-Tag"] == "composekit,item:a%201,items"
    # Tags alone purge nothing: without a purge backend the short lifetime stays.
    assert response["Cache-Control"] == "public, max-age=5, s-maxage=10, stale-while-revalidate=30"
    revalidated = client.get(url("priced", sku="a 1"), HTTP_IF_NONE_MATCH=response["ETag"])
    assert revalidated.status_code == 304
    assert revalidated["xkey"] == "composekit item:a%201 items"  # Varnish keeps the 304's headers


@override_settings(COMPOSEKIT_TAG_HEADERS=["xkey"])
def test_private_and_downgraded_fragments_are_never_tagged(client: Client) -> None:
    private = fragment(client, "priced-privately", sku="a1")
    assert private["Cache-Control"] == "private, max-age=5"
    assert "xkey" not in private
    leaky = fragment(client, "leaky-public")  # public, but read the session: sent private
    assert leaky["Cache-Control"] == "private, no-cache"
    assert "xkey" not in leaky


@override_settings(COMPOSEKIT_PURGE_BACKENDS=[VARNISH, FASTLY, CLOUDFLARE])
def test_with_purge_backends_their_headers_and_a_long_lifetime(client: Client) -> None:
    response = fragment(client, "priced", sku="a1")
    assert response["xkey"] == "composekit item:a1 items"
    assert response["Surrogate-Key"] == "composekit item:a1 items"
    assert response["Cache-Tag"] == "composekit,item:a1,items"
    assert response["Cache-Control"] == "public, max-age=5, s-maxage=86400, stale-while-revalidate=30"
    with override_settings(COMPOSEKIT_PURGED_MAX_AGE=3600):
        assert fragment(client, "priced", sku="a1")["Cache-Control"] == (
            "public, max-age=5, s-maxage=3600, stale-while-revalidate=30"
        )
    # A fragment that does not ask to be kept until purged keeps its own lifetime, tagged.
    news = fragment(client, "news")
    assert news["xkey"] == "composekit"
    assert news["Cache-Control"] == "public, max-age=60, s-maxage=300, stale-while-revalidate=30"


@override_settings(COMPOSEKIT_PURGE_BACKENDS=[VARNISH], COMPOSEKIT_TAGS_MAX_BYTES=12)
def test_untaggable_keeps_its_short_lifetime_and_says_why(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="composekit"):
        response = fragment(client, "priced", sku="a1")
    assert "xkey" not in response
    assert response["Cache-Control"] == "public, max-age=5, s-maxage=10, stale-while-revalidate=30"
    assert "fragment 'priced' depends on more than COMPOSEKIT_TAGS_MAX_BYTES (12)" in caplog.text


# -- shells -------------------------------------------------------------------------------


@override_settings(COMPOSEKIT_TAG_HEADERS=["xkey"])
def test_a_shell_is_tagged_with_what_it_declares_and_says_while_rendering(client: Client) -> None:
    response = client.get("/shells/tagged/s1/")
    assert response.content == b"<p>Item s1</p>\n"
    assert response["xkey"] == "composekit item:extra-1 item:s1 items"
    assert response["Cache-Control"] == "public, max-age=0, s-maxage=60"
    assert tags.labels_of(response) == ("items", "item=s1", "item=extra-1")
    assert client.get("/shells/tagged-by-callable/s2/")["xkey"] == "composekit item:s2"
    assert client.get("/shells/tagged-class/s3/")["xkey"] == "composekit item:s3"


@override_settings(COMPOSEKIT_PURGE_BACKENDS=[VARNISH])
def test_a_shell_kept_until_purged(client: Client) -> None:
    assert client.get("/shells/tagged/s1/")["Cache-Control"] == "public, max-age=0, s-maxage=86400"
    assert client.get("/shells/tagged-class/s3/")["Cache-Control"] == "public, max-age=0, s-maxage=86400"
    # Not asked for: tagged, with its own lifetime.
    by_callable = client.get("/shells/tagged-by-callable/s2/")
    assert by_callable["Cache-Control"] == "public, max-age=0, s-maxage=60"
    assert by_callable["xkey"] == "composekit item:s2"


@override_settings(COMPOSEKIT_TAG_HEADERS=["xkey"])
def test_an_impure_shell_loses_its_tags(client: Client) -> None:
    response = client.get("/shells/tagged-but-impure/")
    assert response["Cache-Control"] == "private, no-cache"
    assert "xkey" not in response


def test_a_bad_dependency_is_refused_when_declared() -> None:
    from composekit.shell import cacheable_shell, depends_on

    with pytest.raises(ValueError, match="a dependency is a name"):
        cacheable_shell(max_age=0, depends_on=["no spaces"])
    request = Client().get("/shells/page/").wsgi_request
    with pytest.raises(ValueError, match="ids are str or int"):
        depends_on(request, "item", 1.5)  # type: ignore[arg-type]


def test_the_template_tag_needs_the_request() -> None:
    from django.template import Context, Template, TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError, match="needs the request"):
        Template('{% load composekit %}{% depends_on "items" %}').render(Context({}))


@override_settings(COMPOSEKIT_PURGE_BACKENDS=[{"BACKEND": "composekit.purge.Varnish"}])
def test_a_malformed_purge_setting_fails_no_request(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    from composekit import expire

    with caplog.at_level(logging.ERROR, logger="composekit"):
        response = fragment(client, "priced", sku="a1")
        assert expire("item", "a1") is True
    assert response.status_code == 200
    assert "xkey" not in response
    assert response["Cache-Control"] == "public, max-age=5, s-maxage=10, stale-while-revalidate=30"
    assert "no cache tags or purges: COMPOSEKIT_PURGE_BACKENDS entry" in caplog.text


@override_settings(COMPOSEKIT_TAG_HEADERS=["xkey"])
def test_stripping_a_tagged_response_leaves_no_tags() -> None:
    response = HttpResponse()
    assert tags.write(response, ["items"], "a view") is True
    assert (response["xkey"], tags.labels_of(response)) == ("composekit items", ("items",))
    tags.strip(response)
    assert "xkey" not in response
    assert tags.labels_of(response) is None


def test_a_callable_depends_on_with_a_bad_dependency_names_the_shell() -> None:
    from composekit.shell import Shell, shell_cache_control, shell_policy

    shell = Shell("shop.views.catalog", shell_policy(60), lambda request: [("product", 1.5)])
    with pytest.raises(ValueError, match=r"^shell shop.views.catalog: depends_on: dependency 'product': ids"):
        shell.labels(Client().get("/shells/page/").wsgi_request, (), {})
    assert shell_cache_control(60, 300) == "public, max-age=60, s-maxage=300"


@pytest.mark.django_db
def test_expire_purges_its_tag_and_its_name_after_commit(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    from composekit import expire, purge

    sent: list[list[str]] = []
    monkeypatch.setattr(purge, "purge", lambda queued: sent.append(list(queued)))
    with override_settings(COMPOSEKIT_PURGE_BACKENDS=[VARNISH]):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            expire("item", "a 1")
            assert sent == []  # not before the commit
        with transaction.atomic():
            expire("item", "rolled-back")
            transaction.set_rollback(True)
    assert sent == [["item:a%201", "item"]]
