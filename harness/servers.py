"""Real servers on 127.0.0.1 for the tests, the benchmarks and the demo scripts.

    with gunicorn(tmp, env=django_env("tests.served.settings", CK_SERVED_DB=db)) as app:
        requests.get(app.url + "/_composekit/...")
    with varnishd(tmp, backend=f"127.0.0.1:{app.port}") as proxy: ...
    with nginx(tmp, include=conf, port=port) as proxy: ...   # conf listens on port
    with redis_server(tmp) as redis: ...   # redis.port

Each server runs in a folder of its own under the one given (its log, its work files), in
a process group of its own, and is stopped by its PID (the group's id) when the block ends,
however it ends. Ports are never guessed: gunicorn and varnishd bind port 0 and the port the
kernel gave them is read from /proc; redis-server and nginx cannot bind port 0, so their port is
picked and bound while holding a lock file that every user of this module takes.

When a block fails (or the server died on its own) the tail of the server's log is printed
after it stops. Under pytest it is printed after every stop: pytest keeps captured output
and shows it only with a failure.

Plain Python and ``requests``, no Django: ``bench`` and the demo's scripts import it too.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"
VARNISHSTAT = shutil.which("varnishstat") or "/usr/bin/varnishstat"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# gunicorn calls this factory in the master (--preload): no wsgi.py needed, the settings
# module comes from DJANGO_SETTINGS_MODULE.
DJANGO_APP = "django.core.wsgi:get_wsgi_application()"
START_TIMEOUT = 60.0  # the first answer loads Django: slow on a busy machine
LOG_TAIL = 60  # lines of a server's log printed after a failure
PORT_LOCK = Path(tempfile.gettempdir()) / "composekit-ports.lock"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ServerError(RuntimeError):
    """A server did not start; the message ends with the tail of its log."""


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    folder: Path  # its own: the log, and whatever else the server writes
    port: int = 0
    not_ready: str = ""  # why the last readiness check failed, for the error if it never passes

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def log_tail(self, lines: int = LOG_TAIL) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def access_lines(self) -> list[str]:
        """gunicorn's access log so far, one request a line (needs ``access_log=True``)."""
        path = self.folder / "access.log"
        return path.read_text().splitlines() if path.exists() else []

    def worker_pids(self) -> list[int]:
        """The PIDs of the server's child processes (gunicorn's workers, varnishd's child)."""
        return children(self.pid)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server and its live children so far."""
        return sum(cpu_seconds(pid) for pid in [self.pid, *self.worker_pids()])

    def stop(self) -> None:
        """Stop the server's process group (its id is the server's PID), and nothing else."""
        if self.process.poll() is None:
            os.killpg(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:  # pragma: no cover - only if a server hangs
                os.killpg(self.pid, signal.SIGKILL)
                self.process.wait()
        with suppress(ProcessLookupError):  # a child that outlived its parent; usually none
            os.killpg(self.pid, signal.SIGKILL)


@contextmanager
def gunicorn(
    parent: Path,
    *,
    env: Mapping[str, str],
    app: str = DJANGO_APP,
    cwd: Path = ROOT,
    workers: int = 2,
    threads: int = 4,
    access_log: bool = False,
    extra_args: Sequence[str] = (),
    ready_path: str = "/",
    port: int = 0,
) -> Iterator[Server]:
    """Serve the WSGI ``app`` until the block ends; yields once ``ready_path`` answers.

    ``threads`` > 1 runs gthread workers, which keep idle connections open without blocking
    a worker: the only choice where a browser connects. ``threads=1`` runs sync workers.
    ``port``: listen on that one of 127.0.0.1; 0, a free one.
    """
    folder = _folder(parent, "gunicorn")
    args = [
        str(GUNICORN),
        app,
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--worker-class={'gthread' if threads > 1 else 'sync'}",
        f"--threads={threads}",
        "--preload",  # import errors end the master before it binds, with the traceback in its log
        "--no-control-socket",
        f"--chdir={cwd}",
        *([f"--access-logfile={folder / 'access.log'}"] if access_log else []),
        *extra_args,
    ]
    with _serving(_start("gunicorn", args, folder, cwd=cwd, env=env), _answers_http(ready_path)) as server:
        yield server


# What composekit's VCL wants of varnishd: a failed ESI include never cuts a page short.
VARNISH_PARAMS = ("-p", "feature=+esi_include_onerror")


@contextmanager
def runserver(
    parent: Path, *, python: str, cwd: Path, env: Mapping[str, str], ready_path: str = "/"
) -> Iterator[Server]:
    """A project's ``manage.py runserver`` (no reloader: one process) until the block ends."""
    folder = _folder(parent, "runserver")
    args = [python, "manage.py", "runserver", "--noreload", "127.0.0.1:0"]
    with _serving(_start("runserver", args, folder, cwd=cwd, env=env), _answers_http(ready_path)) as server:
        yield server


@contextmanager
def varnishd(
    parent: Path,
    *,
    vcl: Path | None = None,
    backend: str | None = None,
    ready_path: str = "/",
    address: str = "127.0.0.1:0",
    extra_args: Sequence[str] = VARNISH_PARAMS,
) -> Iterator[Server]:
    """Varnish in front of ``backend`` (``host:port``), or running the ``vcl`` file.

    ``address`` is where it listens (a free port of 127.0.0.1 unless told); ``extra_args``
    go to varnishd as they are (``-p name=value`` parameters).
    """
    if (vcl is None) == (backend is None):
        raise ValueError("give varnishd a vcl file or a backend, not both")
    folder = _folder(parent, "varnishd")
    args = [
        VARNISHD,
        "-F",  # foreground: the PID we hold is the manager's
        f"-n{_varnish_work(folder)}",
        f"-a{address}",
        f"-f{vcl}" if vcl else f"-b{backend}",
        "-Tnone",  # no management port
        "-jnone",  # no jail: runs as whoever runs it
        "-smalloc,64m",
        *extra_args,
    ]
    with _serving(_start("varnishd", args, folder), _answers_http(ready_path)) as server:
        yield server


@contextmanager
def nginx(parent: Path, *, include: Path, port: int, ready_path: str = "/") -> Iterator[Server]:
    """nginx running ``include`` (directives of nginx.conf's ``http`` block) until the block ends.

    ``include`` must listen on ``127.0.0.1:<port>`` (pick it with ``free_port()``). Everything
    nginx writes (its log, temporary files, the pid file) goes in the server's folder; a
    cache folder named by ``include`` is the caller's.
    """
    folder = _folder(parent, "nginx")
    # Run as root (a container, CI), nginx would start its workers as nobody, who cannot
    # read folders made by this process: keep them as the user that runs the tests.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(
        f"    {kind}_temp_path {folder / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        f"{user}daemon off;\nmaster_process on;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log stderr notice;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n    access_log {folder / 'access.log'};\n{temp}    include {include};\n}}\n"
    )
    args = [NGINX, "-e", "stderr", "-p", str(folder), "-c", str(folder / "nginx.conf")]
    server = _start("nginx", args, folder)
    server.port = port
    with _serving(server, _answers_http(ready_path)) as server:
        yield server


def varnish_counters(server: Server) -> dict[str, int]:
    """The counters of a varnishd from ``varnishd()`` (``MAIN.cache_hit``, ``MAIN.s_pass``, ...)."""
    out = run([VARNISHSTAT, f"-n{_varnish_work(server.folder)}", "-1", "-j"], timeout=30)
    data = json.loads(out)
    counters = data.get("counters", data)  # varnishstat 7 nests them; 6 did not
    return {name: c["value"] for name, c in counters.items() if isinstance(c, dict) and "value" in c}


def _varnish_work(folder: Path) -> Path:
    return folder / "work"


@contextmanager
def redis_server(parent: Path, *, port: int = 0) -> Iterator[Server]:
    """Debian's redis-server with no persistence: ``redis://127.0.0.1:<port>``.

    ``port``: listen on that one (a redis-server started again where its clients look for the
    one that was stopped); 0, a free one.
    """
    folder = _folder(parent, "redis")
    with _port_lock():
        for attempt in range(3):  # a process outside this module may take the port first
            chosen = port or _unused_port()
            args = [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(chosen), "--dir", str(folder)]
            server = _start("redis-server", [*args, "--save", "", "--daemonize", "no"], folder)
            server.port = chosen
            try:
                _wait(server, _answers_ping)
                break
            except BaseException:
                server.stop()
                if port or attempt == 2 or "Address already in use" not in server.log_tail():
                    raise
    with _serving(server):
        yield server


def loopback_session() -> requests.Session:
    """A ``requests`` session for servers on 127.0.0.1: never through a proxy from the environment."""
    session = requests.Session()
    session.trust_env = False
    return session


def django_env(settings: str, **extra: str) -> dict[str, str]:
    """The environment of a Django process running ``settings`` from this repository."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": settings, "PYTHONPATH": str(ROOT), **extra}


def manage(settings: str, *args: str, **env: str) -> str:
    """Run a management command (e.g. ``migrate``) in a new process; return its stdout."""
    return run([sys.executable, "-m", "django", *args], env=django_env(settings, **env))


def run(
    args: Sequence[str], *, cwd: Path = ROOT, env: Mapping[str, str] | None = None, timeout: float = 300
) -> str:
    """Run a command to completion; its stdout, or an error with the end of its stderr."""
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


# -- starting, waiting, stopping ---------------------------------------------------------


def _folder(parent: Path, name: str) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=parent))


def _start(
    name: str, args: Sequence[str], folder: Path, *, cwd: Path = ROOT, env: Mapping[str, str] | None = None
) -> Server:
    with (folder / "server.log").open("wb") as log:
        process = subprocess.Popen(
            list(args),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends its children too
        )
    return Server(name, process, folder)


def _wait(server: Server, ready: Callable[[Server], bool], timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not ready(server):
        if server.process.poll() is not None:
            why = f"exited with {server.process.returncode}"
        elif time.monotonic() > deadline:
            why = f"did not answer within {timeout:g} s ({server.not_ready or 'no check ran'})"
        else:
            time.sleep(0.05)
            continue
        raise ServerError(f"{server.name} {why}; the end of {server.log}:\n{server.log_tail()}")


@contextmanager
def _serving(server: Server, ready: Callable[[Server], bool] | None = None) -> Iterator[Server]:
    """Wait until ``server`` is ready, yield it, and stop it however the block ends."""
    failed = True
    try:
        if ready is not None:
            _wait(server, ready)
        yield server
        failed = False
    finally:
        crashed = server.process.poll() is not None
        server.stop()
        if failed or crashed or "PYTEST_CURRENT_TEST" in os.environ:
            tail = server.log_tail()
            print(
                f"--- {server.name} (PID {server.pid}) stopped; the end of {server.log} ---\n{tail}",
                file=sys.stderr,
            )


def _answers_http(path: str) -> Callable[[Server], bool]:
    def ready(server: Server) -> bool:
        if not server.port:
            server.port = min(listening_ports(server.pid), default=0)
            if not server.port:
                server.not_ready = "it listens on no port yet"
                return False
        try:
            # Any status will do: the server is up. Loopback: never through an env proxy.
            requests.get(server.url + path, timeout=5, proxies={"http": "", "https": ""})
        except (requests.ConnectionError, requests.Timeout) as error:
            server.not_ready = f"GET {server.url}{path}: {error}"
            return False
        return True

    return ready


def _answers_ping(server: Server) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"PING\r\n")
            answer = sock.recv(64)
    except OSError as error:
        server.not_ready = f"PING on port {server.port}: {error}"
        return False
    server.not_ready = f"PING on port {server.port} answered {answer!r}"
    return answer.startswith(b"+PONG")


@contextmanager
def _port_lock() -> Iterator[None]:
    """Held from picking a port until the server has bound it: no two users of this module
    pick the same one. Released when the file is closed."""
    fd = os.open(PORT_LOCK, os.O_RDONLY | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on now, for a server whose address others must know
    before it starts (Varnish, which the app hosts purge). Another process could take it
    first; the users of this module never do (they bind port 0, or pick under the lock)."""
    with _port_lock():
        return _unused_port()


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# -- what processes cost, from /proc -------------------------------------------------------


def _stat(pid: int) -> list[str]:
    """Fields 3 onwards of /proc/<pid>/stat (after the command name, which may hold spaces)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2 :].split()


def children(pid: int) -> list[int]:
    """The PIDs of a process's children, sorted."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError, IndexError):  # it ended while we looked
                if int(_stat(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (fields 14 and 15 of /proc/<pid>/stat), in seconds; 0 once gone."""
    try:
        fields = _stat(pid)
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_kib(pid: int) -> int:
    """Resident set size of a process (``VmRSS`` in /proc/<pid>/status), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def listening_ports(pid: int) -> set[int]:
    """The IPv4 TCP ports a process listens on: its sockets' inodes found in /proc/net/tcp."""
    inodes = set()
    with suppress(OSError):  # it ended, or has not started
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with suppress(OSError):  # closed while we looked
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    ports = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
            ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports
