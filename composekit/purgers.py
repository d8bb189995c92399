"""The shared caches composekit can purge by tag: Varnish (xkey), Fastly, Cloudflare.

A backend knows three things about its cache: which response header the cache reads tags
from (``header``, ``separator``), how many tags one purge request may carry (``max_tags``),
and how to send one such request to one of its targets (``send()``). Queueing, batching,
parallelism and retries live in ``purge.py``, so a new backend is a few lines of HTTP.

Requests go out with the standard library (no dependency for a feature many sites never
turn on) and always with ``COMPOSEKIT_PURGE_TIMEOUT``: a purge target that hangs must not
hold a sender forever.
"""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any, ClassVar
from urllib.parse import urlsplit

from .conf import conf

__all__ = ["Cloudflare", "Fastly", "PurgeBackend", "PurgeFailed", "Varnish"]

EXCERPT = 200  # characters of a failed response's body kept in the error message

# Varnish nodes are on your own network: a forward proxy from the environment (http_proxy)
# would receive the PURGE instead of the node. The APIs go through it like any HTTPS call.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class PurgeFailed(Exception):
    """One purge request did not succeed; the message says which backend, target and why."""


class PurgeBackend:
    """One shared cache, reached through one or more targets (nodes or API endpoints)."""

    header: ClassVar[str]
    """The response header this cache reads tags from."""
    separator: ClassVar[str]
    """What separates tags in ``header``."""
    max_tags: ClassVar[int]
    """The most tags one purge request may carry."""

    soft: bool = False
    """Whether purged objects are marked stale (served while refetched) rather than removed."""

    def targets(self) -> Sequence[str]:
        """Where purges go, one request each, named as they appear in logs."""
        raise NotImplementedError

    def send(self, target: str, tags: Sequence[str]) -> None:
        """Make ONE request purging ``tags`` (at most ``max_tags``) at ``target``.

        Raises ``PurgeFailed`` on anything but success.
        """
        raise NotImplementedError

    def hard(self) -> PurgeBackend:
        """A copy that removes what it purges, even where this one would soft-purge."""
        backend = copy.copy(self)
        backend.soft = False
        return backend

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self.targets())}, soft={self.soft})"

    def _request(self, target: str, request: urllib.request.Request, direct: bool = False) -> bytes:
        """Send ``request``; its body on a 2xx, else ``PurgeFailed`` naming what happened."""
        what = f"{type(self).__name__} purge at {target}"
        opener = _DIRECT if direct else urllib.request.build_opener()
        try:
            with opener.open(request, timeout=conf.PURGE_TIMEOUT) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as error:
            body = _excerpt(error.read())
            raise PurgeFailed(f"{what} failed: {error.code} {error.reason}{body}") from error
        except urllib.error.URLError as error:
            raise PurgeFailed(f"{what} failed: {error.reason}") from error
        except (OSError, ValueError) as error:  # timeouts, resets, bad header values
            raise PurgeFailed(f"{what} failed: {type(error).__name__}: {error}") from error


class Varnish(PurgeBackend):
    """Varnish with the xkey vmod: ``PURGE`` to each node, tags in ``xkey-softpurge``/``xkey-purge``.

    Every URL is one target (a node, ``http://10.0.0.5:6081/``); the reference VCL answers
    ``200 Purged <n>``, and ``403`` to clients outside its purge ACL.
    """

    header = "xkey"
    separator = " "
    max_tags = 100  # the request header stays a few KB, under Varnish's http_req_hdr_len (8 KB)

    def __init__(self, urls: list[str], soft: bool = True) -> None:
        if isinstance(urls, str) or not urls or not all(_is_http_url(u) for u in urls):
            raise ValueError(f"urls must be a list of http(s) URLs of Varnish nodes, not {urls!r}")
        self.urls = list(urls)
        self.soft = bool(soft)

    def targets(self) -> Sequence[str]:
        return self.urls

    def send(self, target: str, tags: Sequence[str]) -> None:
        name = "xkey-softpurge" if self.soft else "xkey-purge"
        request = urllib.request.Request(target, method="PURGE", headers={name: " ".join(tags)})
        self._request(target, request, direct=True)


class Fastly(PurgeBackend):
    """Fastly's batch surrogate-key purge: ``POST {api}/service/{service_id}/purge``."""

    header = "Surrogate-Key"
    separator = " "
    max_tags = 256  # Fastly's documented limit for one batch surrogate-key purge

    def __init__(
        self, service_id: str, token: str, soft: bool = True, api: str = "https://api.fastly.com"
    ) -> None:
        _require(service_id, "service_id", "Fastly service id")
        _require(token, "token", "Fastly API token with the purge_select scope")
        if not _is_http_url(api):
            raise ValueError(f"api must be an http(s) URL, not {api!r}")
        self.service_id, self.token, self.soft = service_id, token, bool(soft)
        self.endpoint = f"{api.rstrip('/')}/service/{service_id}/purge"

    def targets(self) -> Sequence[str]:
        return [self.endpoint]

    def send(self, target: str, tags: Sequence[str]) -> None:
        headers = {
            "Fastly-Key": self.token,
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        if self.soft:
            headers["Fastly-Soft-Purge"] = "1"
        body = json.dumps({"surrogate_keys": list(tags)}).encode()
        self._request(target, urllib.request.Request(target, data=body, method="POST", headers=headers))


class Cloudflare(PurgeBackend):
    """Cloudflare's purge by cache tag: ``POST {api}/zones/{zone_id}/purge_cache``.

    Cloudflare has no soft purge by tag: purged objects are removed, and the next request for
    each goes to the origin.
    """

    header = "Cache-Tag"
    separator = ","
    max_tags = 100  # Cloudflare's "max operations per request", every plan (docs/purging.md)

    def __init__(self, zone_id: str, token: str, api: str = "https://api.cloudflare.com/client/v4") -> None:
        _require(zone_id, "zone_id", "Cloudflare zone id")
        _require(token, "token", "Cloudflare API token with the Cache Purge permission")
        if not _is_http_url(api):
            raise ValueError(f"api must be an http(s) URL, not {api!r}")
        self.zone_id, self.token = zone_id, token
        self.endpoint = f"{api.rstrip('/')}/zones/{zone_id}/purge_cache"

    def targets(self) -> Sequence[str]:
        return [self.endpoint]

    def send(self, target: str, tags: Sequence[str]) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        body = json.dumps({"tags": list(tags)}).encode()
        answer = self._request(
            target, urllib.request.Request(target, data=body, method="POST", headers=headers)
        )
        # The API says whether it worked in the body: a 200 may still be a refusal.
        try:
            success = json.loads(answer).get("success")
        except (ValueError, AttributeError):
            success = None
        if success is not True:
            raise PurgeFailed(f"Cloudflare purge at {target} failed: 200 without success{_excerpt(answer)}")


def _excerpt(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return ""
    return ": " + (text if len(text) <= EXCERPT else text[:EXCERPT] + "…")


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _require(value: Any, name: str, what: str) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be the {what}, a non-empty string, not {value!r}")
