"""How every Chromium of the repository is launched: the tests, ``bench`` and the demo's scripts.

Debian's ``/usr/bin/chromium`` unless ``CK_CHROMIUM`` names another binary, or says
``playwright`` for Playwright's own browser (it cannot download one here).

    browser = playwright.chromium.launch(**chromium_launch_args())
"""

from __future__ import annotations

import os
from typing import Any

CHROMIUM_ARGS = (
    "--no-sandbox",  # the tests run as root in containers
    "--disable-gpu",
    # No traffic or work of its own: only the page's requests, on a quiet machine.
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)


def chromium_executable() -> str | None:
    """The Chromium binary to launch; None for Playwright's own."""
    path = os.environ.get("CK_CHROMIUM", "/usr/bin/chromium")
    return None if path == "playwright" else path


def chromium_launch_args(bfcache: bool = False) -> dict[str, Any]:
    """Keyword arguments of Playwright's ``chromium.launch()``.

    Playwright turns the back/forward cache off (``--disable-back-forward-cache``);
    ``bfcache=True`` keeps it on, as in a browser people use.
    """
    options: dict[str, object] = {"args": list(CHROMIUM_ARGS)}
    executable = chromium_executable()
    if executable is not None:
        options["executable_path"] = executable
    if bfcache:
        options["ignore_default_args"] = ["--disable-back-forward-cache"]
    return options
