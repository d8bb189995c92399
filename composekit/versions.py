"""What server-cached fragments depend on, and the versions that invalidate them.

A dependency is a name (``"products"``) or a name with ids (``("product", 7)``). Each has a
version in the cache under ``composekit:version:<dependency>``; ``expire()`` moves it to a
new random value, so every key built on the old one is never read again (the entries age
out). No scan, no pattern delete: one write per dependency, whatever depends on it.

Keys are readable on purpose (``redis-cli``, ``MONITOR``, a cache dump): a fragment's HTML
lives under ``composekit:<fragment>:<what it depends on>:<versions>``. See docs/caching.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, TypeAlias
from urllib.parse import quote

from django.core.cache import BaseCache, caches
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

from .conf import conf

__all__ = [
    "Dependency",
    "entry_key",
    "expire",
    "expire_on_change",
    "label",
    "lock_key",
    "version_key",
    "versions",
]

logger = logging.getLogger("composekit")

Dependency: TypeAlias = "str | tuple[Any, ...]"
PREFIX = "composekit"
MAX_KEY_LENGTH = 200  # memcached allows 250, with room for Django's KEY_PREFIX and version
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
_VALUE_SAFE = "-_"  # everything else is %-escaped: ``,``, ``=``, ``:``, ``.`` and ``~`` never clash


def cache() -> BaseCache:
    """The cache of ``COMPOSEKIT_CACHE``."""
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
    return name + "=" + ".".join(_escape(str(v)).replace(".", "%2E") for v in ids)


def version_key(dependency_label: str) -> str:
    return f"{PREFIX}:version:{dependency_label}"


def entry_key(fragment: str, parts: Sequence[str], versions: Sequence[str]) -> str:
    """``composekit:<fragment>:<parts, comma-separated>:<versions, dot-separated>``.

    ``parts`` are what the HTML depends on: the params, who asks (private fragments) and the
    dependencies' labels. An over-long middle is cut and ends in a digest of all of it.
    """
    middle = ",".join(parts) or "-"
    if len(middle) > MAX_KEY_LENGTH - len(fragment) - 64:
        digest = hashlib.sha256(middle.encode()).hexdigest()[:16]
        middle = f"{middle[:80]}~{digest}"
    return f"{PREFIX}:{fragment}:{middle}:{'.'.join(versions) or '-'}"


def lock_key(key: str) -> str:
    """The lock that lets one request at a time regenerate the entry under ``key``."""
    return f"{PREFIX}:lock:{key.removeprefix(PREFIX + ':')}"


def param_part(name: str, value: object) -> str:
    """A param as a key part: strings as they are (escaped), anything else as ``~`` + JSON."""
    if isinstance(value, str):
        return f"{name}={_escape(value)}"
    return f"{name}=~{_escape(json.dumps(value, separators=(',', ':')))}"


def versions(labels: Sequence[str]) -> list[str]:
    """The current version of each dependency, in order; one round trip when all are known.

    A dependency never expired (or evicted) gets a fresh random version: never one it had
    before, so no entry built on an old version can come back.
    """
    if not labels:
        return []
    store = cache()
    keys = [version_key(label) for label in labels]
    found: dict[str, Any] = store.get_many(keys)
    for key in keys:
        if key not in found:
            fresh = _new_version()
            # Another process may set it first: then theirs is the version.
            found[key] = fresh if store.add(key, fresh, timeout=None) else (store.get(key) or fresh)
    return [str(found[key]) for key in keys]


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
    key = version_key(dependency_label)
    try:
        cache().set(key, _new_version(), timeout=None)
    except Exception as error:
        logger.error("could not expire %s: %s: %s", key, type(error).__name__, error, extra={"key": key})
        return False
    return True


def _escape(value: str) -> str:
    # quote() never escapes "~"; a string param must not start with one (see param_part).
    return quote(value, safe=_VALUE_SAFE).replace("~", "%7E")


def _new_version() -> str:
    return secrets.token_hex(4)
