"""What a request says about the fragment it renders for: its chain, inline or a batch part."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory

from composekit import requeststate, subrequest
from composekit.purity import SESSION


def test_a_request_the_handler_received_is_neither_inline_nor_a_batch_part(rf: RequestFactory) -> None:
    request = rf.get("/_composekit/hello/")
    assert (requeststate.is_inline(request), requeststate.is_batch_part(request)) == (False, False)
    assert requeststate.chain(request) == ()


@pytest.mark.parametrize(("batch", "inline"), [(False, True), (True, False)])
def test_a_sub_request_is_inline_or_a_batch_part(rf: RequestFactory, batch: bool, inline: bool) -> None:
    sub = rf.get("/_composekit/hello/")
    requeststate.mark_sub_request(sub, (("page", "t1"),), batch=batch)
    assert (requeststate.is_inline(sub), requeststate.is_batch_part(sub)) == (inline, batch)
    assert requeststate.chain(sub) == (("page", "t1"),)


def test_enter_adds_the_fragment_to_the_chain(rf: RequestFactory) -> None:
    request = rf.get("/_composekit/hello/")
    requeststate.enter(request, "outer", "t1")
    requeststate.enter(request, "inner", "t2")
    assert requeststate.chain(request) == (("outer", "t1"), ("inner", "t2"))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("chain", requeststate.chain),
        ("enter", requeststate.enter),
        ("is_batch_part", requeststate.is_batch_part),
        ("is_sub_request", requeststate.is_inline),
    ],
)
def test_the_old_names_in_subrequest_still_work_and_name_the_new_one(old: str, new: object) -> None:
    with pytest.warns(DeprecationWarning) as warned:
        found = getattr(subrequest, old)
    assert found is new
    assert [str(w.message) for w in warned] == [
        f"composekit.subrequest.{old} is deprecated: use composekit.requeststate.{new.__name__}"
    ]


def test_other_missing_names_are_still_missing() -> None:
    with pytest.raises(AttributeError, match="module 'composekit.subrequest' has no attribute 'nothing'"):
        subrequest.nothing  # noqa: B018


def test_what_was_touched_before_the_fragment_is_taken_once(rf: RequestFactory) -> None:
    request = rf.get("/_composekit/hello/")
    request.session = SessionStore()
    assert requeststate.touched_before_fragment(request) == frozenset()
    request.session.get("cart")  # touched after the snapshot: the fragment's own doing
    assert request.session.accessed
    assert requeststate.touched_before_fragment(request) == frozenset()
    assert requeststate.touched_before_fragment(rf.get("/")) == frozenset()


def test_what_was_touched_before_the_fragment_names_each_kind(rf: RequestFactory) -> None:
    request = rf.get("/_composekit/hello/")
    request.session = SessionStore()
    request.session.get("cart")
    assert requeststate.touched_before_fragment(request) == frozenset({SESSION})
