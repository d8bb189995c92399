"""Canonical, signed fragment params.

Params are serialised as canonical JSON (sorted keys, compact separators), so equal
params always give the same bytes, then signed with Django's ``Signer`` (HMAC-SHA256,
no timestamp). The same params therefore give the same URL, which keeps fragment
responses cacheable, and keys in ``SECRET_KEY_FALLBACKS`` still verify after a
rotation. The salt includes the fragment's name, so a token signed for one fragment
is refused by every other.

Signing gives integrity, not secrecy: anyone can base64-decode the payload.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping

from django.core import signing
from django.core.signals import setting_changed

from .conf import conf

__all__ = [
    "BadSignedParams",
    "ParamError",
    "ParamValue",
    "canonical_json",
    "sign_params",
    "unsign_params",
    "validate_params",
]

Scalar = str | int | float | bool | None
ParamValue = Scalar | list[Scalar]

SALT_PREFIX = "composekit.fragment."
# Enough for any sane payload; checked before decoding so a huge query string
# costs nothing. The configured limit (smaller) applies when signing.
_HARD_LIMIT = 64 * 1024


class ParamError(ValueError):
    """A param the template passed cannot be encoded (type or size)."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class BadSignedParams(ValueError):
    """A ``p=`` token from a request could not be verified or decoded.

    ``reason`` is one of ``missing``, ``too-long``, ``malformed``, ``tampered``.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _is_scalar(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (str, int, bool))


def _describe(value: object) -> str:
    if isinstance(value, float):
        return f"non-finite float {value!r}"
    return f"type {type(value).__name__}"


def validate_params(params: Mapping[str, object]) -> dict[str, ParamValue]:
    """Return ``params`` if every value is a JSON scalar or a list of them."""
    for key, value in params.items():
        if isinstance(value, (list, tuple)):
            bad = [item for item in value if not _is_scalar(item)]
            if bad:
                raise ParamError(
                    f"param {key!r} holds an item of {_describe(bad[0])}; lists may hold "
                    "only str, int, float, bool or None",
                    key,
                )
        elif not _is_scalar(value):
            raise ParamError(
                f"param {key!r} has unsupported {_describe(value)}; pass str, int, float, "
                "bool, None or a list of them (convert dates, decimals and model "
                "instances to str or int first)",
                key,
            )
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}  # type: ignore[misc]


def canonical_json(params: Mapping[str, object]) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _signer(name: str) -> signing.Signer:
    return signing.Signer(salt=SALT_PREFIX + name, algorithm="sha256")


def sign_params(name: str, params: Mapping[str, object]) -> str:
    """Return the ``PAYLOAD:SIGNATURE`` token for fragment ``name``."""
    clean = validate_params(params)
    payload = base64.urlsafe_b64encode(canonical_json(clean).encode()).rstrip(b"=").decode()
    token = _signer(name).sign(payload)
    limit = conf.PARAMS_MAX_BYTES
    if len(token) > limit:
        raise ParamError(
            f"the signed params are {len(token)} bytes, over COMPOSEKIT_PARAMS_MAX_BYTES "
            f"({limit}); pass an id and look the data up in get_context() instead"
        )
    return token


# Tokens that verified, by fragment and token: the JSON text each carries. A page's fragment
# URLs are the same for every visitor, so the same few come again and again, and checking the
# HMAC and decoding base64 costs a request tens of µs where a lookup costs well under one.
# Only tokens that verified are kept; emptied when full, and when SECRET_KEY or
# SECRET_KEY_FALLBACKS change (setting_changed), so a key that is gone verifies nothing.
VERIFIED_MAX = 4096
_verified: dict[tuple[str, str], str] = {}


def _verified_text(name: str, token: str) -> str:
    """The JSON text of a token whose signature matches; ``BadSignedParams`` if it does not."""
    text = _verified.get((name, token))
    if text is not None:
        return text
    try:
        payload = _signer(name).unsign(token)
    except signing.BadSignature:
        raise BadSignedParams(
            "tampered",
            "the signature of the params does not match: the URL was altered, truncated, "
            "made for another fragment, or signed with a key this site no longer has",
        ) from None
    try:
        text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    except (binascii.Error, ValueError):
        raise BadSignedParams("malformed", "the signed params are not base64 JSON") from None
    if len(_verified) >= VERIFIED_MAX:
        _verified.clear()
    _verified[(name, token)] = text
    return text


def _keys_changed(*, setting: str, **kwargs: object) -> None:
    if setting in ("SECRET_KEY", "SECRET_KEY_FALLBACKS"):
        _verified.clear()


setting_changed.connect(_keys_changed, dispatch_uid="composekit.signing")


def unsign_params(name: str, token: str | None) -> dict[str, ParamValue]:
    """Verify and decode a token from a request for fragment ``name``."""
    if not token:
        raise BadSignedParams("missing", "the query parameter 'p' (signed params) is missing")
    if len(token) > _HARD_LIMIT:
        raise BadSignedParams("too-long", f"the signed params are longer than {_HARD_LIMIT} bytes")
    if ":" not in token:
        raise BadSignedParams("malformed", "the signed params have no signature part")
    text = _verified_text(name, token)
    try:
        data = json.loads(text)
    except ValueError:
        raise BadSignedParams("malformed", "the signed params are not base64 JSON") from None
    if not isinstance(data, dict):
        raise BadSignedParams("malformed", "the signed params are not a JSON object")
    return data
