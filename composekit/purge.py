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
import re
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import transaction
from django.utils.module_loading import import_string

from . import lanes
from .conf import conf
from .lanes import Outcome, Sender, deliver, stats
from .purgers import Cloudflare, Fastly, PurgeBackend, PurgeFailed, Varnish

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
_EXIT_DEADLINE = 3.0


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
    kept = [tags] if isinstance(tags, str) else list(tags)  # a generator is read now, not after commit
    transaction.on_commit(lambda: purge(kept), using=using)


def flush(timeout: float = 10.0) -> bool:
    """Wait until everything queued so far was sent or given up (True), or ``timeout`` (False)."""
    deadline = time.monotonic() + timeout
    with _lock:
        senders = [*_retired, *([_current] if _current is not None else [])]
    done = all(sender.wait(deadline) for sender in senders)  # after one times out, all would
    with _lock:
        _retired[:] = [sender for sender in _retired if sender.busy()]
    return done


def purge_now(tags: Iterable[str], *, retries: int | None = None, hard: bool = False) -> list[Outcome]:
    """Send ``tags`` now, to every target of every backend in parallel; one ``Outcome`` each."""
    clean = _clean(tags)
    pairs = [(b.hard() if hard else b, t) for b in configured() for t in b.targets()]
    if not clean or not pairs:
        return []
    with ThreadPoolExecutor(max_workers=len(pairs), thread_name_prefix="composekit-purge") as pool:
        futures = [pool.submit(deliver, backend, target, clean, retries) for backend, target in pairs]
        return [future.result() for future in futures]


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


_current: Sender | None = None
_retired: list[Sender] = []  # replaced by a new configuration, still sending what they hold


def _sender() -> Sender:
    global _current
    backends = configured()
    with _lock:
        if _current is None or _current.pid != os.getpid():
            _current = Sender(backends)
        return _current


def _forget(*, setting: str, **kwargs: Any) -> None:
    global _backends, _current
    if setting.startswith("COMPOSEKIT_PURGE_"):
        with _lock:
            if _current is not None:
                _current.close()
                _retired.append(_current)
            _backends = _current = None


def _after_fork() -> None:  # pragma: no cover - runs in the forked child, which coverage does not follow
    # The parent's lanes have no thread here, and its locks may be held by one that does not exist.
    global _lock, _current
    _lock, _current = threading.Lock(), None
    lanes.after_fork()
    _retired.clear()


setting_changed.connect(_forget, dispatch_uid="composekit.purge")
os.register_at_fork(after_in_child=_after_fork)
atexit.register(flush, _EXIT_DEADLINE)
