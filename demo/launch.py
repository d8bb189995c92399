"""Start throwaway copies of the demo: for the browser tests and the screenshot script.

Plain Python, no Django import: the callers (pytest with the test suite's settings, or a
script) run the demo in subprocesses with ``DJANGO_SETTINGS_MODULE=demo_site.settings``.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
START_TIMEOUT = 30.0
_LISTENING = re.compile(r"Listening at: (http://\S+)")


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
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def prepare(workdir: Path) -> None:
    """Migrate, seed and collect static files into ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "setup_demo"],
        cwd=DEMO_DIR,
        env=demo_env(workdir),
        check=True,
        capture_output=True,
        text=True,
    )


def copy_prepared(source: Path, target: Path) -> None:
    """A second demo with the same data (its own database, the same static files)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "db.sqlite3", target / "db.sqlite3")
    (target / "static").symlink_to(source / "static")


class Server:
    """A gunicorn running the demo on a free port of 127.0.0.1."""

    def __init__(self, env: Mapping[str, str], workers: int = 2) -> None:
        self.log: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--no-control-socket",
                "--preload",  # import errors show here, before the port is reported
                f"--workers={workers}",
                "--bind=127.0.0.1:0",  # the kernel picks a free port; gunicorn reports it
                "demo_site.wsgi",
            ],
            cwd=DEMO_DIR,
            env=dict(env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._drain, daemon=True).start()
        self.url = ""

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def wait_until_listening(self, timeout: float = START_TIMEOUT) -> str:
        """Block until gunicorn has bound its socket; return the demo's base URL.

        With ``--preload`` the app is loaded before the socket is bound: requests sent
        from now on wait in the listen backlog until a worker takes them.
        """
        while not self.url:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                raise RuntimeError(f"the demo did not start in {timeout} s:\n{self.output}") from None
            if line is None:
                raise RuntimeError(f"the demo exited with {self.process.wait()}:\n{self.output}")
            match = _LISTENING.search(line)
            if match:
                self.url = match.group(1)
        return self.url

    @property
    def output(self) -> str:
        return "".join(self.log)

    def stop(self) -> None:
        """Stop gunicorn by its PID (it stops its workers), then anything left in its group."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        with suppress(ProcessLookupError):  # the session we started; usually empty by now
            os.killpg(self.process.pid, signal.SIGKILL)


@contextmanager
def running(env: Mapping[str, str], workers: int = 2) -> Iterator[Server]:
    server = Server(env, workers)
    try:
        server.wait_until_listening()
        yield server
    finally:
        server.stop()
