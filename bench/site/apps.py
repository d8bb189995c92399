from __future__ import annotations

from django.apps import AppConfig


class BenchSiteConfig(AppConfig):
    name = "bench.site"
    label = "bench_site"
