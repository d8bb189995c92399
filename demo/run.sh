#!/usr/bin/env bash
# Serve the demo shop the way production would: gunicorn + whitenoise, DEBUG off,
# composekit in client mode. `make demo` runs this once the virtualenv exists.
#
# Environment: DEMO_HOST (127.0.0.1), DEMO_PORT (8000), DEMO_WORKERS (1), DEMO_THREADS (16),
# VENV_BIN (../.venv/bin), and the settings' own variables (see demo_site/settings.py).
set -euo pipefail
cd "$(dirname "$0")"

VENV_BIN="${VENV_BIN:-../.venv/bin}"
HOST="${DEMO_HOST:-127.0.0.1}"
PORT="${DEMO_PORT:-8000}"
WORKERS="${DEMO_WORKERS:-1}"  # one process: the cache (shells, sessions) is in its memory
THREADS="${DEMO_THREADS:-16}"  # launch.THREADS: the tests serve it the same way
export DJANGO_SETTINGS_MODULE=demo_site.settings

# Migrate, seed (idempotent; prints the logins) and collect static files.
"$VENV_BIN/python" manage.py setup_demo

cat <<BANNER

  Hearth & Co., the composekit demo shop, is at  http://$HOST:$PORT/
  Log in with one of the logins above. The access log below shows the fragments
  each page fetches (and the 304s). Ctrl+C stops the server.

BANNER

# gthread workers: browsers open connections ahead of need and leave them idle, which would
# hold a sync worker (and every request behind it) for gunicorn's 30 s timeout. A gthread
# worker gives a new connection a thread only until its request arrives (at most 5 s), and
# keeps idle keep-alive connections without one. See demo/README.md ("Serving").
exec "$VENV_BIN/gunicorn" --no-control-socket --workers "$WORKERS" --threads "$THREADS" --bind "$HOST:$PORT" \
  --access-logfile - --access-logformat '%(r)s %(s)s %(B)sB %(M)sms' demo_site.wsgi
