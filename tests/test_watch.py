"""The recording behind the shell guard's messages (composekit/watch.py)."""

from __future__ import annotations

from typing import Any

from django.template.base import Node
from django.test import RequestFactory

from composekit.watch import LocatingWatch, _WatchedMeta
from tests.test_shell import line_of

NO_STOP = (lambda: None).__code__  # a frame that is never on the stack: walk it all


def test_watched_meta_records_only_csrf_keys(rf: RequestFactory) -> None:
    watch = LocatingWatch(rf.get("/"), NO_STOP)
    meta = _WatchedMeta({"A": 1}, watch)
    meta["B"] = 2
    meta.update(C=3)
    assert watch.own == {}
    meta.update({"CSRF_COOKIE": "x", "CSRF_COOKIE_NEEDS_UPDATE": True})
    assert list(watch.own) == ["the CSRF token"]
    assert meta == {"A": 1, "B": 2, "C": 3, "CSRF_COOKIE": "x", "CSRF_COOKIE_NEEDS_UPDATE": True}


def test_where_skips_what_is_not_a_parsed_template_node(rf: RequestFactory) -> None:
    watch = LocatingWatch(rf.get("/"), NO_STOP)

    class Built(Node):  # built in code, not parsed: no token to point at
        def render(self, context: Any) -> str:
            return Renderer().render()

    class Renderer:
        def render(self) -> str:
            watch.touch("x")
            return ""

    Built().render(None)
    line = line_of(Renderer.render, "watch.touch")
    assert watch.own == {
        "x": f"tests.test_watch.test_where_skips_what_is_not_a_parsed_template_node.<locals>.Renderer.render, line {line}"
    }
