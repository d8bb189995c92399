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
from collections.abc import Iterable, Mapping

from django.core import signing
from django.core.signals import setting_changed

from . import registry
from .conf import conf

__all__ = [
    "BadSignedParams",
    "ParamError",
    "ParamValue",
    "canonical_json",
    "check_names",
    "sign_params",
    "unsign_params",
    "validate_params",
]

Scalar = str | int | float | bool | None
ParamValue = Scalar | list[Scalar]

SALT_PREFIX = "composekit.fragment."
# What a database integer column holds: a larger int can be no row's id, and drivers raise on
# it (OverflowError) in the fragment's code. Bigger numbers travel as str.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
# Enough for any sane payload; checked before decoding so a huge query string
# costs nothing. The configured limit (smaller) applies when signing.
_HARD_LIMIT = 64 * 1024


class ParamError(ValueError):
    """A param the template passed cannot be encoded (name, type or size).

    The message is ``problem`` and then what to do; ``problem`` alone says what is wrong
    with the same param when it comes in a signed URL instead.
    """

    def __init__(self, problem: str, param: str | None = None, advice: str = "") -> None:
        super().__init__(f"{problem}; {advice}" if advice else problem)
        self.problem = problem
        self.param = param


class BadSignedParams(ValueError):
    """A ``p=`` token from a request could not be verified or decoded.

    ``reason`` is one of ``missing``, ``too-long``, ``malformed``, ``tampered`` (the token),
    ``reserved`` or ``invalid`` (a param of a token that verified; ``param`` names it).
    """

    def __init__(self, reason: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.param = param


class _LongInt:
    """An int literal in a payload too long for ``int()`` (over 4300 digits): refused by name."""

    def __init__(self, digits: str) -> None:
        self.digits = digits


def _parse_int(digits: str) -> int | _LongInt:
    return _LongInt(digits) if len(digits) > 20 else int(digits)


def _is_scalar(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return INT_MIN <= value <= INT_MAX
    return value is None or isinstance(value, (str, bool))


def _describe(value: object) -> str:
    if isinstance(value, float):
        return f"non-finite float {value!r}"
    if isinstance(value, _LongInt):
        return f"int of {len(value.digits.lstrip('-'))} digits, outside the signed 64-bit range"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"int of {value.bit_length()} bits, outside the signed 64-bit range"
    return f"type {type(value).__name__}"


def validate_params(params: Mapping[str, object]) -> dict[str, ParamValue]:
    """Return ``params`` if every value is a JSON scalar or a list of them."""
    for key, value in params.items():
        if isinstance(value, (list, tuple)):
            bad = [item for item in value if not _is_scalar(item)]
            if bad:
                raise ParamError(
                    f"param {key!r} holds an item of {_describe(bad[0])}",
                    key,
                    "lists may hold only str, int (64 bits), float, bool or None",
                )
        elif not _is_scalar(value):
            raise ParamError(
                f"param {key!r} has unsupported {_describe(value)}",
                key,
                "pass str, int (64 bits), float, bool, None or a list of them (convert dates, "
                "decimals, big numbers and model instances to str or int first)",
            )
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}  # type: ignore[misc]


def check_names(name: str, params: Iterable[str]) -> None:
    """Refuse a param named like an argument fragment ``name``'s methods take before the
    params (``self``, ``request``): it would be a second value for it, a ``TypeError`` on
    every request. A name no fragment is registered under (served elsewhere) is not checked.
    """
    cls = registry.get(name)
    if cls is None:
        return
    for param in params:
        method = cls._argument_names.get(param)
        if method is not None:
            raise ParamError(
                f"param {param!r} is reserved: {cls.__qualname__}.{method}() takes an argument "
                "of this name before the params",
                param,
                "rename the param",
            )


def canonical_json(params: Mapping[str, object]) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _signer(name: str) -> signing.Signer:
    return signing.Signer(salt=SALT_PREFIX + name, algorithm="sha256")


def sign_params(name: str, params: Mapping[str, object]) -> str:
    """Return the ``PAYLOAD:SIGNATURE`` token for fragment ``name``.

    Raises ``ParamError`` naming a param that cannot be signed: a reserved name, an
    unsupported value, or params too long together.
    """
    check_names(name, params)
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
        data = json.loads(text, parse_int=_parse_int)
    except ValueError:
        raise BadSignedParams("malformed", "the signed params are not base64 JSON") from None
    if not isinstance(data, dict):
        raise BadSignedParams("malformed", "the signed params are not a JSON object")
    # The signature proves this site's key made the token, not that the {% fragment %} tag
    # or fragment_url() did: they refuse these, so something else signed it.
    made_by = (
        ": this URL was signed by something other than {% fragment %} or fragment_url(), "
        "which refuse such a param; make fragment URLs with them"
    )
    try:
        check_names(name, data)
    except ParamError as error:
        raise BadSignedParams("reserved", error.problem + made_by, error.param) from None
    try:
        return validate_params(data)
    except ParamError as error:
        raise BadSignedParams("invalid", error.problem + made_by, error.param) from None
