"""A tiny Django site for the browser benchmark: one page of N fragments, two ways.

``/ck/<n>/`` places N ``{% fragment %}`` tags (composekit's loader); ``/htmx/<n>/`` places the
same N signed fragment URLs as ``<div hx-get=... hx-trigger="load">`` (htmx, from the npm
install of the same run, at ``/vendor/htmx.min.js``). Both fetch the same endpoints.
``/empty/`` is the floor: a page with no script and nothing to fetch.
"""
