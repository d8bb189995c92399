"""Take docs/demo.png: the catalog as alice sees it, every fragment loaded.

    .venv/bin/python demo/screenshot.py                 # starts a throwaway demo
    .venv/bin/python demo/screenshot.py --url http://127.0.0.1:8000

Chromium as every browser of the repository is launched (harness/browsers.py): Debian's
/usr/bin/chromium, or the path in CK_CHROMIUM ("playwright" for Playwright's own browser).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo.launch import demo_env, demo_server, prepare  # noqa: E402
from harness.browsers import CHROMIUM_ARGS, chromium_launch_args  # noqa: E402

VIEWPORT: ViewportSize = {"width": 1280, "height": 900}


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


def shoot(base_url: str, output: Path) -> None:
    # For a picture: no scrollbars, and glyphs drawn the same on every machine.
    args = [*CHROMIUM_ARGS, "--hide-scrollbars", "--font-render-hinting=none"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**{**chromium_launch_args(), "args": args})  # type: ignore[arg-type]
        try:
            page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
            log_in(page, base_url, "alice", "alice-demo")
            for fragment in page.locator("ck-fragment:not([loading=lazy])").all():
                expect(fragment).to_have_attribute("state", "loaded")
            page.mouse.move(0, 0)  # no hover effect on the first card
            output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(output))
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="a running demo; by default a throwaway one is started")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "demo.png")
    args = parser.parse_args()
    with ExitStack() as stack:
        url = args.url
        if url is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ck-demo-")))
            prepare(workdir)
            url = stack.enter_context(demo_server(demo_env(workdir), workdir, workers=1)).url
        shoot(url.rstrip("/"), args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
