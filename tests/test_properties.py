"""Property-based tests: whatever arrives, the answer is a 4xx problem or a clear error."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composekit.render import fragment_url
from composekit.signing import BadSignedParams, ParamError, sign_params, unsign_params

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # a thousand examples each

MANY = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
valid_values = st.one_of(scalars, st.lists(scalars, max_size=5))
# Not the names Hello's methods take before the params: those are refused (test_signing.py).
keys = st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True).filter(lambda k: k not in ("self", "request"))
valid_params = st.dictionaries(keys, valid_values, max_size=6)
anything = st.recursive(
    st.one_of(
        scalars, st.integers(), st.floats(), st.binary(max_size=5), st.dates(), st.decimals(allow_nan=False)
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.tuples(inner), st.dictionaries(st.text(max_size=3), inner)
    ),
    max_leaves=6,
)


@MANY
@given(valid_params)
def test_valid_params_round_trip_exactly(params: dict[str, Any]) -> None:
    try:
        token = sign_params("hello", params)
    except ParamError as error:
        assert "COMPOSEKIT_PARAMS_MAX_BYTES" in str(error)  # only size may refuse valid values
        return
    assert unsign_params("hello", token) == params
    assert sign_params("hello", dict(reversed(list(params.items())))) == token


@MANY
@given(st.dictionaries(keys, anything, max_size=4))
def test_any_value_signs_or_names_the_param(params: dict[str, Any]) -> None:
    try:
        token = sign_params("hello", params)
    except ParamError as error:
        assert error.param is None or error.param in params
        assert str(error)
    else:
        decoded = unsign_params("hello", token)
        assert decoded.keys() == params.keys()


@MANY
@given(st.text(max_size=300))
def test_any_token_verifies_or_says_why(token: str) -> None:
    try:
        result = unsign_params("hello", token)
    except BadSignedParams as error:
        assert error.reason in {"missing", "too-long", "malformed", "tampered"}
        assert str(error)
    else:  # pragma: no cover - forging a signature by chance would be a finding
        pytest.fail(f"a random token verified: {token!r} -> {result!r}")


def _assert_problem(response: Any) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == response.status_code
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@MANY
@given(name=st.text(max_size=40), p=st.text(max_size=200), raw=st.binary(max_size=60))
def test_endpoint_answers_any_request_with_a_4xx_problem(name: str, p: str, raw: bytes) -> None:
    client = Client()
    path = "/_composekit/" + quote(name, safe="") + "/?p=" + quote(p, safe="") + "&x=" + quote(raw)
    _assert_problem(client.get(path))


@MANY
@given(
    valid_params,
    st.sampled_from(["flip", "truncate", "swap-payload", "pad", "other-fragment", "double-encode"]),
    st.integers(min_value=0, max_value=10_000),
)
def test_altered_signed_urls_are_400_tampered_or_malformed(
    params: dict[str, Any], how: str, seed: int
) -> None:
    try:
        url = fragment_url("hello", **params)
    except ParamError:
        return
    path, token = url.split("?p=")
    payload, signature = token.split(":")
    if how == "flip":
        i = seed % len(signature)
        signature = signature[:i] + ("A" if signature[i] != "A" else "B") + signature[i + 1 :]
        token = f"{payload}:{signature}"
    elif how == "truncate":
        token = token[: seed % len(token)]
    elif how == "swap-payload":
        token = f"{payload}x:{signature}"
    elif how == "pad":
        token = token + "=" * (1 + seed % 3)
    elif how == "other-fragment":
        path = "/_composekit/news/"
    else:
        token = quote(token, safe="")
    body = _assert_problem(Client().get(f"{path}?p={quote(token, safe='')}"))
    assert body["status"] == 400
    assert body["reason"] in {"missing", "malformed", "tampered"}


@MANY
@given(
    params=st.dictionaries(keys.filter(lambda k: k not in {"loading", "timeout"}), anything, max_size=3),
    loading=st.one_of(st.none(), st.sampled_from(["eager", "lazy"]), st.text(max_size=5)),
    timeout=st.one_of(st.none(), st.integers(-5, 100_000), st.text(max_size=4), st.floats()),
)
def test_tag_renders_or_raises_a_template_error_naming_the_fragment(
    params: dict[str, Any], loading: Any, timeout: Any
) -> None:
    args = " ".join(f"{key}=v_{key}" for key in params)
    context = {f"v_{key}": value for key, value in params.items()}
    context.update(v_loading=loading, v_timeout=timeout)
    source = (
        '{% load composekit %}{% fragment "hello" '
        + args
        + " loading=v_loading timeout=v_timeout %}f{% endfragment %}"
    )
    try:
        html = Template(source).render(Context(context))
    except TemplateSyntaxError as error:
        assert str(error).startswith('{% fragment "hello" %}: ')
    else:
        assert html.startswith('<ck-fragment name="hello" src="/_composekit/hello/?p=')
        assert html.endswith(">f</ck-fragment>")
