"""Fixtures for the demo's own tests (shop/tests/)."""

from __future__ import annotations

from typing import Any

import pytest

pytest_plugins = ["composekit.testing.pytest_plugin"]


@pytest.fixture(autouse=True)
def _static_files_without_collectstatic(settings: Any) -> None:
    # The manifest storage needs collectstatic's manifest; names without hashes will do here.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
