"""The server cache's keys: readable, and never one key for two different things."""

from __future__ import annotations

from typing import Any

import pytest

from composekit.keys import entry_key, lock_key, param_part, version_key


@pytest.mark.parametrize(
    ("name", "value", "part"),
    [
        ("sku", "AB-12", "sku=AB-12"),
        ("q", "a,b=c", "q=a%2Cb%3Dc"),
        ("q", "v1.2", "q=v1.2"),
        ("q", "~1", "q=%7E1"),  # a string never starts with ~ ...
        ("n", 1, "n=~1"),  # ... so 1 and "1" are two keys
        ("flag", True, "flag=~true"),
        ("none", None, "none=~null"),
        ("ids", [1, "a b"], "ids=~%5B1%2C%22a%20b%22%5D"),
    ],
)
def test_params_as_key_parts(name: str, value: Any, part: str) -> None:
    assert param_part(name, value) == part


def test_keys_are_readable() -> None:
    assert version_key("product=7") == "composekit:version:product=7"
    key = entry_key("picks", ["user=7", "products", "cart=7"], ["1a2b3c4d", "5e6f7a8b"])
    assert key == "composekit:picks:user=7,products,cart=7:1a2b3c4d.5e6f7a8b"
    assert lock_key(key) == "composekit:lock:picks:user=7,products,cart=7:1a2b3c4d.5e6f7a8b"
    assert entry_key("news", [], []) == "composekit:news:-:-"


def test_an_over_long_key_is_cut_and_ends_in_a_digest() -> None:
    parts = [f"q={'x' * 300}"]
    key = entry_key("search", parts, ["1a2b3c4d"])
    assert len(key) < 200
    assert key.startswith("composekit:search:q=xxxxx")
    assert key != entry_key("search", [f"q={'x' * 299}y"], ["1a2b3c4d"])  # the digest tells them apart
