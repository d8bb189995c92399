"""The server cache's keys, readable on purpose (``redis-cli``, ``MONITOR``, a cache dump).

A fragment's HTML lives under ``composekit:<fragment>:<what it depends on>:<versions>``
(``entry_key()``), a dependency's version under ``composekit:version:<label>``
(``version_key()``), the lock of one regeneration under ``composekit:lock:...``
(``lock_key()``). What the versions are and how they move is ``versions.py``; how the cache
uses the keys is ``servercache.py``. See docs/caching.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from urllib.parse import quote

__all__ = ["entry_key", "escape", "lock_key", "param_part", "version_key"]

PREFIX = "composekit"
MAX_KEY_LENGTH = 200  # memcached allows 250, with room for Django's KEY_PREFIX and version
_VALUE_SAFE = "-_"  # everything else is %-escaped: ``,``, ``=``, ``:``, ``.`` and ``~`` never clash


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
        return f"{name}={escape(value)}"
    return f"{name}=~{escape(json.dumps(value, separators=(',', ':')))}"


def escape(value: str) -> str:
    """``value`` with everything that separates key parts %-escaped (``param_part()``, ``versions.label()``)."""
    # quote() never escapes "~"; a string param must not start with one (see param_part).
    return quote(value, safe=_VALUE_SAFE).replace("~", "%7E")
