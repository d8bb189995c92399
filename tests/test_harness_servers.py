"""harness/servers.py: the servers the tests, the benchmarks and the demo start."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from django.core.cache.backends.redis import RedisCache

from harness import servers
from harness.servers import (
    ServerError,
    django_env,
    free_port,
    gunicorn,
    listening_ports,
    manage,
    nginx,
    varnish_counters,
    varnishd,
)

pytestmark = pytest.mark.slow  # starts and stops every kind of server

SETTINGS = "tests.served.settings"


def test_redis_round_trips_a_key_through_djangos_cache(redis_url: str) -> None:
    cache = RedisCache(redis_url, {"KEY_PREFIX": "test-servers"})
    assert cache.get("greeting") is None
    cache.set("greeting", {"hello": ["redis", 1]}, timeout=30)
    assert cache.get("greeting") == {"hello": ["redis", 1]}
    assert cache.delete("greeting") is True
    assert cache.get("greeting") is None


def test_servers_listen_where_they_say_and_stop_with_their_children(tmp_path: Path) -> None:
    db = str(tmp_path / "db.sqlite3")
    manage(SETTINGS, "migrate", CK_SERVED_DB=db)
    with (
        gunicorn(tmp_path, env=django_env(SETTINGS, CK_SERVED_DB=db), workers=2, threads=1) as app,
        varnishd(tmp_path, backend=f"127.0.0.1:{app.port}") as proxy,
    ):
        assert listening_ports(app.pid) == {app.port}
        assert listening_ports(proxy.pid) == {proxy.port} != {app.port}
        assert len(app.worker_pids()) == 2 and len(proxy.worker_pids()) == 1  # varnishd's child
        before = varnish_counters(proxy)
        response = requests.get(f"{proxy.url}/login/via-varnish/", timeout=10)
        assert response.text == "logged in as via-varnish"  # gunicorn's answer
        assert "varnish" in response.headers["Via"]
        # varnishd's threads add what they counted to its totals when they go idle.
        after, deadline = varnish_counters(proxy), time.monotonic() + 30
        while after["MAIN.client_req"] == before["MAIN.client_req"] and time.monotonic() < deadline:
            time.sleep(0.1)
            after = varnish_counters(proxy)
        assert after["MAIN.client_req"] - before["MAIN.client_req"] == 1
        assert after["MAIN.backend_req"] - before["MAIN.backend_req"] == 1
        pids = [app.pid, *app.worker_pids(), proxy.pid, *proxy.worker_pids()]
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists(), f"process {pid} outlived its server"
    # Each in a folder of its own, with its log.
    assert sorted(p.name.split("-")[0] for p in tmp_path.iterdir() if p.is_dir()) == ["gunicorn", "varnishd"]
    assert "Booting worker" in next(tmp_path.glob("gunicorn-*/server.log")).read_text()


def test_a_server_that_fails_to_start_says_why(tmp_path: Path) -> None:
    broken = django_env("tests.no_such_settings")
    with pytest.raises(RuntimeError, match="gunicorn exited with") as failure, gunicorn(tmp_path, env=broken):
        pass
    assert "No module named 'tests.no_such_settings'" in str(failure.value)  # the end of its log
    (tmp_path / "broken.vcl").write_text("vcl 4.1; this is not VCL")
    with (
        pytest.raises(RuntimeError, match="varnishd exited with") as failure,
        varnishd(tmp_path, vcl=tmp_path / "broken.vcl"),
    ):
        pass
    assert "VCL compilation failed" in str(failure.value)


def test_a_server_that_never_answers_says_what_the_last_check_saw(tmp_path: Path) -> None:
    silent = servers._start("sleep", ["sleep", "30"], tmp_path)  # alive, listening nowhere
    try:
        with pytest.raises(
            ServerError, match=r"sleep did not answer within 0.3 s \(it listens on no port yet\)"
        ):
            servers._wait(silent, servers._answers_http("/"), timeout=0.3)
        silent.port = free_port()  # nothing listens there
        with pytest.raises(ServerError, match=r"\(PING on port \d+: .*[Cc]onnection refused"):
            servers._wait(silent, servers._answers_ping, timeout=0.3)
    finally:
        silent.stop()


def test_nginx_listens_where_it_is_told_and_stops_with_its_workers(tmp_path: Path) -> None:
    port = free_port()
    conf = tmp_path / "site.conf"
    conf.write_text(f'server {{ listen 127.0.0.1:{port}; location / {{ return 200 "nginx here"; }} }}\n')
    with nginx(tmp_path, include=conf, port=port) as proxy:
        assert listening_ports(proxy.pid) == {port}
        assert requests.get(proxy.url + "/", timeout=10).text == "nginx here"
        assert len(proxy.worker_pids()) >= 1  # a worker, and the cache processes if any
        pids = [proxy.pid, *proxy.worker_pids()]
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists(), f"process {pid} outlived nginx"
    # Everything it wrote is in its folder: the log, the pid file, its temporary folders.
    [folder] = tmp_path.glob("nginx-*")
    assert "start worker process" in (folder / "server.log").read_text()
    (tmp_path / "broken.conf").write_text("this_is_not_nginx on;\n")
    with (
        pytest.raises(RuntimeError, match="nginx exited with") as failure,
        nginx(tmp_path, include=tmp_path / "broken.conf", port=free_port()),
    ):
        pass
    assert "unknown directive" in str(failure.value)
