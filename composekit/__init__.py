"""composekit: cache the page, fetch the person.

Django serves page shells identical for every visitor; per-user parts are fragments,
DRF endpoints with their own cache policy, fetched by a small loader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .policy import CachePolicy
from .registry import register

if TYPE_CHECKING:
    from .fragment import Fragment

__all__ = ["CachePolicy", "Fragment", "register"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Fragment imports DRF's views, which read settings: import it only when asked,
    # so importing composekit (from INSTALLED_APPS, settings files) stays cheap and safe.
    if name == "Fragment":
        from .fragment import Fragment

        return Fragment
    raise AttributeError(f"module 'composekit' has no attribute {name!r}")
