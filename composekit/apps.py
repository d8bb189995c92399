from __future__ import annotations

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules

__all__ = ["ComposekitConfig"]


class ComposekitConfig(AppConfig):
    name = "composekit"
    verbose_name = "composekit"

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401 - registers the system checks
            identity,  # noqa: F401 - connects to login and logout
            metrics,
            persession,
        )

        metrics.setup()
        persession.connect()
        autodiscover_modules("fragments")
