"""The lanes that send purges: one queue and one daemon thread per purge target.

A lane takes everything queued for its target at once (merged and deduped), sends it in
chunks of the backend's ``max_tags``, and retries each failed chunk with exponential
backoff and jitter. Lanes never share a thread, so a target that is slow, or down and being
retried, delays only itself; tags queued meanwhile join its next batch. ``deliver()`` is
the same sending for ``purge_now()``, which waits for it.

A chunk that failed every retry is logged and counted as given up, and kept: the lane sends
it again, with whatever was queued meanwhile, ``PARK_DELAY`` later, until the target takes
it. A target that is down delays its purges and loses none while the process lives. What a
lane keeps is bounded: past ``MAX_KEPT`` tags it keeps only the site tag (``composekit``),
which purges every copy composekit tagged: more purged than needed, never a stale copy.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from .conf import conf
from .purgers import PurgeBackend, PurgeFailed
from .signals import tags_purged

__all__ = ["Lane", "Outcome", "Sender", "deliver", "stats"]

logger = logging.getLogger("composekit.purge")

MAX_DELAY = 60.0  # seconds: the longest wait before a retry, whatever the backoff says
PARK_DELAY = 30.0  # seconds before a lane sends again what it gave up on
MAX_KEPT = 10_000  # tags a lane keeps for a target that is down, at most


@dataclass(frozen=True)
class Outcome:
    """What happened at one target: ``error`` is the last failure when ``ok`` is False."""

    backend: str
    target: str
    ok: bool
    attempts: int
    error: str | None = None
    unsent: tuple[str, ...] = ()  # the tags of the chunks given up


_counts = {"sent": 0, "failed": 0, "given_up": 0, "retried": 0}
_counts_lock = threading.Lock()


def stats() -> dict[str, int]:
    """Requests ``sent``, attempts ``failed``, chunks ``given_up``, attempts ``retried``."""
    with _counts_lock:
        return dict(_counts)


def _count(name: str) -> None:
    with _counts_lock:
        _counts[name] += 1


def deliver(backend: PurgeBackend, target: str, tags: Sequence[str], retries: int | None) -> Outcome:
    """Send ``tags`` to ``target`` in chunks of ``max_tags``, each retried on failure."""
    retries = conf.PURGE_RETRIES if retries is None else retries
    name, attempts, error, reason = type(backend).__name__, 0, None, ""
    unsent: list[str] = []
    for start in range(0, len(tags), backend.max_tags):
        chunk = list(tags[start : start + backend.max_tags])
        for attempt in range(1, retries + 2):
            if attempt > 1:
                _count("retried")
                delay = conf.PURGE_BACKOFF * 2 ** (attempt - 2) * random.uniform(0.5, 1.5)
                time.sleep(min(delay, MAX_DELAY))
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
            unsent += chunk
            logger.error(
                "gave up purging %d tags at %s after %d attempts: %s", len(chunk), target, retries + 1, reason
            )
    return Outcome(name, target, error is None, attempts, error, tuple(unsent))


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


class Lane:
    """One target's queue and the thread that drains it."""

    def __init__(self, sender: Sender, backend: PurgeBackend, target: str) -> None:
        self.sender, self.backend, self.target = sender, backend, target
        self.pending: dict[str, None] = {}  # ordered and deduped
        self.queued = self.done = 0  # batches added, and the last one sent or given up
        self.kept: dict[str, None] = {}  # given up on: sent again PARK_DELAY later
        self.resume_at = 0.0
        self.thread: threading.Thread | None = None

    def run(self) -> None:
        cond = self.sender.cond
        while True:
            with cond:
                while not self._due() and not self.sender.closed:
                    cond.wait(None if not self.kept else max(self.resume_at - time.monotonic(), 0.01))
                if not self.pending and (not self.kept or self.sender.closed):
                    return  # closing: what is kept is lost with the process (logged above)
                tags, seq = list({**self.kept, **self.pending}), self.queued
                self.pending.clear()
                self.kept.clear()
            outcome = deliver(self.backend, self.target, tags, None)
            with cond:
                self.done = seq
                if outcome.unsent:
                    self._keep(outcome.unsent)
                cond.notify_all()

    def _due(self) -> bool:
        """Whether there is something to send now: new tags, or kept ones whose wait is over."""
        return bool(self.pending) or (bool(self.kept) and time.monotonic() >= self.resume_at)

    def _keep(self, unsent: Sequence[str]) -> None:
        self.kept.update(dict.fromkeys(unsent))
        if len(self.kept) > MAX_KEPT:
            from .tags import SITE_TAG

            logger.error(
                "more than %d tags wait for %s: purging everything composekit tagged there instead",
                MAX_KEPT,
                self.target,
            )
            self.kept = {conf.TAG_PREFIX + SITE_TAG: None}
        self.resume_at = time.monotonic() + PARK_DELAY
        logger.warning("%d tags kept for %s: sent again in %g s", len(self.kept), self.target, PARK_DELAY)


class Sender:
    """The lanes of one configuration, in one process."""

    def __init__(self, backends: list[PurgeBackend]) -> None:
        self.pid = os.getpid()
        self.cond = threading.Condition()
        self.closed = False
        self.lanes = [Lane(self, backend, target) for backend in backends for target in backend.targets()]

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

    def busy(self) -> bool:
        with self.cond:
            return any(lane.done < lane.queued for lane in self.lanes)

    def close(self) -> None:
        """Let the lanes finish what they hold, then end."""
        with self.cond:
            self.closed = True
            self.cond.notify_all()


def after_fork() -> None:  # pragma: no cover - runs in the forked child
    """Forget a lock a thread of the parent may have held (the thread is not in the child)."""
    global _counts_lock
    _counts_lock = threading.Lock()
