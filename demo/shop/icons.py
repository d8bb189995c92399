"""Line icons as inline SVG paths: the demo ships no image files and loads nothing external."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

ICONS: dict[str, str] = {
    "coffee": '<path d="M4 9h13v4a6 6 0 0 1-6 6h-1a6 6 0 0 1-6-6z"/><path d="M17 11h1.5a2.5 2.5 0 0 1 0 5H16"/>'
    '<path d="M8 3v3M12 3v3"/>',
    "kitchen": '<path d="M3 10h18"/><path d="M5 10v5a5 5 0 0 0 5 5h4a5 5 0 0 0 5-5v-5"/><path d="M9 6h6"/>'
    '<path d="M12 6V4"/>',
    "books": '<path d="M3 5h6a3 3 0 0 1 3 3v12a2 2 0 0 0-2-2H3z"/><path d="M21 5h-6a3 3 0 0 0-3 3v12a2 2 0 0 1 2-2h7z"/>',
    "audio": '<path d="M4 16v-4a8 8 0 0 1 16 0v4"/><rect x="3" y="14" width="4" height="6" rx="1.5"/>'
    '<rect x="17" y="14" width="4" height="6" rx="1.5"/>',
    "outdoor": '<path d="M2 20 9 7l4 7 2-3 7 9z"/><path d="M17 5.5a1.5 1.5 0 1 0 0-.01"/>',
    "home": '<path d="M3 11 12 4l9 7"/><path d="M5 10v10h14V10"/><path d="M10 20v-6h4v6"/>',
    "stationery": '<path d="M4 20l1-4L16 5l3 3L8 19z"/><path d="M14 7l3 3"/>',
    "fitness": '<path d="M6 7v10M18 7v10M3 10v4M21 10v4M6 12h12"/>',
    "cart": '<path d="M3 4h2l2.4 11h10.2L20 8H6.2"/><circle cx="9" cy="19.5" r="1.3"/><circle cx="17" cy="19.5" r="1.3"/>',
    "user": '<circle cx="12" cy="8" r="4"/><path d="M4 20a8 8 0 0 1 16 0"/>',
    "check": '<path d="m5 12 5 5 9-10"/>',
}


def icon(name: str, css_class: str = "icon") -> SafeString:
    """An ``<svg>`` drawing icon ``name``; decorative, so hidden from screen readers."""
    return format_html(
        '<svg class="{}" viewBox="0 0 24 24" aria-hidden="true" focusable="false">{}</svg>',
        css_class,
        mark_safe(ICONS[name]),  # constant markup from this module
    )
