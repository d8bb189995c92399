"""The demo's settings with section (2)'s URLs (``bench.endpoint_urls``)."""

from __future__ import annotations

from demo_site.settings import *  # noqa: F403

ROOT_URLCONF = "bench.endpoint_urls"
