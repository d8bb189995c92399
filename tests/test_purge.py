"""Purging shared caches by tag, against real HTTP servers recording the exact requests."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from composekit.purge import (
    Cloudflare,
    Fastly,
    Outcome,
    PurgeBackend,
    PurgeFailed,
    Varnish,
    configured,
    flush,
    purge,
    purge_after_commit,
    purge_now,
    stats,
)
from composekit.signals import tags_purged
from tests.recorder import RecordingServer, closed_port, poll, recording_server

FAST = {"COMPOSEKIT_PURGE_BACKOFF": 0.001, "COMPOSEKIT_PURGE_TIMEOUT": 2}


def backends(*entries: tuple[str, dict[str, Any]], **settings: Any) -> override_settings:
    specs = [{"BACKEND": f"composekit.purge.{name}", "OPTIONS": options} for name, options in entries]
    return override_settings(COMPOSEKIT_PURGE_BACKENDS=specs, **{**FAST, **settings})


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with recording_server() as server:
        yield server


@pytest.fixture
def other() -> Iterator[RecordingServer]:
    with recording_server() as server:
        yield server


def delta(before: dict[str, int]) -> dict[str, int]:
    return {name: count - before[name] for name, count in stats().items() if count != before[name]}


def test_varnish_soft_purges_every_node(server: RecordingServer, other: RecordingServer) -> None:
    node = other.url + "varnish/purge"
    with backends(("Varnish", {"urls": [server.url, node]})):
        outcomes = purge_now(["product=CK-1", "products", "product=CK-1"])
    assert outcomes == [Outcome("Varnish", server.url, True, 1), Outcome("Varnish", node, True, 1)]
    for recorder, path in ((server, "/"), (other, "/varnish/purge")):
        [request] = recorder.requests
        assert (request.method, request.path, request.body) == ("PURGE", path, b"")
        assert request.headers["xkey-softpurge"] == "product=CK-1 products"
        assert "xkey-purge" not in request.headers


def test_varnish_hard_purges_when_told_or_asked(server: RecordingServer) -> None:
    with backends(("Varnish", {"urls": [server.url], "soft": False})):
        purge_now(["a"])
    with backends(("Varnish", {"urls": [server.url]})):
        purge_now(["b"], hard=True)
    assert [(r.headers.get("xkey-purge"), r.headers.get("xkey-softpurge")) for r in server.requests] == [
        ("a", None),
        ("b", None),
    ]
    assert (Varnish.header, Varnish.separator, Varnish.max_tags) == ("xkey", " ", 100)


def test_varnish_refusal_names_backend_target_status_and_body(server: RecordingServer) -> None:
    server.default = (403, "Forbidden", b"Not allowed to purge from 10.0.0.9")
    with backends(("Varnish", {"urls": [server.url]})):
        [outcome] = purge_now(["a"], retries=0)
    assert outcome == Outcome(
        "Varnish",
        server.url,
        False,
        1,
        f"Varnish purge at {server.url} failed: 403 Forbidden: Not allowed to purge from 10.0.0.9",
        ("a",),
    )


@pytest.mark.parametrize(("soft", "soft_header"), [(True, "1"), (False, None)])
def test_fastly_request(server: RecordingServer, soft: bool, soft_header: str | None) -> None:
    api = server.url.rstrip("/")
    with backends(("Fastly", {"service_id": "SVC1", "token": "tok-123", "soft": soft, "api": api})):
        [outcome] = purge_now(["product=CK-1", "products"])
    assert outcome == Outcome("Fastly", f"{api}/service/SVC1/purge", True, 1)
    [request] = server.requests
    assert (request.method, request.path) == ("POST", "/service/SVC1/purge")
    assert request.headers["Fastly-Key"] == "tok-123"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers.get("Fastly-Soft-Purge") == soft_header
    assert json.loads(request.body) == {"surrogate_keys": ["product=CK-1", "products"]}


def test_fastly_batches_of_256(server: RecordingServer) -> None:
    tags = [f"t{i}" for i in range(300)]
    with backends(("Fastly", {"service_id": "S", "token": "k", "api": server.url})):
        purge_now(tags)
    bodies = [json.loads(r.body)["surrogate_keys"] for r in server.requests]
    assert bodies == [tags[:256], tags[256:]]


def test_cloudflare_request_and_batches_of_100(server: RecordingServer) -> None:
    server.default = (200, "OK", b'{"success": true, "errors": [], "result": {"id": "z"}}')
    tags = [f"t{i}" for i in range(250)]
    api = server.url + "client/v4"
    with backends(("Cloudflare", {"zone_id": "ZONE", "token": "cf-tok", "api": api})):
        [outcome] = purge_now(tags)
    assert outcome == Outcome("Cloudflare", f"{api}/zones/ZONE/purge_cache", True, 3)
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", "/client/v4/zones/ZONE/purge_cache")
    ] * 3
    for request in server.requests:
        assert request.headers["Authorization"] == "Bearer cf-tok"
        assert request.headers["Content-Type"] == "application/json"
    assert [json.loads(r.body) for r in server.requests] == [
        {"tags": tags[:100]},
        {"tags": tags[100:200]},
        {"tags": tags[200:]},
    ]
    assert (Cloudflare.header, Cloudflare.separator) == ("Cache-Tag", ",")


def test_cloudflare_200_without_success_is_a_failure(server: RecordingServer) -> None:
    server.default = (200, "OK", b'{"success": false, "errors": [{"code": 1134, "message": "Purge by tag"}]}')
    with backends(("Cloudflare", {"zone_id": "Z", "token": "t", "api": server.url})):
        [outcome] = purge_now(["a"], retries=1)
    assert (outcome.ok, outcome.attempts) == (False, 2)
    assert outcome.error is not None
    assert outcome.error.startswith(f"Cloudflare purge at {server.url}zones/Z/purge_cache failed: 200")
    assert '"success": false' in outcome.error


def test_cloudflare_answer_that_is_not_json(server: RecordingServer) -> None:
    server.default = (200, "OK", b"<html>" + b"x" * 300)
    with backends(("Cloudflare", {"zone_id": "Z", "token": "t", "api": server.url})):
        [outcome] = purge_now(["a"], retries=0)
    assert outcome.error == (
        f"Cloudflare purge at {server.url}zones/Z/purge_cache failed: 200 without success: <html>"
        + "x" * 194
        + "…"
    )


class Broken(PurgeBackend):
    """A backend with a bug: its lane must survive it, and report it."""

    header, separator, max_tags = "x-tags", " ", 2

    def targets(self) -> list[str]:
        return ["nowhere"]

    def send(self, target: str, tags: Sequence[str]) -> None:
        raise KeyError(tags[0])


def test_a_backend_that_raises_is_a_failed_attempt() -> None:
    with override_settings(COMPOSEKIT_PURGE_BACKENDS=[{"BACKEND": "tests.test_purge.Broken"}], **FAST):
        [outcome] = purge_now(["a", "b", "c"], retries=1)
    assert outcome == Outcome("Broken", "nowhere", False, 4, "KeyError('c')", ("a", "b", "c"))


def test_a_receiver_that_raises_stops_nothing(
    server: RecordingServer, caplog: pytest.LogCaptureFixture
) -> None:
    def receiver(sender: type, **kwargs: Any) -> None:
        raise RuntimeError("metrics are down")

    tags_purged.connect(receiver)
    try:
        with backends(("Varnish", {"urls": [server.url]})):
            [outcome] = purge_now(["a"])
    finally:
        tags_purged.disconnect(receiver)
    assert outcome.ok
    assert "a tags_purged receiver failed" in caplog.text


def test_a_target_that_fails_twice_is_retried(server: RecordingServer) -> None:
    server.answers = [(503, "Busy", b"try later"), (503, "Busy", b"")]
    events: list[dict[str, Any]] = []

    def receiver(sender: type, **kwargs: Any) -> None:
        events.append({"sender": sender, **kwargs})

    tags_purged.connect(receiver)
    before = stats()
    try:
        with backends(("Varnish", {"urls": [server.url]})):
            [outcome] = purge_now(["a", "b"])
    finally:
        tags_purged.disconnect(receiver)
    assert outcome == Outcome("Varnish", server.url, True, 3)
    assert len(server.requests) == 3
    assert delta(before) == {"sent": 1, "failed": 2, "retried": 2}
    assert [(e["attempt"], e["ok"], e["error"]) for e in events] == [
        (1, False, f"Varnish purge at {server.url} failed: 503 Busy: try later"),
        (2, False, f"Varnish purge at {server.url} failed: 503 Busy"),
        (3, True, None),
    ]
    assert {(e["sender"], e["target"], tuple(e["tags"])) for e in events} == {
        (Varnish, server.url, ("a", "b"))
    }
    assert all(isinstance(e["duration"], float) and e["duration"] >= 0 for e in events)


def test_a_dead_target_is_given_up_while_the_other_is_purged(
    server: RecordingServer, caplog: pytest.LogCaptureFixture
) -> None:
    before = stats()
    with (
        closed_port() as dead,
        backends(("Varnish", {"urls": [dead, server.url]}), COMPOSEKIT_PURGE_RETRIES=2),
    ):
        caplog.set_level(logging.WARNING, logger="composekit.purge")
        purge(["product=CK-1"])
        assert flush(5)
    [request] = server.requests
    assert request.headers["xkey-softpurge"] == "product=CK-1"
    assert delta(before) == {"sent": 1, "failed": 3, "retried": 2, "given_up": 1}
    records = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "composekit.purge"]
    assert [level for level, _ in records] == ["WARNING", "WARNING", "WARNING", "ERROR", "WARNING"]
    assert records[0][1].startswith(f"Varnish purge at {dead} failed: [Errno 111] Connection refused")
    assert records[0][1].endswith("(attempt 1 of 3)")
    assert records[3][1].startswith(f"gave up purging 1 tags at {dead} after 3 attempts: Varnish purge at")
    assert records[4][1] == f"1 tags kept for {dead}: sent again in 30 s"  # lost only with the process


def test_what_was_given_up_is_sent_again_until_the_target_takes_it(
    server: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from composekit import lanes

    monkeypatch.setattr(lanes, "PARK_DELAY", 3600.0)  # kept until something else is queued
    server.answers = [(503, "Busy", b""), (503, "Busy", b"")]  # down for two requests, then back
    before = stats()
    with backends(("Varnish", {"urls": [server.url]}), COMPOSEKIT_PURGE_RETRIES=0):
        purge(["product:CK-1"])
        assert flush(5)  # the first round: given up, kept
        [first] = server.wait_for(1)
        monkeypatch.setattr(lanes, "PARK_DELAY", 0.05)
        purge(["product:CK-2"])  # what is kept goes with it, at once; given up again, then sent
        requests = server.wait_for(3)
    assert [r.headers["xkey-softpurge"] for r in requests] == [
        "product:CK-1",
        "product:CK-1 product:CK-2",
        "product:CK-1 product:CK-2",
    ]
    assert first.headers["xkey-softpurge"] == "product:CK-1"
    # The server saw the third request before the lane read its answer: wait for the count.
    poll(lambda: delta(before).get("sent") == 1, 5, "the third purge counted as sent")
    assert delta(before) == {"sent": 1, "failed": 2, "given_up": 2}


def test_past_what_a_lane_keeps_it_purges_everything_tagged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from composekit import lanes

    monkeypatch.setattr(lanes, "MAX_KEPT", 2)
    monkeypatch.setattr(lanes, "PARK_DELAY", 3600.0)  # not sent again during the test
    with (
        closed_port() as dead,
        backends(("Varnish", {"urls": [dead]}), COMPOSEKIT_PURGE_RETRIES=0, COMPOSEKIT_TAG_PREFIX="shop-"),
    ):
        caplog.set_level(logging.WARNING, logger="composekit.purge")
        purge(["a", "b", "c"])
        assert flush(5)
        from composekit import purge as purge_module

        sender = purge_module._current
        assert sender is not None
        assert [lane.kept for lane in sender.lanes] == [{"shop-composekit": None}]
    assert (
        f"more than 2 tags wait for {dead}: purging everything composekit tagged there instead" in caplog.text
    )


def test_purge_returns_before_the_server_answers(server: RecordingServer, other: RecordingServer) -> None:
    server.gate.clear()  # the slow node holds its answer
    with backends(("Varnish", {"urls": [server.url, other.url]})):
        purge(["a"])
        assert server.answered == 0
        # The fast node is purged while the slow one still holds its answer.
        other.wait_for(1)
        server.wait_for(1)
        assert server.answered == 0
        assert flush(timeout=0.05) is False
        # Tags queued meanwhile are merged and deduped into the slow node's next request.
        purge(["b", "c"])
        purge(["c", "d"])
        server.gate.set()
        assert flush(5) is True
    assert [r.headers["xkey-softpurge"] for r in server.requests] == ["a", "b c d"]
    assert server.answered == 2


def test_timeout(server: RecordingServer) -> None:
    server.gate.clear()
    with backends(("Varnish", {"urls": [server.url]}), COMPOSEKIT_PURGE_TIMEOUT=0.2):
        [outcome] = purge_now(["a"], retries=0)
    assert outcome.error == f"Varnish purge at {server.url} failed: TimeoutError: timed out"


@pytest.mark.django_db
def test_purge_after_commit(server: RecordingServer, django_capture_on_commit_callbacks: Any) -> None:
    with backends(("Varnish", {"urls": [server.url]})):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with pytest.raises(RuntimeError), transaction.atomic():
                purge_after_commit(["rolled-back"])
                raise RuntimeError
            with transaction.atomic():
                purge_after_commit(iter(["committed"]))
        assert len(callbacks) == 1
        assert flush(5)
    assert [r.headers["xkey-softpurge"] for r in server.requests] == ["committed"]


def test_tags_that_would_break_a_header_are_dropped(
    server: RecordingServer, caplog: pytest.LogCaptureFixture
) -> None:
    with backends(("Varnish", {"urls": [server.url]})):
        purge_now(["ok", "two words", "a,b", "x\r\nSet-Cookie: y", ""])
        purge_now("one-tag")
        purge(["two words"])
        assert flush(1)
    assert [r.headers["xkey-softpurge"] for r in server.requests] == ["ok", "one-tag"]
    assert len([r for r in caplog.records if r.msg.startswith("not purging")]) == 5


def test_purge_never_raises(caplog: pytest.LogCaptureFixture) -> None:
    with override_settings(COMPOSEKIT_PURGE_BACKENDS=[{"BACKEND": "nowhere.Cache"}]):
        purge(["a"])
    with override_settings(COMPOSEKIT_PURGE_BACKENDS="composekit.purge.Varnish"):
        purge(["b"])
    assert "could not queue a purge of ['a']" in caplog.text
    assert "cannot import 'nowhere.Cache'" in caplog.text
    assert "could not queue a purge of ['b']" in caplog.text
    assert "COMPOSEKIT_PURGE_BACKENDS must be a list of dicts." in caplog.text


def test_flush_waits_for_purges_queued_before_the_configuration_changed(server: RecordingServer) -> None:
    server.gate.clear()
    with backends(("Varnish", {"urls": [server.url]})):
        purge(["before"])
        server.wait_for(1)
    with override_settings(COMPOSEKIT_PURGE_BACKENDS=[]):
        assert flush(0.05) is False  # the old configuration's lane still waits for its answer
        server.gate.set()
        assert flush(5) is True
    assert server.answered == 1


def test_nothing_configured_sends_nothing() -> None:
    assert configured() == []
    assert purge_now(["a"]) == []
    purge(["a"])
    assert flush(0.5)


def test_backends_are_built_once_per_configuration(server: RecordingServer) -> None:
    with backends(("Varnish", {"urls": [server.url]})):
        first = configured()
        assert configured() is first
        assert repr(first) == f"[Varnish({server.url}, soft=True)]"
    with backends(("Varnish", {"urls": [server.url], "soft": False})):
        assert configured()[0].soft is False


def test_base_class_is_abstract() -> None:
    backend = PurgeBackend()
    with pytest.raises(NotImplementedError):
        backend.targets()
    with pytest.raises(NotImplementedError):
        backend.send("t", ["a"])
    assert issubclass(PurgeFailed, Exception)


@pytest.mark.parametrize(
    ("cls", "options", "message"),
    [
        (Varnish, {"urls": "http://v/"}, "urls must be a list of http(s) URLs of Varnish nodes"),
        (Varnish, {"urls": []}, "urls must be a list"),
        (Varnish, {"urls": [6081]}, "urls must be a list of http(s) URLs of Varnish nodes"),
        (Fastly, {"service_id": "", "token": "t"}, "service_id must be the Fastly service id"),
        (Fastly, {"service_id": "s", "token": "t", "api": "ftp://x"}, "api must be an http(s) URL"),
        (Cloudflare, {"zone_id": "z", "token": None}, "token must be the Cloudflare API token"),
        (Cloudflare, {"zone_id": "z", "token": "t", "api": "x"}, "api must be an http(s) URL"),
    ],
)
def test_backends_refuse_bad_options(cls: type, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cls(**options)


def test_a_forked_child_purges_with_lanes_of_its_own(server: RecordingServer) -> None:
    # gunicorn --preload forks after import: the parent's lane threads do not exist in the child.
    with backends(("Varnish", {"urls": [server.url]})):
        purge(["parent"])
        assert flush(5)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child; coverage does not follow it
            purge(["child"])
            os._exit(0 if flush(5) else 1)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert [r.headers["xkey-softpurge"] for r in server.requests] == ["parent", "child"]


@pytest.mark.slow  # a manage.py subprocess
def test_a_script_that_purges_and_exits_still_purges(server: RecordingServer) -> None:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        f"settings.COMPOSEKIT_PURGE_BACKENDS = [{{'BACKEND': 'composekit.purge.Varnish', "
        f"'OPTIONS': {{'urls': [{server.url!r}]}}}}]; "
        "from composekit.purge import purge; purge(['from-a-script'])"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": "."}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=30)
    poll(lambda: server.answered == 1, 5, "the purge")
    assert [r.headers["xkey-softpurge"] for r in server.requests] == ["from-a-script"]
