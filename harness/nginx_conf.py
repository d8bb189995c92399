"""The nginx recipe of docs/nginx/, made ready to run against servers on 127.0.0.1.

Only the upstream's address, the port nginx listens on and the cache folder change;
everything else runs as shipped (as harness/vcl.py does for docs/varnish/).
"""

from __future__ import annotations

from pathlib import Path

from harness.servers import ROOT

RECIPE = ROOT / "docs" / "nginx" / "composekit.conf"


def reference(folder: Path, *, app_port: int, port: int) -> Path:
    """``composekit.conf`` in ``folder``: nginx on ``port`` in front of one app on ``app_port``."""
    text = RECIPE.read_text()
    text = _replace(text, "server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
    text = _replace(text, "listen 80;", f"listen 127.0.0.1:{port};")
    text = _replace(
        text, "proxy_cache_path /var/cache/nginx/composekit ", f"proxy_cache_path {folder / 'cache'} "
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "composekit.conf"
    path.write_text(text)
    return path


def _replace(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise ValueError(f"expected {old!r} once in the nginx recipe, found it {text.count(old)} times")
    return text.replace(old, new)
