from __future__ import annotations

from collections.abc import Mapping

from django.utils.html import format_html_join
from django.utils.safestring import SafeString

__all__ = ["html_attrs"]


def html_attrs(attrs: Mapping[str, object]) -> SafeString:
    """`` key="value"`` for each attribute that is not None, escaped, in the given order."""
    return format_html_join("", ' {}="{}"', ((k, v) for k, v in attrs.items() if v is not None))
