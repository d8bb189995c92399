# demo/shop/tests/test_fragments.py
from decimal import Decimal

import pytest

from composekit import CachePolicy
from composekit.testing import assert_fragment_policy, fetch_fragment, render_fragment
from shop.models import Category, Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def headphones() -> Product:
    audio = Category.objects.create(name="Audio", slug="audio", icon="audio")
    return Product.objects.create(
        category=audio,
        sku="AU-1",
        slug="headphones",
        name="Headphones",
        description="",
        price=Decimal("59.00"),
        stock=3,
        rating=Decimal("4.5"),
        review_count=10,
        hue=2,
        featured_rank=1,
    )


def test_the_cart_summary_is_per_user_and_kept_until_the_cart_changes(shell_users):
    alice = shell_users[0]
    result = assert_fragment_policy(
        "cart-summary", CachePolicy.private(max_age=300, scopes=("cart",), per_session=3600), user=alice
    )
    assert result.headers["CK-Scopes"] == "cart"
    # The picks change with the products in the cart, not their quantities: kept as long,
    # dropped only by writes that add or remove a line.
    assert_fragment_policy(
        "recommended",
        CachePolicy.private(max_age=300, scopes=("cart-products",), per_session=3600),
        user=alice,
    )


def test_the_user_menu_names_the_shopper(shell_users):
    alice = shell_users[0]
    assert_fragment_policy(
        "user-menu", CachePolicy.private(max_age=300, scopes=(), per_session=3600), user=alice
    )
    assert '<span class="user-name">ck-alice</span>' in render_fragment("user-menu", user=alice).html
    assert "Log in" in render_fragment("user-menu").html  # anonymous


def test_the_stock_price_is_shared_by_everyone(headphones, shell_users):
    shared = CachePolicy.public(max_age=5, s_maxage=10, stale_while_revalidate=30)
    anonymous = assert_fragment_policy("stock-price", shared, {"sku": "AU-1"})
    assert "Set-Cookie" not in anonymous.headers
    as_alice = fetch_fragment("stock-price", {"sku": "AU-1"}, user=shell_users[0])
    assert as_alice.html == anonymous.html  # the same bytes, whoever asks
    assert fetch_fragment("stock-price", {"sku": "NOPE"}).status == 404


def test_the_catalog_is_a_shell(ck):
    ck.assert_cacheable_shell("/")
