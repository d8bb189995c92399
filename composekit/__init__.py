"""composekit: cache the page, fetch the person.

Django serves page shells identical for every visitor; per-user parts are fragments,
DRF endpoints with their own cache policy, fetched by a small loader.

The public names are importable from here. Each is imported from its module when first
asked for, so ``import composekit`` (from ``INSTALLED_APPS``, a settings file) loads
neither DRF nor Django's views and templates.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .answers import answer_with
    from .fragment import Fragment
    from .generations import invalidate
    from .persession import end_session, end_user_sessions
    from .policy import CachePolicy
    from .registry import register
    from .render import fragment_url
    from .servercache import ServerCache
    from .shell import CacheableShellMixin, cacheable_shell
    from .triggers import submitted_by_loader, trigger
    from .versions import expire, expire_on_change

__all__ = [
    "CachePolicy",
    "CacheableShellMixin",
    "Fragment",
    "ServerCache",
    "answer_with",
    "cacheable_shell",
    "end_session",
    "end_user_sessions",
    "expire",
    "expire_on_change",
    "fragment_url",
    "invalidate",
    "register",
    "submitted_by_loader",
    "trigger",
]
__version__ = "0.1.0"

# Public name -> the module that defines it.
_MODULES = {
    "CachePolicy": "policy",
    "CacheableShellMixin": "shell",
    "Fragment": "fragment",
    "ServerCache": "servercache",
    "answer_with": "answers",
    "cacheable_shell": "shell",
    "end_session": "persession",
    "end_user_sessions": "persession",
    "expire": "versions",
    "expire_on_change": "versions",
    "fragment_url": "render",
    "invalidate": "generations",
    "register": "registry",
    "submitted_by_loader": "triggers",
    "trigger": "triggers",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'composekit' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # found once; later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
