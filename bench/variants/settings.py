"""The demo's settings for one variant of the browsing benchmark (``BENCH_VARIANT``).

Equal for all three: the demo's settings (cached_db sessions, persistent database
connections, the same middleware but composekit's own), with Django's cache in a Redis of
the variant's own (``BENCH_REDIS_URL``): sessions, the demo's shell cache, the ``{% cache %}``
tags' parts.

- ``composed``: the demo as shipped (client mode, or ``BENCH_COMPOSEKIT_MODE``; its
  ``{% cache %}`` tags off, as shipped).
- ``monolithic``: what a site without composekit serves. The demo's URLs with its page
  views unwrapped of ``@cacheable_shell`` and the shell cache (``bench.variants.urls``); the
  ``composekit`` template library replaced by ``bench.variants.tags``, which renders each
  fragment's template with its ``get_context()`` in the page (no sub-request, no DRF); no
  composekit middleware; the ``{% cache %}`` tags off (DummyCache).
- ``monolithic-cache``: the same, with the ``{% cache %}`` tags on: the shared parts of each
  page (category bar, product grids, product details, related products) kept in Redis until
  changed, like composed's shells (``bench.variants.cache``), and the picks kept per user by
  their cart's version (``bench.variants.tags``).

In both monolithic variants the buy box posts over fetch and swaps in the parts the answer
brings (``bench.variants.urls``), as an htmx-style app would.
"""

from __future__ import annotations

import os
from typing import Any

from demo_site.settings import *  # noqa: F403
from demo_site.settings import MIDDLEWARE, TEMPLATES

VARIANT = os.environ["BENCH_VARIANT"]
VARIANTS = ("composed", "monolithic", "monolithic-cache")
if VARIANT not in VARIANTS:
    raise ValueError(f"BENCH_VARIANT must be one of {', '.join(VARIANTS)}, not {VARIANT!r}")

_REDIS = {"BACKEND": "composekit.rediscache.RedisCache", "LOCATION": os.environ["BENCH_REDIS_URL"]}
_OFF = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
_KEPT = {**_REDIS, "BACKEND": "bench.variants.cache.KeptTemplateParts"}
CACHES = {"default": _REDIS, "template_fragments": _KEPT if VARIANT == "monolithic-cache" else _OFF}
# composed's mode: client as shipped; section 1c (bench.first_view) runs esi and stream too.
COMPOSEKIT_MODE = os.environ.get("BENCH_COMPOSEKIT_MODE", "client")

if VARIANT != "composed":
    ROOT_URLCONF = "bench.variants.urls"
    MIDDLEWARE = [name for name in MIDDLEWARE if not name.startswith("composekit.")]
    _options: dict[str, Any] = TEMPLATES[0]["OPTIONS"]
    TEMPLATES = [
        {**TEMPLATES[0], "OPTIONS": {**_options, "libraries": {"composekit": "bench.variants.tags"}}}
    ]
