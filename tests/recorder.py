"""A real HTTP server in the test process that records every request and answers as told.

It stands in for a Varnish node and for Fastly's and Cloudflare's APIs, which the test
machine cannot reach: the tests assert the exact requests composekit makes.

    with recording_server() as server:
        server.answers = [(503, "Busy", b""), (200, "Purged 2", b"")]   # then the default
        ... server.url ...; server.requests[0].headers["xkey-softpurge"]

``server.gate`` (a ``threading.Event``, set by default) holds every answer while cleared: a
slow server, without any sleep.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness.waiting import poll

# poll is harness/waiting.py's, here for the tests that import it with the recording server.
__all__ = ["Recorded", "RecordingServer", "poll", "recording_server"]


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: Message  # as received; names are case-insensitive, as in HTTP
    body: bytes


@dataclass
class RecordingServer:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    answers: list[tuple[int, str, bytes]] = field(default_factory=list)
    default: tuple[int, str, bytes] = (200, "OK", b"")
    gate: threading.Event = field(default_factory=threading.Event)
    answered: int = 0

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Recorded]:
        """The requests once there are ``count`` of them (polled, with a deadline)."""
        poll(lambda: len(self.requests) >= count, timeout, f"{count} requests at {self.url}")
        return list(self.requests)


@contextmanager
def recording_server(path: str = "/") -> Iterator[RecordingServer]:
    lock = threading.Lock()
    state: RecordingServer

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with lock:
                state.requests.append(Recorded(self.command, self.path, self.headers, body))
                status, reason, content = state.answers.pop(0) if state.answers else state.default
            state.gate.wait(10)
            with lock:  # counted before the answer leaves, so a client that has it sees the count
                state.answered += 1
            try:
                self.send_response(status, reason)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
            except OSError:  # the client gave up waiting (a timeout test)
                pass

        do_GET = do_POST = do_PURGE = _handle

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state = RecordingServer(url=f"http://127.0.0.1:{server.server_address[1]}{path}")
    state.gate.set()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.gate.set()
        server.shutdown()
        server.server_close()


@contextmanager
def closed_port() -> Iterator[str]:
    """The URL of a port that is bound but not listening: every connection is refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    finally:
        sock.close()
