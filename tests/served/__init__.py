"""Settings and URLs of the Django app that tests serve with real gunicorn (tests/servers.py)."""
