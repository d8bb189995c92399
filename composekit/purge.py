"""Purging shared caches by tag, after the data behind their copies changed.

``purge(tags)`` only queues: a request that changed data must not wait for (or fail with) a
CDN's API. Each target of each configured backend (a Varnish node, Fastly's API) has its own
lane, a daemon thread that takes everything queued for it, deduped, in chunks of the
backend's ``max_tags``, and retries with exponential backoff and jitter. A slow or dead
target therefore only delays itself, and tags queued while it retries join its next batch.

A purge that is given up is logged and counted, never raised: the shared copy then lives
until its maximum lifetime, the safety net (docs/purging.md).
"""

from __future__ import annotations

import atexit
import inspect
import logging
import os
import random
import re
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import transaction
from django.utils.module_loading import import_string

from .conf import conf
from .purgers import Cloudflare, Fastly, PurgeBackend, PurgeFailed, Varnish
from .signals import tags_purged

__all__ = [
    "Cloudflare",
    "Fastly",
    "Outcome",
    "PurgeBackend",
    "PurgeFailed",
    "Varnish",
    "build",
    "configured",
    "flush",
    "purge",
    "purge_after_commit",
    "purge_now",
    "stats",
]

logger = logging.getLogger("composekit.purge")

_TAG_RE = re.compile(r"^[!-+\--~]+$")  # printable ASCII without spaces or commas: safe in every header
_MAX_DELAY = 60.0
_EXIT_DEADLINE = 3.0


@dataclass(frozen=True)
class Outcome:
    """What happened at one target: ``error`` is the last failure when ``ok`` is False."""

    backend: str
    target: str
    ok: bool
    attempts: int
    error: str | None = None


def build(spec: Any) -> PurgeBackend:
    """One backend from a ``{"BACKEND": ..., "OPTIONS": {...}}`` entry, or ImproperlyConfigured."""
    where = f"COMPOSEKIT_PURGE_BACKENDS entry {spec!r}"
    if not isinstance(spec, dict) or not isinstance(spec.get("BACKEND"), str):
        raise ImproperlyConfigured(f'{where} is not a dict with a "BACKEND" dotted path.')
    options = spec.get("OPTIONS", {})
    if not isinstance(options, dict):
        raise ImproperlyConfigured(f"{where}: OPTIONS must be a dict of keyword arguments.")
    try:
        cls = import_string(spec["BACKEND"])
    except ImportError as error:
        raise ImproperlyConfigured(f"{where}: cannot import {spec['BACKEND']!r} ({error}).") from error
    if not (isinstance(cls, type) and issubclass(cls, PurgeBackend)):
        raise ImproperlyConfigured(f"{where}: {spec['BACKEND']!r} is not a PurgeBackend subclass.")
    try:
        return cls(**options)
    except (TypeError, ValueError) as error:
        parameters = inspect.signature(cls).parameters.values()
        takes = ", ".join(p.name if p.default is p.empty else f"{p.name}={p.default!r}" for p in parameters)
        raise ImproperlyConfigured(
            f"{where}: {cls.__name__} refused its OPTIONS ({error}); it takes {takes}."
        ) from error


_lock = threading.Lock()
_backends: list[PurgeBackend] | None = None


def configured() -> list[PurgeBackend]:
    """The backends of ``COMPOSEKIT_PURGE_BACKENDS``, built once per configuration."""
    global _backends
    with _lock:
        if _backends is None:
            specs = conf.PURGE_BACKENDS
            if not isinstance(specs, (list, tuple)):
                raise ImproperlyConfigured("COMPOSEKIT_PURGE_BACKENDS must be a list of dicts.")
            _backends = [build(spec) for spec in specs]
        return _backends


def purge(tags: Iterable[str]) -> None:
    """Queue ``tags`` for every configured backend and return at once; never raises."""
    try:
        clean = _clean(tags)
        if clean:
            _sender().add(clean)
    except Exception:
        logger.exception("could not queue a purge of %s", tags)


def purge_after_commit(tags: Iterable[str], using: str | None = None) -> None:
    """``purge(tags)`` once the current transaction commits; nothing if it rolls back."""
    tags = list(tags)
    transaction.on_commit(lambda: purge(tags), using=using)


def flush(timeout: float = 10.0) -> bool:
    """Wait until everything queued so far was sent or given up (True), or ``timeout`` (False)."""
    sender = _current
    return True if sender is None else sender.wait(time.monotonic() + timeout)


def purge_now(tags: Iterable[str], *, retries: int | None = None, hard: bool = False) -> list[Outcome]:
    """Send ``tags`` now, to every target of every backend in parallel; one ``Outcome`` each."""
    clean = _clean(tags)
    lanes = [(b.hard() if hard else b, t) for b in configured() for t in b.targets()]
    if not clean or not lanes:
        return []
    with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix="composekit-purge") as pool:
        futures = [pool.submit(_deliver, backend, target, clean, retries) for backend, target in lanes]
        return [future.result() for future in futures]


_counts = {"sent": 0, "failed": 0, "given_up": 0, "retried": 0}
_counts_lock = threading.Lock()


def stats() -> dict[str, int]:
    """Requests ``sent``, attempts ``failed``, chunks ``given_up``, attempts ``retried``."""
    with _counts_lock:
        return dict(_counts)


def _count(name: str) -> None:
    with _counts_lock:
        _counts[name] += 1


def _clean(tags: Iterable[str]) -> list[str]:
    if isinstance(tags, str):  # one tag, not its characters
        tags = [tags]
    clean = []
    for tag in dict.fromkeys(tags):
        if isinstance(tag, str) and _TAG_RE.match(tag):
            clean.append(tag)
        else:
            logger.error("not purging %r: a tag is printable ASCII without spaces or commas", tag)
    return clean


def _deliver(backend: PurgeBackend, target: str, tags: Sequence[str], retries: int | None) -> Outcome:
    """Send ``tags`` to ``target`` in chunks of ``max_tags``, each retried on failure."""
    retries = conf.PURGE_RETRIES if retries is None else retries
    name, attempts, error, reason = type(backend).__name__, 0, None, ""
    for start in range(0, len(tags), backend.max_tags):
        chunk = list(tags[start : start + backend.max_tags])
        for attempt in range(1, retries + 2):
            if attempt > 1:
                _count("retried")
                delay = conf.PURGE_BACKOFF * 2 ** (attempt - 2) * random.uniform(0.5, 1.5)
                time.sleep(min(delay, _MAX_DELAY))
            attempts += 1
            began = time.monotonic()
            try:
                backend.send(target, chunk)
            except Exception as failure:  # a backend's bug must not kill its lane either
                reason = str(failure) if isinstance(failure, PurgeFailed) else repr(failure)
                _signal(backend, target, chunk, False, attempt, began, reason)
                _count("failed")
                logger.warning("%s (attempt %d of %d)", reason, attempt, retries + 1)
                continue
            _signal(backend, target, chunk, True, attempt, began, None)
            _count("sent")
            break
        else:
            _count("given_up")
            error = reason
            logger.error(
                "gave up purging %d tags at %s after %d attempts: %s", len(chunk), target, retries + 1, reason
            )
    return Outcome(name, target, error is None, attempts, error)


def _signal(
    backend: PurgeBackend,
    target: str,
    tags: list[str],
    ok: bool,
    attempt: int,
    began: float,
    error: str | None,
) -> None:
    duration = time.monotonic() - began
    try:
        tags_purged.send(
            type(backend), target=target, tags=tags, ok=ok, attempt=attempt, duration=duration, error=error
        )
    except Exception:
        logger.exception("a tags_purged receiver failed")


class _Lane:
    """One target's queue and the thread that drains it."""

    def __init__(self, sender: _Sender, backend: PurgeBackend, target: str) -> None:
        self.sender, self.backend, self.target = sender, backend, target
        self.pending: dict[str, None] = {}  # ordered and deduped
        self.queued = self.done = 0  # batches added, and the last one sent or given up
        self.thread: threading.Thread | None = None

    def run(self) -> None:
        cond = self.sender.cond
        while True:
            with cond:
                while not self.pending and not self.sender.closed:
                    cond.wait()
                if not self.pending:
                    return
                tags, seq = list(self.pending), self.queued
                self.pending.clear()
            _deliver(self.backend, self.target, tags, None)
            with cond:
                self.done = seq
                cond.notify_all()


class _Sender:
    """The lanes of one configuration, in one process."""

    def __init__(self, backends: list[PurgeBackend]) -> None:
        self.pid = os.getpid()
        self.cond = threading.Condition()
        self.closed = False
        self.lanes = [_Lane(self, backend, target) for backend in backends for target in backend.targets()]

    def add(self, tags: list[str]) -> None:
        with self.cond:
            for lane in self.lanes:
                lane.pending.update(dict.fromkeys(tags))
                lane.queued += 1
                if lane.thread is None:
                    name = f"composekit-purge {lane.target}"
                    lane.thread = threading.Thread(target=lane.run, name=name, daemon=True)
                    lane.thread.start()
            self.cond.notify_all()

    def wait(self, deadline: float) -> bool:
        with self.cond:
            goals = [(lane, lane.queued) for lane in self.lanes]
            while any(lane.done < goal for lane, goal in goals):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True

    def close(self) -> None:
        """Let the lanes finish what they hold, then end."""
        with self.cond:
            self.closed = True
            self.cond.notify_all()


_current: _Sender | None = None


def _sender() -> _Sender:
    global _current
    backends = configured()
    with _lock:
        if _current is None or _current.pid != os.getpid():
            _current = _Sender(backends)
        return _current


def _forget(*, setting: str, **kwargs: Any) -> None:
    global _backends, _current
    if setting.startswith("COMPOSEKIT_PURGE_"):
        with _lock:
            if _current is not None:
                _current.close()
            _backends = _current = None


def _after_fork() -> None:
    # The parent's lanes have no thread here, and its locks may be held by one that does not exist.
    global _lock, _current
    _lock, _current = threading.Lock(), None


setting_changed.connect(_forget, dispatch_uid="composekit.purge")
os.register_at_fork(after_in_child=_after_fork)
atexit.register(flush, _EXIT_DEADLINE)
