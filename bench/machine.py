"""What the figures were measured on: the machine, the versions, and the load on it."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from harness.browsers import chromium_executable


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _mem_total_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _command_version(*args: str) -> str:
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    return out.splitlines()[0] if out else "unknown"


def _package(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, Any]:
    chromium = chromium_executable()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count() or 0,
        "ram_gib": round(_mem_total_gib(), 1),
        "os": f"{platform.system()} {platform.release()}",
        "versions": {
            "Python": platform.python_version(),
            "Django": _package("django"),
            "Django REST framework": _package("djangorestframework"),
            "gunicorn": _package("gunicorn"),
            "requests": _package("requests"),
            "Playwright": _package("playwright"),
            "Chromium": "Playwright's own"
            if chromium is None
            else _command_version(chromium, "--version").removeprefix("Chromium "),
            "node": _command_version("node", "--version"),
            "npm": _command_version("npm", "--version"),
        },
        "python_executable": sys.executable,
    }


def load() -> dict[str, Any]:
    """Load averages and the busiest processes right now: other work skews the figures."""
    one, five, fifteen = os.getloadavg()
    try:
        ps = subprocess.run(
            ["ps", "-eo", "pcpu,comm", "--sort=-pcpu", "--no-headers"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.splitlines()
        top = ", ".join(" ".join(line.split()[::-1]) + "%" for line in ps[:5])
    except (OSError, subprocess.TimeoutExpired):
        top = "unknown"
    return {"loadavg": [round(one, 2), round(five, 2), round(fifteen, 2)], "top": top}
