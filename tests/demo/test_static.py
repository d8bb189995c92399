"""The demo's static files as whitenoise serves them under gunicorn: the loader compressed."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest
import requests

from harness.servers import ROOT
from tests.demo.conftest import Demo

pytestmark = pytest.mark.slow  # the demo under gunicorn, started for this module

LOADER = ROOT / "composekit" / "static" / "composekit" / "composekit.min.js"


def loader_url(demo: Demo) -> str:
    page = requests.get(f"{demo.url}/", timeout=10).text
    match = re.search(r'<script src="(/static/composekit/composekit\.min\.[0-9a-f]+\.js)"', page)
    assert match, "no hashed loader script in the catalog page"
    return demo.url + match.group(1)


def raw(url: str, accept_encoding: str) -> requests.Response:
    """The response as sent: requests leaves the body encoded when streamed and read raw."""
    response = requests.get(url, headers={"Accept-Encoding": accept_encoding}, stream=True, timeout=10)
    response.raw.decode_content = False
    response._content = response.raw.read()
    return response


def test_the_loader_is_sent_brotli_compressed_to_a_client_that_accepts_br(demo: Demo) -> None:
    response = raw(loader_url(demo), "gzip, deflate, br")
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert brotli.decompress(response.content) == LOADER.read_bytes()
    assert len(response.content) < len(gzip.compress(LOADER.read_bytes(), compresslevel=9))


def test_a_client_without_br_gets_gzip_or_the_file_itself(demo: Demo) -> None:
    url = loader_url(demo)
    zipped = raw(url, "gzip")
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == LOADER.read_bytes()
    plain = raw(url, "identity")
    assert "Content-Encoding" not in plain.headers
    assert plain.content == LOADER.read_bytes()
