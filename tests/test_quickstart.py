"""The README's quickstart, followed step by step in a new project."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"

CLIENT_SCRIPT = """
import json, re, django
django.setup()
from django.test import Client
from django.test.utils import override_settings

client = Client(HTTP_HOST="localhost")  # startproject allows only localhost under DEBUG
page = client.get("/").content.decode()
inline = re.search(r"<ck-fragment.*?</ck-fragment>", page, re.S).group(0)
with override_settings(COMPOSEKIT_MODE="client"):
    page = client.get("/").content.decode()
src = re.search(r'src="([^"]+)"', page.split("<ck-fragment")[1]).group(1)
response = client.get(src.replace("&amp;", "&"))
print(json.dumps([inline, response.status_code, response["Cache-Control"], response.content.decode()]))
"""


def blocks() -> dict[str, str]:
    """README code blocks keyed by the file their first line names."""
    found = {}
    for body in re.findall(r"```(?:python|django)\n(.*?)```", README.read_text(), re.S):
        first, _, rest = body.partition("\n")
        match = re.match(r"^(?:#|\{#) (\S+)", first)
        if match:
            found[match.group(1)] = rest if first.startswith("{#") else body
    return found


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return {**env, **extra}


def run(*args: str, cwd: Path) -> str:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False, env=clean_env())
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_quickstart_works_as_written(tmp_path: Path) -> None:
    code = blocks()
    assert set(code) >= {
        "settings.py",
        "urls.py",
        "shop/fragments.py",
        "shop/templates/shop/user_menu.html",
        "shop/templates/shop/home.html",
    }
    python = sys.executable
    run(python, "-m", "django", "startproject", "mysite", ".", cwd=tmp_path)
    run(python, "manage.py", "startapp", "shop", cwd=tmp_path)

    apps = re.findall(r'"(\w+)",', code["settings.py"])
    assert apps == ["rest_framework", "composekit"]
    settings = tmp_path / "mysite" / "settings.py"
    middleware = re.findall(r'"([\w.]+Middleware)",', code["settings.py"])
    assert middleware == ["composekit.middleware.ComposekitMiddleware"]
    settings.write_text(
        settings.read_text() + f"\nINSTALLED_APPS += {apps + ['shop']!r}\nMIDDLEWARE += {middleware!r}\n"
    )

    include_line = re.search(r"^\s*(path\(.*include.*\)),$", code["urls.py"], re.M)
    assert include_line is not None
    urls = tmp_path / "mysite" / "urls.py"
    urls.write_text(
        urls.read_text().replace("from django.urls import path", "from django.urls import include, path")
        + "\nfrom django.views.generic import TemplateView\n"
        + f"urlpatterns += [{include_line.group(1)}, "
        + 'path("", TemplateView.as_view(template_name="shop/home.html"))]\n'
    )
    for name in ("shop/fragments.py", "shop/templates/shop/user_menu.html", "shop/templates/shop/home.html"):
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code[name])

    assert "System check identified no issues" in run(python, "manage.py", "check", cwd=tmp_path)
    run(python, "manage.py", "migrate", "-v", "0", cwd=tmp_path)
    script = tmp_path / "client.py"
    script.write_text(CLIENT_SCRIPT)
    output = subprocess.run(
        [python, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={
            "DJANGO_SETTINGS_MODULE": "mysite.settings",
            "PYTHONPATH": str(tmp_path),
            "PATH": "/usr/bin:/bin",
        },
    )
    assert output.returncode == 0, output.stderr
    inline, status, cache_control, body = json.loads(output.stdout)
    # startproject sets DEBUG = True: the fragment renders inline.
    assert re.fullmatch(
        r'<ck-fragment name="user-menu" src="/_composekit/user-menu/\?p=[\w-]+:[\w-]+" '
        r'state="loaded">Welcome, guest!\n</ck-fragment>',
        inline,
    ), inline
    assert (status, cache_control, body) == (200, "private, no-cache", "Welcome, guest!\n")
