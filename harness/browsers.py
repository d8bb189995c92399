"""How every Chromium of the repository is launched: the tests, ``bench`` and the demo's scripts.

Debian's ``/usr/bin/chromium`` unless ``CK_CHROMIUM`` names another binary, or says
``playwright`` for Playwright's own browser (it cannot download one here).

    browser = playwright.chromium.launch(**chromium_launch_args())

The tests ask for ``headless_shell=True``: Debian's ``chromium-headless-shell`` (the old headless
mode, which Playwright itself runs for headless Chromium) where it is installed. It renders the
same pages with about a third of the full browser's CPU (measured on tests/browser/test_loader.py:
41 s against 148 s), but has no back/forward cache, so ``bfcache=True`` always launches the full
browser. ``bench`` measures in the full browser, as people browse.
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


FULL = "/usr/bin/chromium"
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"


def chromium_executable(headless_shell: bool = False) -> str | None:
    """The Chromium binary to launch; None for Playwright's own. ``CK_CHROMIUM`` decides when
    set; else the headless shell if asked for and installed, else the full browser."""
    path = os.environ.get("CK_CHROMIUM") or (
        HEADLESS_SHELL if headless_shell and os.access(HEADLESS_SHELL, os.X_OK) else FULL
    )
    return None if path == "playwright" else path


def chromium_launch_args(bfcache: bool = False, *, headless_shell: bool = False) -> dict[str, Any]:
    """Keyword arguments of Playwright's ``chromium.launch()``.

    Playwright turns the back/forward cache off (``--disable-back-forward-cache``);
    ``bfcache=True`` keeps it on, as in a browser people use (in the full browser: the headless
    shell has none). ``headless_shell=True``: the lighter headless shell where installed.
    """
    options: dict[str, object] = {"args": list(CHROMIUM_ARGS)}
    executable = chromium_executable(headless_shell and not bfcache)
    if executable is not None:
        options["executable_path"] = executable
    if bfcache:
        options["ignore_default_args"] = ["--disable-back-forward-cache"]
    return options
