"""``make demo-varnish``: the demo shop on two app hosts behind Varnish, sharing Redis.

Two gunicorn hosts serve the shop from one SQLite database, with Django's cache (the server
fragment cache) and the sessions on one redis-server; Varnish (docs/varnish/two-hosts.vcl)
spreads requests over them and assembles pages from ESI includes. Everything is started
through harness/servers.py on 127.0.0.1 and stopped by PID on Ctrl+C.

Environment: DEMO_HOST (127.0.0.1) and DEMO_PORT (8000) for Varnish; DEMO_HOST_A_PORT and
DEMO_HOST_B_PORT for the app hosts and DEMO_REDIS_PORT for Redis (free ports when unset);
DEMO_ESI=0 for client mode behind the same Varnish; DEMO_WORKDIR (demo/.varnish) for the
database, static files and every server's log.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo.launch import DEMO_DIR, demo_cluster, demo_env, prepare  # noqa: E402


def main() -> None:
    address = f"{os.environ.get('DEMO_HOST', '127.0.0.1')}:{os.environ.get('DEMO_PORT', '8000')}"
    esi = os.environ.get("DEMO_ESI", "1") != "0"
    ports = {name: _port(name) for name in ("DEMO_HOST_A_PORT", "DEMO_HOST_B_PORT", "DEMO_REDIS_PORT")}
    workdir = Path(os.environ.get("DEMO_WORKDIR", DEMO_DIR / ".varnish")).resolve()
    print("Preparing the demo (migrate, seed, collectstatic) in", workdir, flush=True)
    logins = prepare(workdir)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # unwinds the servers' blocks: each is stopped by its PID

    signal.signal(signal.SIGTERM, stop)
    try:
        with demo_cluster(
            demo_env(workdir),
            workdir / "logs",
            address=address,
            esi=esi,
            host_ports=(ports["DEMO_HOST_A_PORT"], ports["DEMO_HOST_B_PORT"]),
            redis_port=ports["DEMO_REDIS_PORT"],
        ) as cluster:
            a, b = cluster.hosts
            print(
                f"""{logins}
  Hearth & Co., on two app hosts behind Varnish, is at  http://{address}/
  ({"ESI: Varnish assembles each page" if esi else "client mode: the loader fills each page"}).

  host A  {a.url}   (log: {a.log})
  host B  {b.url}   (log: {b.log})
  Varnish http://{address}/  (log: {cluster.proxy.log})
  Redis   {cluster.redis_url}  - try: redis-cli -p {cluster.redis.port} --scan --pattern '*composekit*'

  Responses say X-Cache (Varnish) and Server-Timing (cache;desc=hit|miss|stale on fragments
  kept on the server). Ctrl+C stops everything.
""",
                flush=True,
            )
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        print("\nStopped.")


def _port(name: str) -> int:
    """A port from the environment; 0 (a free one) when unset."""
    value = os.environ.get(name, "0")
    if not value.isdigit() or int(value) > 65535:
        sys.exit(f"{name}={value!r} is not a port: write a number such as 8001, or leave it unset")
    return int(value)


if __name__ == "__main__":
    main()
