"""The package: lazy public names, ``__all__`` everywhere, and the module map in the docs."""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import composekit

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(m.name for m in pkgutil.walk_packages(composekit.__path__, "composekit.") if not m.ispkg)


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("CachePolicy", "composekit.policy"),
        ("CacheableShellMixin", "composekit.shell"),
        ("Fragment", "composekit.fragment"),
        ("answer_with", "composekit.answers"),
        ("cacheable_shell", "composekit.shell"),
        ("fragment_url", "composekit.render"),
        ("register", "composekit.registry"),
    ],
)
def test_public_names_come_from_their_module(name: str, module: str) -> None:
    assert getattr(composekit, name) is getattr(importlib.import_module(module), name)
    assert name in composekit.__all__ and name in dir(composekit)


def test_unknown_names_are_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'composekit' has no attribute 'nope'"):
        composekit.nope  # noqa: B018


def test_importing_the_package_loads_nothing_heavy() -> None:
    # No settings configured: as a settings file importing composekit would be.
    code = (
        "import sys, composekit; "
        "print(sorted(m for m in sys.modules if m.startswith(('composekit', 'rest_framework', 'django.template'))))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "['composekit']"


@pytest.mark.parametrize("module", MODULES)
def test_every_module_says_what_it_exports(module: str, settings: Any) -> None:
    if module == "composekit.toolbar":  # the panel imports the toolbar, whose models need its app
        settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "debug_toolbar"]
    loaded = importlib.import_module(module)
    exported = loaded.__all__
    assert exported, module
    assert [name for name in exported if not hasattr(loaded, name)] == []


def test_the_architecture_doc_maps_every_module() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text()
    paths = [m.replace(".", "/") + ".py" for m in MODULES]
    assert [p for p in paths if f"`{p}`" not in doc] == []


def test_the_architecture_doc_says_which_tests_cover_every_module() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text()
    section = doc.split("\n## Tests\n", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("`")[1]: line for line in section.splitlines() if line.startswith("| `composekit/")}
    paths = [m.replace(".", "/") + ".py" for m in MODULES]
    assert [p for p in paths if p not in rows] == []
    assert [p for p, row in rows.items() if "`tests/" not in row and "runs at startup" not in row] == []
    named = set(re.findall(r"`(tests/[\w/]+\.py)`", doc))
    assert named and sorted(p for p in named if not (ROOT / p).is_file()) == []
