"""Shells for tests/test_shell.py, tests/test_testing.py and tests/test_varnish.py.

Not an app: ``urls.py`` imports ``fragments.py`` so its fragments register when the
URLconf loads (tests/urls.py includes it under ``shells/``).
"""
