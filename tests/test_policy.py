from __future__ import annotations

import pytest

from composekit import CachePolicy


@pytest.mark.parametrize(
    ("policy", "cache_control", "vary"),
    [
        (CachePolicy.private(), "private, no-cache", "Accept, Cookie"),
        (CachePolicy.private(max_age=30), "private, max-age=30", "Accept, Cookie"),
        (
            CachePolicy.private(max_age=30, stale_while_revalidate=60, vary=["Accept-Language"]),
            "private, max-age=30, stale-while-revalidate=60",
            "Accept, Cookie, Accept-Language",
        ),
        (CachePolicy.public(), "public, max-age=0", "Accept"),
        (
            CachePolicy.public(max_age=60, s_maxage=300, stale_while_revalidate=30),
            "public, max-age=60, s-maxage=300, stale-while-revalidate=30",
            "Accept",
        ),
        (
            CachePolicy.public(max_age=5, vary=("Accept-Language", "accept")),
            "public, max-age=5",
            "Accept, Accept-Language",
        ),
        (
            CachePolicy.public(max_age=60, stale_while_revalidate=30, stale_if_error=86400),
            "public, max-age=60, stale-while-revalidate=30, stale-if-error=86400",
            "Accept",
        ),
        (CachePolicy.private(stale_if_error=60), "private, no-cache, stale-if-error=60", "Accept, Cookie"),
        (CachePolicy.no_store(), "no-store", "Accept, Cookie"),
    ],
)
def test_headers(policy: CachePolicy, cache_control: str, vary: str) -> None:
    assert policy.headers() == {"Cache-Control": cache_control, "Vary": vary}


def test_public_cannot_vary_on_cookie() -> None:
    with pytest.raises(ValueError, match="cannot vary on Cookie"):
        CachePolicy.public(vary=["cookie"])


@pytest.mark.parametrize("bad", [-1, 1.5, "10", True])
def test_seconds_are_validated(bad: object) -> None:
    with pytest.raises(ValueError, match="max_age must be a whole number of seconds"):
        CachePolicy.private(max_age=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="s_maxage must be"):
        CachePolicy.public(s_maxage=bad)  # type: ignore[arg-type]


def test_only_public_is_public() -> None:
    assert CachePolicy.public().is_public
    assert not CachePolicy.private().is_public
    assert not CachePolicy.no_store().is_public
