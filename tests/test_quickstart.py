"""The README's quickstart, followed as written, from a built wheel in a fresh virtualenv.

Each code block of the README's "Quickstart" section is a step, in order: shell blocks are
run line by line (``python`` is the virtualenv's, ``/path/to/composekit`` this checkout's
copy), file blocks are written to the file their first line names, and the blocks that add to
``settings.py`` are added to it as they say. ``runserver`` lines start the server (without
its reloader, on a free port) and the page is checked there: with ``DEBUG`` on, then off,
the second time in Chromium too.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from harness.servers import ROOT, run, runserver

pytestmark = [pytest.mark.browser, pytest.mark.slow]

README = ROOT / "README.md"
BUILT = ("composekit/static/composekit/composekit.min.js", "composekit/static/composekit/types/index.d.ts")


def steps() -> list[tuple[str, str]]:
    """(language, body) of each code block of the README's Quickstart section, in order."""
    text = README.read_text()
    section = text[text.index("## Quickstart\n") : text.index("\n## ", text.index("## Quickstart\n") + 1)]
    return re.findall(r"```(\w+)\n(.*?)```", section, re.S)


def checkout_copy(target: Path) -> Path:
    """This checkout's tracked files (the built loader among them), as a clone would have them."""
    files = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


def add_to_settings(settings: Path, block: str) -> None:
    """What a settings block asks: list items around its ``...``, and other lines as written."""
    text = settings.read_text()
    additions = []
    for name, body in re.findall(r"^(\w+) = \[\n(.*?)^\]", block, re.S | re.M):
        items = re.findall(r'^\s*"([^"]+)",', body, re.M)
        before, _, after = body.partition("...,")
        first = [i for i in items if f'"{i}"' in before]
        last = [i for i in items if f'"{i}"' in after]
        additions.append(f"{name} = [*{first!r}, *[x for x in {name} if x not in {first!r}], *{last!r}]")
    for line in block.splitlines():
        if re.match(r"^\w+ = (?![\[{]$)", line):
            additions.append(line)
    additions += re.findall(r"^\w+ = \{\n.*?^\}$", block, re.S | re.M)  # a dict, whole
    settings.write_text(text + "\n" + "\n".join(additions) + "\n")


class Project:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.checkout = checkout_copy(tmp / "composekit")
        self.dir = tmp / "project"
        self.dir.mkdir()
        venv = tmp / "venv"
        run([sys.executable, "-m", "venv", str(venv)])
        self.bin = venv / "bin"
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTHON", "VIRTUAL_ENV"))
        }
        self.env["PATH"] = f"{self.bin}:{os.environ['PATH']}"
        self.pages: list[str] = []

    def sh(self, line: str, page: Page) -> None:
        words = shlex.split(line.replace("/path/to/composekit", str(self.checkout)))
        if words[:2] == ["python", "manage.py"] and words[2] == "runserver":
            self.serve(page)
            return
        if words[:4] == ["python", "-m", "pip", "install"] and words[4:] == ["build"]:
            return  # the test's own environment has build; the checkout's is not a virtualenv
        if words[:3] == ["python", "-m", "build"]:
            # The build runs where a developer's Python is: this test's, with `build` installed.
            run([sys.executable, "-m", "build", *words[3:]], cwd=self.checkout, env=self.env)
            return
        if words[0] == "python":
            words[0] = str(self.bin / "python")
        elif words[0] == "django-admin":
            words[0] = str(self.bin / "django-admin")
        output = run(words, cwd=self.dir, env=self.env)
        if words[-1] == "check":
            assert "System check identified no issues" in output

    def file(self, body: str) -> None:
        first, _, rest = body.partition("\n")
        name = re.match(r"^(?:#|\{#) ([\w/.]+)", first).group(1)  # type: ignore[union-attr]
        path = self.dir / name
        if "...," in body:  # additions to a file startproject wrote
            add_to_settings(path, body)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rest if first.startswith("{#") else body)

    def serve(self, page: Page) -> None:
        with runserver(self.tmp, python=str(self.bin / "python"), cwd=self.dir, env=self.env) as server:
            if len(self.pages) == 0:
                debug_on(server.url)
            else:
                debug_off(server.url, page)
            self.pages.append(server.url)


def debug_on(url: str) -> None:
    response = requests.get(url + "/", timeout=30)
    assert response.status_code == 200, response.text
    html = response.text
    assert re.search(
        r'<ck-fragment name="user-menu" src="/_composekit/user-menu/\?p=[\w-]+:[\w-]+" '
        r'state="loaded">Welcome, guest!\n</ck-fragment>',
        html,
    ), html
    assert response.headers["Cache-Control"] == "private, no-cache"  # inline: per user
    src = re.search(r'src="(/_composekit/[^"]+)"', html).group(1)  # type: ignore[union-attr]
    fragment = requests.get(url + src.replace("&amp;", "&"), timeout=30)
    assert (fragment.status_code, fragment.text) == (200, "Welcome, guest!\n")
    assert fragment.headers["Cache-Control"] == "private, no-cache"
    assert fragment.headers["X-Robots-Tag"] == "noindex"


def debug_off(url: str, page: Page) -> None:
    response = requests.get(url + "/", timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "public, max-age=60, s-maxage=300"
    html = response.text
    assert '<ck-fragment name="user-menu" src="/_composekit/user-menu/?p=' in html
    assert "state=" not in html  # a placeholder: the loader fills it
    script = re.search(r'<script src="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    # The manifest storage's name, with a hash of the content, which whitenoise serves as such.
    assert re.fullmatch(r"/static/composekit/composekit\.min\.[0-9a-f]{12}\.js", script), script
    loader = requests.get(url + script, timeout=30, headers={"Accept-Encoding": "gzip"})
    assert loader.status_code == 200
    assert loader.headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert loader.headers["Content-Encoding"] == "gzip"
    page.goto(url + "/")
    fragment = page.locator('ck-fragment[name="user-menu"]')
    expect(fragment).to_have_attribute("state", "loaded")
    expect(fragment).to_have_text("Welcome, guest!")


def test_the_quickstart_works_as_written(tmp_path: Path, page: Page) -> None:
    project = Project(tmp_path)
    for language, body in steps():
        if language == "sh":
            for line in body.splitlines():
                if line.strip() and not line.startswith("#"):
                    project.sh(line, page)
        elif language in ("python", "django") and re.match(r"^(#|\{#) [\w/.]+", body):
            project.file(body)
    assert len(project.pages) == 2  # served with DEBUG on, then off

    # The wheel the README installed, and the sdist beside it, carry the built loader.
    [wheel] = (project.checkout / "dist").glob("*.whl")
    [sdist] = (project.checkout / "dist").glob("*.tar.gz")
    assert set(BUILT) <= set(zipfile.ZipFile(wheel).namelist())
    with tarfile.open(sdist) as archive:
        names = {name.partition("/")[2] for name in archive.getnames()}
    assert set(BUILT) <= names
    installed = run([str(project.bin / "python"), "-m", "pip", "show", "-f", "composekit"], env=project.env)
    assert "composekit/static/composekit/types/globals.d.ts" in installed
