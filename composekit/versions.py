"""What server-cached fragments depend on, and the versions that invalidate them.

A dependency is a name (``"products"``) or a name with ids (``("product", 7)``). Each has a
version in the cache under ``composekit:version:<dependency>``; ``expire()`` moves it to a
new random value, so every key built on the old one is never read again (the entries age
out). No scan, no pattern delete: one write per dependency, whatever depends on it.

The keys themselves (readable: ``composekit:<fragment>:<what it depends on>:<versions>``)
are built by ``keys.py``. See docs/caching.md.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, TypeAlias

from django.core.cache import BaseCache, caches
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

from . import keys
from .conf import conf
from .deprecation import moved

__all__ = ["Dependency", "cache_backend", "expire", "expire_on_change", "label", "versions"]

logger = logging.getLogger("composekit")

Dependency: TypeAlias = "str | tuple[Any, ...]"
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")

# The key builders this module used to hold (keys.py builds the keys now), and an old name.
__getattr__ = moved(
    __name__,
    {
        "cache": "composekit.versions.cache_backend",
        "entry_key": "composekit.keys.entry_key",
        "lock_key": "composekit.keys.lock_key",
        "param_part": "composekit.keys.param_part",
        "version_key": "composekit.keys.version_key",
    },
)


def cache_backend() -> BaseCache:
    """The Django cache ``COMPOSEKIT_CACHE`` names: the server cache's entries, the versions
    and the locks live in it."""
    return caches[conf.CACHE]


def label(dependency: Dependency) -> str:
    """``"products"`` stays ``products``; ``("product", 7)`` is ``product=7``; ``("price", "eu", 7)``
    is ``price=eu.7``. Ids are escaped, so a label holds no ``:`` or ``,`` of its own."""
    name, ids = (dependency, ()) if isinstance(dependency, str) else (dependency[0], dependency[1:])
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(
            f"a dependency is a name of letters, digits, '_', '.' or '-', or a (name, id, ...) "
            f"tuple, not {dependency!r}"
        )
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValueError(f"dependency {name!r}: ids are str or int, not {value!r}")
    if not ids:
        return name
    # Ids are joined by ".", so a "." inside one is escaped too.
    return name + "=" + ".".join(keys.escape(str(v)).replace(".", "%2E") for v in ids)


def versions(labels: Sequence[str]) -> list[str]:
    """The current version of each dependency, in order; one round trip when all are known.

    A dependency never expired (or evicted) gets a fresh random version: never one it had
    before, so no entry built on an old version can come back.
    """
    if not labels:
        return []
    store = cache_backend()
    names = [keys.version_key(label) for label in labels]
    found: dict[str, Any] = store.get_many(names)
    for key in names:
        if key not in found:
            fresh = _new_version()
            # Another process may set it first: then theirs is the version.
            found[key] = fresh if store.add(key, fresh, timeout=None) else (store.get(key) or fresh)
    return [str(found[key]) for key in names]


def expire(name: str, *ids: str | int) -> bool:
    """Move the version of dependency ``name`` (with ``ids``): everything built on it renders anew.

    ``expire("product", product.pk)`` after a product changed. Returns False (and logs an
    error) when the cache could not be written: a cache outage must not fail the write that
    called it; what depends on the dependency is then stale until its timeout.

    Shared caches are purged of what is tagged with it (``tags.py``) once the transaction
    commits (at once outside one; a rolled-back change purges nothing), in the background.
    """
    dependency_label = label((name, *ids))
    moved = _move(dependency_label)
    # After the move: a purge sent first could be revalidated against the old version.
    _purge_after_commit([dependency_label])
    return moved


def expire_on_change(
    model: type[models.Model], dependencies: Callable[[Any], Iterable[Dependency]]
) -> Callable[[], None]:
    """Expire ``dependencies(instance)`` whenever an instance of ``model`` is saved or deleted.

    It happens once the transaction commits: a request rendering in between would read the
    old rows and store them under the new version. Shared caches are purged of what is tagged
    with them then too (``expire()``). Returns a function that disconnects it.

        expire_on_change(Product, lambda product: [("product", product.sku), "products"])
    """
    receiver = partial(_expire_later, dependencies)
    uid = f"composekit.expire_on_change:{model._meta.label}:{id(dependencies)}"
    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid)

    def disconnect() -> None:
        post_save.disconnect(sender=model, dispatch_uid=uid)
        post_delete.disconnect(sender=model, dispatch_uid=uid)

    return disconnect


def _expire_later(dependencies: Callable[[Any], Iterable[Dependency]], instance: Any, **kwargs: Any) -> None:
    labels = [label(d) for d in dependencies(instance)]  # now: the instance may change before commit

    def moved() -> None:
        for dependency_label in labels:
            _move(dependency_label)
        _purge_after_commit(labels)  # committed already: sent now

    transaction.on_commit(moved, using=kwargs.get("using"))


def _purge_after_commit(labels: list[str]) -> None:
    from . import purge, tags

    if tags.purging():
        purge.purge_after_commit(tags.purge_tags(labels))


def _move(dependency_label: str) -> bool:
    key = keys.version_key(dependency_label)
    try:
        cache_backend().set(key, _new_version(), timeout=None)
    except Exception as error:
        logger.error("could not expire %s: %s: %s", key, type(error).__name__, error, extra={"key": key})
        return False
    return True


def _new_version() -> str:
    return secrets.token_hex(4)
