"""Validly signed params that no {% fragment %} tag would sign: what the endpoint and the
batch endpoint must answer with a 400 naming the param (tests/test_views.py, test_batch.py)."""

from __future__ import annotations

import base64

from django.core import signing

MADE_BY = (
    ": this URL was signed by something other than {% fragment %} or fragment_url(), "
    "which refuse such a param; make fragment URLs with them"
)
OTHER_VERSION = "the URL was made for another version of the fragment or by hand"


def signed(name: str, payload: str) -> str:
    """A token for fragment ``name`` carrying ``payload`` (JSON text) as is, signed with the
    site's key: what a bug, an old page or someone holding the key could send."""
    encoded = base64.urlsafe_b64encode(payload.encode()).rstrip(b"=").decode()
    return signing.Signer(salt=f"composekit.fragment.{name}", algorithm="sha256").sign(encoded)


# (fragment, payload, reason, param, detail)
UNFIT = [
    (
        "hello",
        '{"request":1}',
        "reserved",
        "request",
        "param 'request' is reserved: Hello.get_context() takes an argument of this name "
        "before the params" + MADE_BY,
    ),
    (
        "hello",
        '{"self":1,"who":"x"}',
        "reserved",
        "self",
        "param 'self' is reserved: Hello.get_context() takes an argument of this name "
        "before the params" + MADE_BY,
    ),
    (
        "renamed-arguments",
        '{"req":1}',
        "reserved",
        "req",
        "param 'req' is reserved: RenamedArguments.get_context() takes an argument of this "
        "name before the params" + MADE_BY,
    ),
    ("sku", '{"sku":null,"x":{"a":1}}', "invalid", "x", "param 'x' has unsupported type dict" + MADE_BY),
    ("hello", '{"who":[1,[2]]}', "invalid", "who", "param 'who' holds an item of type list" + MADE_BY),
    ("hello", '{"who":[{}]}', "invalid", "who", "param 'who' holds an item of type dict" + MADE_BY),
    (
        "hello",
        '{"who":1e999}',
        "invalid",
        "who",
        "param 'who' has unsupported non-finite float inf" + MADE_BY,
    ),
    (
        "hello",
        '{"who":-Infinity}',
        "invalid",
        "who",
        "param 'who' has unsupported non-finite float -inf" + MADE_BY,
    ),
    ("hello", '{"who":NaN}', "invalid", "who", "param 'who' has unsupported non-finite float nan" + MADE_BY),
    (
        "hello",
        '{"who":9223372036854775808}',
        "invalid",
        "who",
        "param 'who' has unsupported int of 64 bits, outside the signed 64-bit range" + MADE_BY,
    ),
    (
        "hello",
        '{"who":-' + "9" * 5000 + "}",  # over Python's 4300 digits for int(): never converted
        "invalid",
        "who",
        "param 'who' has unsupported int of 5000 digits, outside the signed 64-bit range" + MADE_BY,
    ),
    (
        "sku",
        '{"sku":"a","colour":"red"}',
        "unexpected",
        "colour",
        f"param 'colour' is not one Sku.render() takes (it takes 'sku'); {OTHER_VERSION}: "
        "load the page again for a current one",
    ),
    (
        "sku",
        "{}",
        "required",
        "sku",
        f"param 'sku' is missing: Sku.render() requires it; {OTHER_VERSION}: pass it where "
        'the page places the fragment ({% fragment "sku" sku=... %})',
    ),
]


def signed_url(name: str, payload: str) -> str:
    return f"/_composekit/{name}/?p={signed(name, payload)}"


def unfit_problem(name: str, reason: str, param: str, detail: str) -> dict[str, object]:
    """The problem document a fragment answers for signed params that do not fit it."""
    return {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": detail,
        "fragment": name,
        "reason": reason,
        "param": param,
    }
