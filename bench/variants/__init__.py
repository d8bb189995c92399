"""The demo shop three ways, for the browsing benchmark (``bench/browsing.py``).

``settings.py`` chooses by ``BENCH_VARIANT``: ``composed`` (the demo as shipped, client mode),
``monolithic`` (plain Django: every page rendered per user, each fragment's template filled in
the page by ``tags.py``, the views without their shell decorators by ``urls.py``) and
``monolithic-cache`` (the same, with the templates' ``{% cache %}`` tags kept in Redis).
"""
