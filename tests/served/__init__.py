"""The one production-like test app: settings and URLs that tests serve with real gunicorn."""
