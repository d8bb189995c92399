"""Metrics: what composekit's signals report, counted by Prometheus or OpenTelemetry.

    COMPOSEKIT_METRICS = ["prometheus"]   # or ["opentelemetry"], or both

``setup()`` (called by ``AppConfig.ready()``, and again when the setting changes) builds one
recorder per name (``prometheus.py``, ``otel.py``) and connects the receivers below to
``fragment_rendered``, ``batch_answered`` and ``tags_purged``. Unset, nothing is connected: the
signals cost what they cost without receivers.

Labels are bounded: a fragment's registered name (any other under ``OTHER``), the mode it was
asked in (``MODES``), its status code, what the server cache did, a purge backend's class name.
Never params, users, URLs or targets.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

from django.core.signals import setting_changed
from django.http import HttpRequest

from . import registry
from .conf import conf
from .esi import is_include
from .signals import batch_answered, fragment_rendered, tags_purged

__all__ = ["BACKENDS", "MODES", "OTHER", "Recorder", "connect", "mode_of", "setup"]

logger = logging.getLogger("composekit")

BACKENDS = ("prometheus", "opentelemetry")
MODES = ("client", "batch", "inline", "esi")
OTHER = "other"  # the fragment label of a name no fragment is registered under


class Recorder(Protocol):
    """What a metrics backend records; each method is called once per event."""

    def fragment(self, name: str, mode: str, status: int, duration: float) -> None:
        """A fragment response: its status, and how long the view took."""

    def server_cache(self, name: str, result: str) -> None:
        """What the server cache did: hit, miss, stale, error, regenerated."""

    def batch(self, parts: int) -> None:
        """A batch request of ``parts`` fragments."""

    def purge(self, backend: str, ok: bool, duration: float) -> None:
        """One purge request (one attempt at one target)."""


_recorders: tuple[Recorder, ...] = ()


def mode_of(request: HttpRequest, *, inline: bool, batch: bool) -> str:
    """How a fragment was asked for: one of ``MODES``."""
    if batch:
        return "batch"
    if inline:
        return "inline"
    return "esi" if is_include(request) else "client"


def _fragment_label(sender: Any, name: str) -> str:
    # The sender is the fragment class; a class served without @register (as_view() in a
    # URLconf) may carry any name: one label for all of them keeps the series bounded.
    return name if registry.get(name) is sender else OTHER


def _on_fragment_rendered(sender: Any, **kwargs: Any) -> None:
    name = _fragment_label(sender, kwargs["name"])
    cache = kwargs.get("cache")
    for recorder in _recorders:
        if cache is not None:
            recorder.server_cache(name, cache)
        if kwargs["response"] is not None:  # None: a stale entry rendered again, no response
            mode = mode_of(kwargs["request"], inline=kwargs["inline"], batch=kwargs["batch"])
            recorder.fragment(name, mode, kwargs["status"], kwargs["duration"])


def _on_batch_answered(sender: Any, *, parts: int, **kwargs: Any) -> None:
    for recorder in _recorders:
        recorder.batch(parts)


def _on_tags_purged(sender: Any, *, ok: bool, duration: float, **kwargs: Any) -> None:
    backend = getattr(sender, "__name__", OTHER)
    for recorder in _recorders:
        recorder.purge(backend, ok, duration)


_RECEIVERS = (
    (fragment_rendered, _on_fragment_rendered),
    (batch_answered, _on_batch_answered),
    (tags_purged, _on_tags_purged),
)


def connect(recorders: Sequence[Recorder]) -> None:
    """Feed these recorders (and no others) from now on; none disconnects the receivers."""
    global _recorders
    _recorders = tuple(recorders)
    for signal, receiver in _RECEIVERS:
        uid = f"composekit.metrics.{receiver.__name__}"
        if _recorders:
            signal.connect(receiver, dispatch_uid=uid)
        else:
            signal.disconnect(receiver, dispatch_uid=uid)


def recorder_for(backend: str) -> Recorder:
    """The recorder of a ``COMPOSEKIT_METRICS`` name; ``ImportError`` when its package is missing."""
    if backend == "prometheus":
        from . import prometheus

        return prometheus.recorder()
    if backend == "opentelemetry":
        from . import otel

        return otel.Recorder()
    raise ValueError(f"{backend!r} is not one of {', '.join(BACKENDS)}")


def setup() -> None:
    """Connect the recorders ``COMPOSEKIT_METRICS`` names. A name that is not valid, or whose
    package is not installed, is left out here: ``composekit.E005``/``E009`` report it."""
    recorders = []
    for backend in conf.METRICS:
        try:
            recorders.append(recorder_for(backend))
        except (ImportError, ValueError) as error:
            logger.error("COMPOSEKIT_METRICS: %r left out: %s", backend, error)
    connect(recorders)


def _setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "COMPOSEKIT_METRICS":
        setup()


setting_changed.connect(_setting_changed, dispatch_uid="composekit.metrics")
