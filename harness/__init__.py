"""The repository's tools for running composekit for real: servers on loopback (gunicorn,
uvicorn, varnishd, nginx, redis-server), Chromium's launch arguments, and the reference
Varnish and nginx configurations made ready to run.

Used by the tests, the benchmarks (``bench/``) and the demo's launchers; not part of the
composekit package users install. Plain Python and ``requests``: nothing here imports Django.
"""
