"""(3) Loader size: min+gzip -9 and min+brotli (quality 11) bytes of composekit's loader and
of its peers from npm.

Each peer is installed from the npm registry into a temporary folder in the same run. A
package's own minified browser bundle is used when it ships one; otherwise esbuild (the
version composekit builds with) bundles and minifies its entry point into an IIFE, and the
report says so.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import brotli

from harness.servers import ROOT, run

COMPOSEKIT = ROOT / "composekit/static/composekit/composekit.min.js"
LIVE = ROOT / "composekit/static/composekit/composekit-live.min.js"  # the live features' own file
ESBUILD = ROOT / "node_modules/.bin/esbuild"
# (what the report calls it, the npm package)
PEERS = (
    ("include-fragment-element", "@github/include-fragment-element"),
    ("hinclude", "Hinclude"),  # published under its original capitalised name
    ("h-include", "h-include"),
    ("htmx.org", "htmx.org"),
    ("@hotwired/turbo", "@hotwired/turbo"),
)


def gzip9(data: bytes) -> int:
    """Bytes after ``gzip -9 -n`` (the gzip binary when present, else zlib at level 9)."""
    if shutil.which("gzip"):
        out = subprocess.run(["gzip", "-9", "-n", "-c"], input=data, capture_output=True, check=True).stdout
        return len(out)
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def brotli11(data: bytes) -> int:
    """Bytes after brotli at quality 11 (what whitenoise writes for ``.br`` files)."""
    return len(brotli.compress(data, quality=11))


def sizes(data: bytes) -> dict[str, int]:
    return {"minified": len(data), "gzip": gzip9(data), "brotli": brotli11(data)}


def install(folder: Path, packages: Sequence[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text('{"private": true}\n')
    run(
        ["npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error", *packages],
        cwd=folder,
    )


def _shipped_minified(package_dir: Path, manifest: dict[str, Any]) -> Path | None:
    for field in ("unpkg", "jsdelivr", "browser"):
        value = manifest.get(field)
        if isinstance(value, str) and value.endswith(".min.js") and (package_dir / value).is_file():
            return package_dir / value
    return None


def _entry(package_dir: Path, manifest: dict[str, Any]) -> Path:
    for field in ("module", "main"):
        value = manifest.get(field)
        if isinstance(value, str) and (package_dir / value).is_file():
            return package_dir / value
    scripts = sorted(package_dir.glob("*.js"))
    if len(scripts) == 1:
        return scripts[0]
    raise RuntimeError(f"cannot tell the entry point of {manifest.get('name')}")


def measure_package(folder: Path, label: str, package: str) -> dict[str, Any]:
    package_dir = folder / "node_modules" / package
    manifest = json.loads((package_dir / "package.json").read_text())
    shipped = _shipped_minified(package_dir, manifest)
    if shipped is not None:
        data = shipped.read_bytes()
        how = f"shipped `{shipped.relative_to(package_dir)}`"
        path = shipped
    else:
        entry = _entry(package_dir, manifest)
        path = folder / f"{label.replace('/', '_').replace('@', '')}.min.js"
        run(
            [
                str(ESBUILD),
                str(entry),
                "--bundle",
                "--minify",
                "--format=iife",
                "--target=es2020",
                f"--outfile={path}",
            ],
            cwd=folder,
        )
        data = path.read_bytes()
        how = f"no minified bundle shipped: esbuild --bundle --minify of `{entry.relative_to(package_dir)}`"
    return {
        "name": label,
        "package": package,
        "version": manifest.get("version", "?"),
        **sizes(data),
        "how": how,
        "path": str(path),
    }


def run_sizes(folder: Path, peers: Sequence[tuple[str, str]] = PEERS) -> dict[str, Any]:
    install(folder, [package for _, package in peers])
    composekit = COMPOSEKIT.read_bytes()
    version = json.loads((ROOT / "package.json").read_text()).get("version", "?")
    rows = [
        {
            "name": "composekit",
            "package": "composekit (this repo)",
            "version": version,
            **sizes(composekit),
            "how": "committed `composekit/static/composekit/composekit.min.js`",
            "path": str(COMPOSEKIT),
        },
        {
            "name": "composekit-live",
            "package": "composekit-live (this repo)",
            "version": version,
            **sizes(LIVE.read_bytes()),
            "how": "committed `composekit/static/composekit/composekit-live.min.js`, a second file "
            "for pages that use refresh-on, refresh-every, forms or other tabs",
            "path": str(LIVE),
        },
    ]
    rows += [measure_package(folder, label, package) for label, package in peers]
    return {"rows": rows, "folder": str(folder)}
