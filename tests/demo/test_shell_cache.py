"""The demo's own shell cache in Django (shop/shells.py) keeps shells until what they show
changes: a price set by a back-office command is on the next page, no clock involved."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import requests

from demo.launch import DEMO_DIR, copy_prepared, demo_env, demo_server
from harness.servers import run
from tests.demo.test_demo import product_path

pytestmark = pytest.mark.slow  # the demo behind Varnish, started for this module


def test_a_cached_shell_is_dropped_when_what_it_shows_changes(
    tmp_path: Path, prepared_demo: Path, redis_url: str
) -> None:
    copy_prepared(prepared_demo, tmp_path)
    # On Redis, as several processes share it: the command below moves versions there.
    env = demo_env(tmp_path, COMPOSEKIT_MODE="client", DEMO_REDIS_URL=redis_url)
    with demo_server(env, tmp_path / "logs") as demo:
        path = product_path(demo.url)
        first = requests.get(demo.url + path, timeout=10)
        again = requests.get(demo.url + path, timeout=10)
        assert (first.headers["X-Shell-Cache"], again.headers["X-Shell-Cache"]) == ("miss", "hit")
        sku = re.search(r"Item ([A-Z]+-\d+)", first.text).group(1)  # type: ignore[union-attr]
        # A product page that shows nothing of this product (not even a card): kept.
        links = re.findall(
            r'class="card-link" href="(/p/[^"]+)"', requests.get(demo.url + "/", timeout=10).text
        )
        unrelated = next(
            link
            for link in links
            if f'data-sku="{sku}"' not in requests.get(demo.url + link, timeout=10).text
        )
        assert requests.get(demo.url + unrelated, timeout=10).headers["X-Shell-Cache"] == "hit"
        run([sys.executable, "manage.py", "set_price", sku, "321.09"], cwd=DEMO_DIR, env=env)
        changed = requests.get(demo.url + path, timeout=10)
        assert changed.headers["X-Shell-Cache"] == "miss"
        assert "$321.09" in changed.text  # the price the shell holds, in the fragment's fallback
        assert requests.get(demo.url + path, timeout=10).headers["X-Shell-Cache"] == "hit"
        assert requests.get(demo.url + unrelated, timeout=10).headers["X-Shell-Cache"] == "hit"
