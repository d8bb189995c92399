"""Typed access to the ``COMPOSEKIT_*`` settings, read at access time.

Reading on every access (rather than once at import) keeps ``override_settings``
working in tests. Values are returned as configured; ``checks.py`` validates them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

MODES = ("client", "inline")
# The loader's default too (config.identityCookie): only another name is written into the tag.
DEFAULT_IDENTITY_COOKIE = "ck_identity"


class Settings:
    def _get(self, name: str, default: Any) -> Any:
        return getattr(settings, f"COMPOSEKIT_{name}", default)

    @property
    def MODE(self) -> str:
        """``"inline"`` renders fragments into the page; ``"client"`` leaves them to the loader."""
        mode = self._get("MODE", None)
        if mode is None:
            return "inline" if settings.DEBUG else "client"
        return str(mode)

    @property
    def PARAMS_MAX_BYTES(self) -> int:
        """Largest signed ``p=`` token, in bytes, a placeholder may carry."""
        return int(self._get("PARAMS_MAX_BYTES", 2048))

    @property
    def MAX_DEPTH(self) -> int:
        """How deeply fragments may nest, inline and in the loader."""
        return int(self._get("MAX_DEPTH", 5))

    @property
    def SCRIPT(self) -> str:
        """Static path of the loader that ``{% composekit_script %}`` emits."""
        return str(self._get("SCRIPT", "composekit/composekit.min.js"))

    @property
    def FRAGMENT_ORIGIN(self) -> str | None:
        """Origin (``https://fragments.example.com``) that placeholders point at; None: the page's."""
        value = self._get("FRAGMENT_ORIGIN", None)
        return None if value is None else str(value)

    @property
    def IDENTITY_COOKIE(self) -> str | None:
        """Cookie whose value changes on every login and logout (see ``identity.py``); None: off."""
        value = self._get("IDENTITY_COOKIE", DEFAULT_IDENTITY_COOKIE)
        return None if value is None else str(value)

    @property
    def SERVER_TIMING(self) -> bool:
        return bool(self._get("SERVER_TIMING", True))

    # Loader options. ``None`` means "the loader's own default"; only values set
    # here are written into the script tag's data- attributes.
    @property
    def TIMEOUT(self) -> int | None:
        value = self._get("TIMEOUT", None)
        return None if value is None else int(value)

    @property
    def RETRIES(self) -> int | None:
        value = self._get("RETRIES", None)
        return None if value is None else int(value)

    @property
    def LAZY_MARGIN(self) -> str | None:
        value = self._get("LAZY_MARGIN", None)
        return None if value is None else str(value)

    @property
    def ALLOWED_ORIGINS(self) -> list[str]:
        """Origins the loader may fetch from: the setting, plus FRAGMENT_ORIGIN when set."""
        origins = list(self._get("ALLOWED_ORIGINS", []))
        fragment_origin = self.FRAGMENT_ORIGIN
        if fragment_origin is not None and fragment_origin not in origins:
            origins.append(fragment_origin)
        return origins

    @property
    def ALLOW_SCRIPTS(self) -> bool:
        return bool(self._get("ALLOW_SCRIPTS", False))


conf = Settings()
