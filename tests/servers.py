"""Real servers for tests: Django under gunicorn on a free loopback port.

    with gunicorn(tmp_path, settings="tests.served.settings", env={"CK_SERVED_DB": db}) as server:
        requests.get(server.url + "/_composekit/...")

Every server runs in its own process group on 127.0.0.1 and is stopped by its PID when
the ``with`` block ends, however it ends. Its log (and access log, if asked for) is a file
whose tail is printed once the server has stopped: pytest captures it and shows it with a
failure (of the test, or of the fixture that used the server), and only then.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
# gunicorn calls this factory once per worker: no wsgi.py needed, the settings module
# comes from DJANGO_SETTINGS_MODULE.
DJANGO_APP = "django.core.wsgi:get_wsgi_application()"
LOG_TAIL = 100  # lines of a server's log printed on failure


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started with ``start_new_session=True``: its process group, whose id
    is its PID, so its workers or children go with it, and nothing else."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - only if a server hangs
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> None:
    """Return once ``url`` answers (any status); raise, naming the log, if the process dies first."""
    deadline = time.monotonic() + timeout
    with requests.Session() as session:
        session.trust_env = False  # loopback: never through a proxy from the environment
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{process.args[0]} exited with {process.returncode} before answering {url}; log: {log}"
                )
            try:
                session.get(url, timeout=5)  # the first answer loads Django: slow on a busy machine
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout:g} s; log: {log}")


def server_env(settings: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a Django process of the test suite running ``settings``."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }


def manage(settings: str, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Run a management command (e.g. ``migrate``) in a new process; return its stdout."""
    result = subprocess.run(
        [sys.executable, "-m", "django", *args],
        cwd=ROOT,
        env=server_env(settings, env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode:
        raise RuntimeError(f"django-admin {' '.join(args)} exited with {result.returncode}:\n{result.stderr}")
    return result.stdout


@dataclass
class Server:
    url: str  # http://127.0.0.1:<port>, no trailing slash
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    access_log: Path | None

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def access_lines(self) -> list[str]:
        """The access log so far, one request a line (needs ``access_log=True``)."""
        assert self.access_log is not None, "start the server with access_log=True"
        return self.access_log.read_text().splitlines() if self.access_log.exists() else []

    def worker_pids(self) -> list[int]:
        """PIDs of the master's child processes (gunicorn's workers), sorted."""
        return sorted(pid for pid, ppid in _processes() if ppid == self.pid)

    def print_log(self, why: str) -> None:
        lines = self.log_text().splitlines()[-LOG_TAIL:]
        print(f"--- {why}: last {len(lines)} lines of {self.log} ---", *lines, sep="\n")

    def stop(self) -> None:
        """Stop the master and its workers."""
        stop_group(self.process)


@contextmanager
def gunicorn(
    tmp: Path,
    *,
    settings: str,
    env: Mapping[str, str] | None = None,
    app: str = DJANGO_APP,
    workers: int = 2,
    worker_class: str = "sync",
    threads: int = 1,
    ready_path: str = "/",
    access_log: bool = False,
    extra_args: Sequence[str] = (),
    start_timeout: float = 30.0,
) -> Iterator[Server]:
    """Serve ``app`` with gunicorn on 127.0.0.1 until the block ends.

    Yields once ``ready_path`` answers (any status counts: the app is loaded). ``tmp`` holds
    the logs; give each server its own folder, or a distinct one per port is made in it.
    """
    port = free_port()
    folder = tmp / f"gunicorn-{port}"
    folder.mkdir(parents=True)
    log = folder / "server.log"
    access = folder / "access.log" if access_log else None
    args = [
        str(GUNICORN),
        app,
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--worker-class={worker_class}",
        f"--threads={threads}",
        "--no-control-socket",
        f"--chdir={ROOT}",
        *([f"--access-logfile={access}"] if access else []),
        *extra_args,
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=server_env(settings, env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends the workers too
        )
    server = Server(f"http://127.0.0.1:{port}", port, process, log, access)
    try:
        wait_until_up(server.url + ready_path, process, log, start_timeout)
        yield server
    finally:
        server.stop()
        server.print_log(f"gunicorn {server.url} stopped")


def _processes() -> Iterator[tuple[int, int]]:
    """(pid, parent pid) of every process visible in /proc."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it ended while we looked
            continue
        # The command name (2nd field) is in parentheses and may hold spaces: parse after it.
        fields = stat[stat.rindex(")") + 2 :].split()
        yield int(entry.name), int(fields[1])


def rss_kib(pid: int) -> int:
    """Resident set size of a process, in KiB (``VmRSS`` in /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")
