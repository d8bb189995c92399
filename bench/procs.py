"""gunicorn on loopback, and what its processes cost: CPU time and resident memory from /proc."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import requests

GUNICORN = Path(sys.executable).parent / "gunicorn"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
START_TIMEOUT = 60.0
_LISTENING = re.compile(r"Listening at: (http://127\.0\.0\.1:\d+)")


@dataclass
class Gunicorn:
    process: subprocess.Popen[bytes]
    log: Path
    url: str = ""

    @property
    def pid(self) -> int:
        return self.process.pid

    def worker_pids(self) -> list[int]:
        return sorted(pid for pid, ppid in _processes() if ppid == self.pid)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the master and its live workers so far."""
        return sum(cpu_seconds(pid) for pid in [self.pid, *self.worker_pids()])

    def stop(self) -> None:
        """Stop the master (it stops its workers), then anything left in its process group."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        with suppress(ProcessLookupError):  # the group we started; empty unless a worker hung
            os.killpg(self.pid, signal.SIGKILL)


@contextmanager
def gunicorn(
    app: str,
    *,
    cwd: Path,
    env: Mapping[str, str],
    log: Path,
    workers: int = 2,
    threads: int = 1,
    ready_path: str = "/",
) -> Iterator[Gunicorn]:
    """Serve ``app`` on a free port of 127.0.0.1 (sync workers, or gthread when threads > 1)."""
    args = [
        str(GUNICORN),
        "--no-control-socket",
        "--preload",
        f"--workers={workers}",
        f"--worker-class={'gthread' if threads > 1 else 'sync'}",
        f"--threads={threads}",
        "--bind=127.0.0.1:0",  # the kernel picks a free port; gunicorn logs it
        "--log-level=info",
        app,
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            args, cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Gunicorn(process, log)
    try:
        server.url = _wait_until_up(server, ready_path)
        yield server
    finally:
        server.stop()


def _wait_until_up(server: Gunicorn, ready_path: str) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    url = ""
    with requests.Session() as session:
        session.trust_env = False
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {server.process.returncode}:\n{_tail(server.log)}")
            if not url:
                match = _LISTENING.search(server.log.read_text(errors="replace"))
                url = match.group(1) if match else ""
            if url and len(server.worker_pids()) > 0:
                try:
                    session.get(url + ready_path, timeout=5)
                    return url
                except requests.ConnectionError:
                    pass
            time.sleep(0.05)
    raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT:g} s:\n{_tail(server.log)}")


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def _stat_fields(pid: int) -> list[str]:
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (2nd field) is in parentheses and may hold spaces: split after it.
    return stat[stat.rindex(")") + 2 :].split()


def _processes() -> Iterator[tuple[int, int]]:
    """(pid, parent pid) of every process in /proc."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                yield int(entry.name), int(_stat_fields(int(entry.name))[1])
            except (OSError, ValueError, IndexError):  # it ended while we looked
                continue


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (fields 14 and 15 of /proc/<pid>/stat), in seconds."""
    try:
        fields = _stat_fields(pid)
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_kib(pid: int) -> int:
    """Resident set size (VmRSS) of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def run(args: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 300) -> str:
    """Run a command to completion; its stdout, or an error with its stderr."""
    result = subprocess.run(
        list(args),
        cwd=cwd,
        env=None if env is None else dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        raise RuntimeError(f"{' '.join(args)} exited with {result.returncode}:\n{result.stderr[-4000:]}")
    return result.stdout
