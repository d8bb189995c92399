"""Throwaway copies of the demo, for the tests, the benchmarks and the screenshot script,
and the demo on two app hosts behind Varnish (``demo_cluster()``, ``make demo-varnish``).

Plain Python, no Django import: the callers (pytest with the test suite's settings, or a
script) run the demo in subprocesses with ``DJANGO_SETTINGS_MODULE=demo_site.settings``.
The servers come from harness/servers.py, the repository's one way of starting them.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness import vcl
from harness.servers import Server, free_port, gunicorn, redis_server, run, varnishd

DEMO_DIR = Path(__file__).resolve().parent


def demo_env(workdir: Path, **extra: str) -> dict[str, str]:
    """The environment of a demo whose database and static files live in ``workdir``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DEMO_", "COMPOSEKIT_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="demo_site.settings",
        DEMO_DB=str(workdir / "db.sqlite3"),
        DEMO_STATIC_ROOT=str(workdir / "static"),
        DEMO_SECRET_KEY_FILE=str(workdir / "secret_key"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def prepare(workdir: Path) -> str:
    """Migrate, seed and collect static files into ``workdir``; what it printed (the logins)."""
    workdir.mkdir(parents=True, exist_ok=True)
    return run([sys.executable, "manage.py", "setup_demo"], cwd=DEMO_DIR, env=demo_env(workdir))


def copy_prepared(source: Path, target: Path) -> None:
    """A second demo with the same data (its own database, the same static files)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "db.sqlite3", target / "db.sqlite3")
    (target / "static").symlink_to(source / "static")


# What run.sh (make demo) serves with: one process (its memory is the shell and session
# cache), gthread workers with this many threads. A new connection holds a thread until its
# request arrives (gunicorn gives up on it after 5 s and waits for it without a thread), so
# idle connections beyond this number delay requests; a browser opens at most 6 to a host.
THREADS = 16


@contextmanager
def demo_server(
    env: Mapping[str, str],
    logs: Path,
    *,
    workers: int = 1,
    threads: int = THREADS,
    port: int = 0,
    access_log: bool = False,
) -> Iterator[Server]:
    """The demo under gunicorn on ``port`` of 127.0.0.1 (0: a free one), its log in a folder
    under ``logs`` (with ``access_log``, every request in its ``access.log`` too)."""
    app = "demo_site.wsgi"
    with gunicorn(
        logs,
        env=env,
        app=app,
        cwd=DEMO_DIR,
        workers=workers,
        threads=threads,
        port=port,
        access_log=access_log,
    ) as server:
        yield server


@dataclass(frozen=True)
class Cluster:
    proxy: Server  # Varnish: where browsers go
    hosts: tuple[Server, Server]  # the two app hosts, A and B
    redis: Server

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis.port}"


@contextmanager
def demo_cluster(
    env: Mapping[str, str],
    logs: Path,
    *,
    address: str = "127.0.0.1:0",
    esi: bool = True,
    host_ports: tuple[int, int] = (0, 0),
    redis_port: int = 0,
) -> Iterator[Cluster]:
    """The demo on two gunicorn hosts sharing one database (``env``'s) and one redis-server,
    behind Varnish (docs/varnish/two-hosts.vcl) listening on ``address``.

    ``esi``: the hosts run in ESI mode and Varnish assembles pages; else client mode.
    ``host_ports`` and ``redis_port``: where the app hosts and Redis listen (0: a free port). Django's
    own shell cache is off: Varnish keeps the shells, and the price, until the hosts purge
    them (a product saved).
    """
    host, _, port = address.rpartition(":")
    if port == "0":  # the hosts must know where to send purges before Varnish starts
        address = f"{host}:{free_port()}"
    with redis_server(logs, port=redis_port) as redis:
        shared = {
            **env,
            "DEMO_REDIS_URL": f"redis://127.0.0.1:{redis.port}",
            "COMPOSEKIT_MODE": "esi" if esi else "client",
            "DEMO_SHELL_CACHE": "0",
            "DEMO_PURGE_VARNISH": f"http://{address}",
        }
        with (
            demo_server(shared, logs, port=host_ports[0]) as a,
            demo_server(shared, logs, port=host_ports[1]) as b,
        ):
            config = vcl.two_hosts(logs / "vcl", a.port, b.port)
            with varnishd(logs, vcl=config, address=address, ready_path="/health/") as proxy:
                yield Cluster(proxy, (a, b), redis)
