"""Answers cut off halfway, through a real Varnish running the shipped VCL files.

A host that dies mid-write (killed, out of memory) leaves Varnish holding the headers and part
of a body. Streamed on as it comes, that part would reach the visitor: half an element inside an
assembled page. The shipped files take such answers whole before delivering them, so the cut
fails the fetch instead: composekit.vcl puts the include's client placeholder in the page, and
two-hosts.vcl tries the other host. A page that asks not to be buffered (composekit's streamed
pages) still streams.

The backend here is a few lines of socket code, not Django: it must cut an answer at a chosen
byte, which no real server does on purpose. Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from harness import vcl
from harness.servers import loopback_session, varnishd

pytestmark = pytest.mark.proxy

INCLUDE = "/_composekit/who/?p=abc&esi=1"
PAGE = f'<main><esi:include src="{INCLUDE}" onerror="continue"/></main>'.encode()
WHOLE_FRAGMENT = b'<ck-fragment name="who" state="loaded"><b>user=ann</b></ck-fragment>'
WHOLE_PAGE = b"<main>" + b"a long page " * 50 + b"</main>"
PLACEHOLDER = '<main><ck-fragment name="who" src="/_composekit/who/?p=abc"></ck-fragment></main>'


@dataclass
class CuttingBackend:
    """Answers by path; the first answer to each path in ``cut`` stops after 10 bytes of body."""

    cut: set[str]
    port: int = 0
    answered: Counter[str] = field(default_factory=Counter)
    first_part_read: threading.Event = field(default_factory=threading.Event)

    def answer(self, conn: socket.socket, path: str) -> None:
        self.answered[path] += 1
        extra = ""
        if path == "/page/":  # an ESI page, shared
            body = PAGE
            extra = 'Surrogate-Control: content="ESI/1.0"\r\nCache-Control: public, max-age=60\r\n'
        elif path == INCLUDE:
            body, extra = WHOLE_FRAGMENT, "Cache-Control: private\r\n"
        elif path == "/plain/":
            body, extra = WHOLE_PAGE, "Cache-Control: private\r\n"
        elif path == "/streamed/":
            self.stream(conn)
            return
        else:  # /health/ (two-hosts.vcl's probe) and readiness checks
            body = b"ok"
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n{extra}Content-Length: {len(body)}\r\n"
        conn.sendall(f"{head}Connection: close\r\n\r\n".encode())
        if path in self.cut and self.answered[path] == 1:
            conn.sendall(body[:10])
            # Reset, as the kernel does for a killed process's sockets with unread data.
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, (1).to_bytes(4, "little") + bytes(4))
            return
        conn.sendall(body)

    def stream(self, conn: socket.socket) -> None:
        """A chunked page whose second part waits until the client has read the first."""
        head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nCache-Control: private\r\n"
        conn.sendall(f"{head}X-Accel-Buffering: no\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        for part, wait in ((b"<p>first</p>", True), (b"<p>second</p>", False)):
            conn.sendall(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            if wait and not self.first_part_read.wait(10):
                break  # the client never saw it: Varnish held the first part back
        conn.sendall(b"0\r\n\r\n")

    def handle(self, conn: socket.socket) -> None:
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            self.answer(conn, request.split(b" ", 2)[1].decode())


@contextmanager
def cutting_backend(*cut: str) -> Iterator[CuttingBackend]:
    backend = CuttingBackend(set(cut))
    with socket.create_server(("127.0.0.1", 0)) as listener:
        backend.port = listener.getsockname()[1]
        listener.settimeout(0.2)
        stop = threading.Event()

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                threading.Thread(target=backend.handle, args=(conn,), daemon=True).start()

        server = threading.Thread(target=serve, daemon=True)
        server.start()
        try:
            yield backend
        finally:
            stop.set()
            server.join()


def get(url: str) -> requests.Response:
    with loopback_session() as session:
        return session.get(url, timeout=15)


def test_an_include_cut_halfway_becomes_a_client_placeholder_not_half_an_element(tmp_path: Path) -> None:
    with (
        cutting_backend(INCLUDE) as backend,
        varnishd(tmp_path, vcl=vcl.reference(tmp_path, backend.port)) as proxy,
    ):
        cut, after = get(proxy.url + "/page/"), get(proxy.url + "/page/")
    assert backend.answered[INCLUDE] == 2
    # The loader fetches the placeholder's fragment itself; the next view has it whole.
    assert (cut.status_code, cut.text) == (200, PLACEHOLDER)
    assert after.text == f"<main>{WHOLE_FRAGMENT.decode()}</main>"


def test_two_hosts_try_again_an_include_or_a_page_cut_halfway(tmp_path: Path) -> None:
    with cutting_backend(INCLUDE, "/plain/") as backend:
        # Both "hosts" are the one backend: the retry is what is shown, not which host.
        config = vcl.two_hosts(tmp_path, backend.port, backend.port)
        with varnishd(tmp_path, vcl=config, ready_path="/health/") as proxy:
            page, plain = get(proxy.url + "/page/"), get(proxy.url + "/plain/")
    assert (backend.answered[INCLUDE], backend.answered["/plain/"]) == (2, 2)  # cut, then whole
    assert (page.status_code, page.text) == (200, f"<main>{WHOLE_FRAGMENT.decode()}</main>")
    assert (plain.status_code, plain.content) == (200, WHOLE_PAGE)


def test_two_hosts_still_stream_a_page_that_asks_not_to_be_buffered(tmp_path: Path) -> None:
    with cutting_backend() as backend:
        config = vcl.two_hosts(tmp_path, backend.port, backend.port)
        with (
            varnishd(tmp_path, vcl=config, ready_path="/health/") as proxy,
            loopback_session() as session,
            session.get(proxy.url + "/streamed/", stream=True, timeout=15) as response,
        ):
            parts = response.iter_content(chunk_size=None)
            first = next(parts)
            backend.first_part_read.set()  # only now does the backend send the rest
            rest = b"".join(parts)
    assert (first, rest) == (b"<p>first</p>", b"<p>second</p>")
