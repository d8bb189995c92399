"""The reference VCL files of docs/varnish/, made ready to run against servers on 127.0.0.1.

Only the backend ports change; everything else runs as shipped. ``esi=False`` also drops
the one line that tells Django this Varnish assembles ESI, for "ESI off" runs.
Plain Python: the tests, ``bench`` and the demo's scripts use it.
"""

from __future__ import annotations

from pathlib import Path

from harness.servers import ROOT

VCL_DIR = ROOT / "docs" / "varnish"
_PORT = '.port = "{}";'
_ANNOUNCE = 'set req.http.Surrogate-Capability = {"varnish="ESI/1.0""};\n'


def reference(folder: Path, port: int, *, esi: bool = True) -> Path:
    """``composekit.vcl`` in ``folder``, in front of one app on ``port``."""
    text = _replace(_reference_text(esi), _PORT.format(8000), _PORT.format(port))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "composekit.vcl"
    path.write_text(text)
    return path


def two_hosts(folder: Path, port_a: int, port_b: int, *, esi: bool = True) -> Path:
    """``two-hosts.vcl`` (and the ``composekit.vcl`` it includes) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "composekit.vcl").write_text(_reference_text(esi))
    text = (VCL_DIR / "two-hosts.vcl").read_text()
    text = _replace(text, _PORT.format(8001), _PORT.format(port_a))
    text = _replace(text, _PORT.format(8002), _PORT.format(port_b))
    path = folder / "two-hosts.vcl"
    path.write_text(text)
    return path


def _reference_text(esi: bool) -> str:
    text = (VCL_DIR / "composekit.vcl").read_text()
    return text if esi else _replace(text, _ANNOUNCE, "")


def _replace(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise ValueError(f"expected {old!r} once in the VCL, found it {text.count(old)} times")
    return text.replace(old, new)
