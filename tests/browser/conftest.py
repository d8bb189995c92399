from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.loader import views


@dataclass
class Loader:
    """Opens test pages made of fragment markup and reads what the server saw."""

    page: Page
    url: str

    def open(self, body: str, query: str = "") -> Page:
        name = f"p{len(views.pages)}"
        views.pages[name] = body
        self.page.goto(f"{self.url}/loader/page/{name}/{query}")
        return self.page

    def events(self) -> list[list[Any]]:
        return self.page.evaluate("ckEvents")  # type: ignore[no-any-return]

    def wait_events(self, count: int) -> list[list[Any]]:
        self.page.wait_for_function(f"ckEvents.length >= {count}")
        return self.events()

    def hits(self, path: str) -> int:
        return views.hits[path]


@pytest.fixture
def loader(page: Page, live_server: Any) -> Iterator[Loader]:
    views.hits.clear()
    views.log.clear()
    views.stream_finished.clear()
    views.versions.clear()
    views.posts.clear()
    yield Loader(page, live_server.url)


class DroppingServer(socketserver.ThreadingTCPServer):
    """A raw HTTP server whose first ``drops`` responses die mid-body.

    Django's servers finish or time out a response; only a raw socket can promise a body
    and then hang up, as a crashing proxy or a lost connection does.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, drops: int, page_origin: str) -> None:
        super().__init__(("127.0.0.1", 0), _DroppingHandler)
        self.drops = drops
        self.page_origin = page_origin
        self.hits = 0

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _DroppingHandler(socketserver.StreamRequestHandler):
    server: DroppingServer

    def handle(self) -> None:
        while self.rfile.readline() not in (b"\r\n", b""):
            pass  # the request's headers: nothing in them matters here
        self.server.hits += 1
        body = f"<span>whole after {self.server.hits}</span>".encode()
        dropping = self.server.hits <= self.server.drops
        headers = (
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
            f"Access-Control-Allow-Origin: {self.server.page_origin}\r\n"
            "Access-Control-Allow-Credentials: true\r\n"
            f"Content-Length: {100_000 if dropping else len(body)}\r\n\r\n"
        )
        self.wfile.write(headers.encode() + (b"<span>partial" if dropping else body))
        self.wfile.flush()
        if dropping:
            self.connection.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def dropping_server(live_server: Any) -> Iterator[Callable[[int], DroppingServer]]:
    servers: list[DroppingServer] = []

    def start(drops: int) -> DroppingServer:
        server = DroppingServer(drops, live_server.url)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
