"""composekit's benchmarks: ``make bench`` (``python -m bench``) writes ``docs/benchmarks.md``.

Every figure is measured side by side in one run: each benchmark interleaves its variants
round by round, so load from elsewhere on the machine hits all of them alike. Nothing here
is part of the test suite; ``tests/benchmarks/`` runs it all at tiny sizes.
"""
