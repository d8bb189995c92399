from __future__ import annotations

import base64

import pytest
from django.core import signing
from django.test import override_settings

from composekit.signing import (
    BadSignedParams,
    ParamError,
    canonical_json,
    sign_params,
    unsign_params,
    validate_params,
)


def test_canonical_json_is_sorted_and_compact() -> None:
    assert canonical_json({"b": 1, "a": [1, "x", None], "c": "é"}) == '{"a":[1,"x",null],"b":1,"c":"é"}'


def test_equal_params_give_equal_tokens_whatever_their_order() -> None:
    assert sign_params("hello", {"a": 1, "b": "two"}) == sign_params("hello", {"b": "two", "a": 1})


def test_token_is_payload_colon_signature_with_no_timestamp() -> None:
    token = sign_params("hello", {"who": "me"})
    payload, signature = token.split(":")
    assert base64.urlsafe_b64decode(payload + "==") == b'{"who":"me"}'
    assert len(signature) == 43  # sha256, base64 without padding


def test_round_trip() -> None:
    params = {"s": "x", "i": 3, "f": 1.5, "t": True, "n": None, "l": [1, "a", False]}
    assert unsign_params("hello", sign_params("hello", params)) == params


def test_tuples_become_lists() -> None:
    assert validate_params({"l": (1, 2)}) == {"l": [1, 2]}
    assert unsign_params("hello", sign_params("hello", {"l": (1, 2)})) == {"l": [1, 2]}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (object(), "param 'bad' has unsupported type object"),
        ({"nested": 1}, "param 'bad' has unsupported type dict"),
        (float("nan"), "param 'bad' has unsupported non-finite float nan"),
        ([1, {"x": 2}], "param 'bad' holds an item of type dict"),
        ([[1]], "param 'bad' holds an item of type list"),
        (2**63, "param 'bad' has unsupported int of 64 bits, outside the signed 64-bit range"),
        ([-(2**63) - 1], "param 'bad' holds an item of int of 64 bits, outside the signed 64-bit range"),
    ],
)
def test_unsupported_values_name_the_param(value: object, message: str) -> None:
    with pytest.raises(ParamError) as caught:
        sign_params("hello", {"ok": 1, "bad": value})
    assert str(caught.value).startswith(message)
    assert caught.value.param == "bad"


def test_ints_of_64_bits_round_trip() -> None:
    params = {"low": -(2**63), "high": 2**63 - 1, "l": [2**63 - 1]}
    assert unsign_params("hello", sign_params("hello", params)) == params


@pytest.mark.parametrize(
    ("name", "param", "method"),
    [
        ("hello", "request", "Hello.get_context"),
        ("hello", "self", "Hello.get_context"),
        ("renamed-arguments", "req", "RenamedArguments.get_context"),
    ],
)
def test_names_the_fragments_methods_take_are_refused(name: str, param: str, method: str) -> None:
    with pytest.raises(ParamError) as caught:
        sign_params(name, {"ok": 1, param: 1})
    assert str(caught.value) == (
        f"param {param!r} is reserved: {method}() takes an argument of this name before the "
        "params; rename the param"
    )
    assert caught.value.param == param


def test_only_the_fragments_own_argument_names_are_reserved() -> None:
    assert unsign_params("hello", sign_params("hello", {"req": 1})) == {"req": 1}  # RenamedArguments'
    # A name no fragment is registered under (served elsewhere, say): nothing to check against.
    assert unsign_params("elsewhere", sign_params("elsewhere", {"request": 1})) == {"request": 1}


def test_validly_signed_params_no_tag_would_sign_are_refused_by_name() -> None:
    signer = signing.Signer(salt="composekit.fragment.hello", algorithm="sha256")

    def refused(payload: bytes) -> tuple[str, str | None]:
        with pytest.raises(BadSignedParams) as caught:
            unsign_params("hello", signer.sign(base64.urlsafe_b64encode(payload).rstrip(b"=").decode()))
        return caught.value.reason, caught.value.param

    assert refused(b'{"request":"x"}') == ("reserved", "request")
    assert refused(b'{"who":{"a":1}}') == ("invalid", "who")
    assert refused(b'{"a":1,"who":[[]]}') == ("invalid", "who")
    assert refused(b'{"who":1e400}') == ("invalid", "who")
    assert refused(b'{"who":Infinity}') == ("invalid", "who")
    assert refused(b'{"who":' + b"1" * 4301 + b"}") == ("invalid", "who")


@override_settings(COMPOSEKIT_PARAMS_MAX_BYTES=100)
def test_size_limit_is_configurable() -> None:
    sign_params("hello", {"s": "x" * 10})
    with pytest.raises(ParamError, match=r"over COMPOSEKIT_PARAMS_MAX_BYTES \(100\)"):
        sign_params("hello", {"s": "x" * 100})


def test_default_size_limit_is_about_two_kilobytes() -> None:
    sign_params("hello", {"s": "x" * 1400})
    with pytest.raises(ParamError, match=r"\(2048\)"):
        sign_params("hello", {"s": "x" * 1600})


def _reason(name: str, token: str | None) -> str:
    with pytest.raises(BadSignedParams) as caught:
        unsign_params(name, token)
    return caught.value.reason


def test_missing() -> None:
    assert _reason("hello", None) == "missing"
    assert _reason("hello", "") == "missing"


def test_tampered_payload() -> None:
    token = sign_params("hello", {"user": 1})
    payload, signature = token.split(":")
    forged = base64.urlsafe_b64encode(b'{"user":2}').rstrip(b"=").decode()
    assert _reason("hello", f"{forged}:{signature}") == "tampered"


def test_tampered_signature() -> None:
    token = sign_params("hello", {"user": 1})
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert _reason("hello", flipped) == "tampered"


def test_truncated() -> None:
    token = sign_params("hello", {"user": 1})
    assert _reason("hello", token[:-5]) == "tampered"
    assert _reason("hello", token.split(":")[0]) == "malformed"


def test_token_for_another_fragment_is_refused() -> None:
    assert _reason("news", sign_params("hello", {"user": 1})) == "tampered"


def test_wrong_salt_is_refused() -> None:
    token = signing.Signer(salt="someone-else", algorithm="sha256").sign("e30")
    assert _reason("hello", token) == "tampered"


def test_wrong_key_is_refused() -> None:
    with override_settings(SECRET_KEY="another-key"):
        token = sign_params("hello", {"a": 1})
    assert _reason("hello", token) == "tampered"


def test_key_rotation_keeps_old_urls_valid() -> None:
    with override_settings(SECRET_KEY="old-key"):
        old = sign_params("hello", {"a": 1})
    with override_settings(SECRET_KEY="new-key", SECRET_KEY_FALLBACKS=["old-key"]):
        assert unsign_params("hello", old) == {"a": 1}
        # New URLs are signed with the new key.
        assert sign_params("hello", {"a": 1}) != old
    with override_settings(SECRET_KEY="new-key", SECRET_KEY_FALLBACKS=[]):
        assert _reason("hello", old) == "tampered"


def test_validly_signed_garbage_is_malformed_not_a_crash() -> None:
    signer = signing.Signer(salt="composekit.fragment.hello", algorithm="sha256")
    assert _reason("hello", signer.sign("!!!")) == "malformed"
    not_object = base64.urlsafe_b64encode(b"[1]").rstrip(b"=").decode()
    assert _reason("hello", signer.sign(not_object)) == "malformed"
    not_json = base64.urlsafe_b64encode(b"{a:1}").rstrip(b"=").decode()
    assert _reason("hello", signer.sign(not_json)) == "malformed"
    assert _reason("hello", signer.sign("a")) == "malformed"  # no base64 has one char over
    not_utf8 = base64.urlsafe_b64encode(b"\xff\xfe").rstrip(b"=").decode()
    assert _reason("hello", signer.sign(not_utf8)) == "malformed"


def test_huge_token_is_refused_before_decoding() -> None:
    assert _reason("hello", "a" * 70_000 + ":x") == "too-long"


def test_a_token_verified_before_is_refused_once_its_key_is_gone() -> None:
    with override_settings(SECRET_KEY="old-key"):
        old = sign_params("hello", {"a": 1})
    with override_settings(SECRET_KEY="new-key", SECRET_KEY_FALLBACKS=["old-key"]):
        assert unsign_params("hello", old) == {"a": 1}  # verified, and kept
        with override_settings(SECRET_KEY_FALLBACKS=[]):
            assert _reason("hello", old) == "tampered"


def test_only_verified_tokens_are_kept_and_no_more_than_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    from composekit import signing as ck_signing

    monkeypatch.setattr(ck_signing, "VERIFIED_MAX", 3)
    monkeypatch.setattr(ck_signing, "_verified", {})
    token = sign_params("hello", {"a": 1})
    assert _reason("hello", token[:-5]) == "tampered"
    assert ck_signing._verified == {}
    for i in range(7):
        assert unsign_params("hello", sign_params("hello", {"i": i})) == {"i": i}
        assert 1 <= len(ck_signing._verified) <= 3


def test_each_request_gets_params_of_its_own() -> None:
    token = sign_params("hello", {"tags": ["a", "b"]})
    first = unsign_params("hello", token)
    first["tags"].append("changed")  # type: ignore[union-attr]
    assert unsign_params("hello", token) == {"tags": ["a", "b"]}
