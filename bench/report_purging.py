"""The report's lines on section 1's composed variant kept until purged (``bench/purging.py``).

Results saved before these measures existed have no ``django_requests`` or ``price_change``:
then there is nothing to say, and every function here returns nothing.
"""

from __future__ import annotations

import statistics
from typing import Any

from .purging import GROUPS, KEPT, group
from .stats import met, table


def _missed(d: dict[str, Any]) -> list[str]:
    """The labels of the kept kinds that reached Django, with their counts."""
    return [f"{kind} × {count}" for kind, count in d["kinds"].items() if group(kind) in KEPT]


def _seen(p: dict[str, Any]) -> list[float]:
    return [c["last_s"] for c in p["changes"] if c["last_s"] is not None]


def _listed(items: list[str]) -> str:
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def _path(path: str) -> str:
    """A page's path, for the prose; a fragment's signed URL says nothing to a reader."""
    return "" if path.startswith("/_composekit/") else f" (`{path}`)"


def summary_rows(b: dict[str, Any]) -> list[list[str]]:
    rows = []
    d = b.get("django_requests")
    if d is not None:
        kept = sum(d["counts"][name] for name in KEPT)
        rows.append(
            [
                "(1) shell or price requests reaching Django, composed behind a purged Varnish, no product changed",
                f"{kept} in {d['views']} page views"
                + "".join(f"; {name} {d['counts'][name]}" for name in KEPT if d["counts"][name]),
                "none",
                met(kept == 0),
            ]
        )
    p = b.get("price_change")
    if p is not None:
        seen = _seen(p)
        missing = len(p["changes"]) - len(seen)
        rows.append(
            [
                f"(1) a price saved → every one of {p['visitors']} visitors shows it ({', '.join(p['urls'])})",
                (f"{statistics.median(seen):.2f} s median, {max(seen):.2f} s max" if seen else "never seen")
                + (
                    f"; {missing} of {len(p['changes'])} not seen in {p['deadline_s']:g} s" if missing else ""
                ),
                "—",
                "",
            ]
        )
    return rows


def variants_caches(b: dict[str, Any]) -> list[str]:
    """What each variant's shared caches keep, when the composed variant was purged."""
    if not b.get("composed_purged"):
        return []
    return [
        "Each variant's shared caches: **composed**: Varnish keeps the shells (catalog, categories, "
        "products) and the public price fragment (`stock-price`) until a product changes, a day at "
        "most: the app purges that Varnish by tag (`DEMO_PURGE_VARNISH`, as `make demo-varnish` "
        "runs it; `keep_until_purged=True`), and Django's own shell cache (in Redis) stays on, as "
        "the demo ships it. **monolithic**: none. **monolithic with `{% cache %}`**: the "
        "`{% cache %}` parts in Redis for 300 s, not invalidated on a change (the price, outside "
        "them, is rendered on every view). The anonymous warm-up before each turn also asks for "
        "the price fragments on the plans' product pages (composed only has them).",
        "",
    ]


def section(b: dict[str, Any]) -> list[str]:
    d, p = b.get("django_requests"), b.get("price_change")
    if d is None and p is None:
        return []
    lines = [
        "### Kept until purged: what reaches Django, and how soon a change shows",
        "",
    ]
    if d is not None:
        lines += [
            "The composed variant's requests that reached gunicorn over every measured round's "
            f"session ({d['views']} page views; `bench/request_cpu.py`'s labels, grouped). No "
            "product changed during the rounds, so every shell and price Varnish was asked for "
            "should have come from Varnish.",
            "",
        ]
        other = ", ".join(f"{kind} {count}" for kind, count in d["kinds"].items() if group(kind) == "other")
        lines += table(
            "request reaching Django | requests | per page view",
            [
                [
                    name + (f" ({other})" if name == "other" and other else ""),
                    str(d["counts"][name]),
                    f"{d['per_view'][name]:.3f}",
                ]
                for name in GROUPS
            ],
        )
        missed = _missed(d)
        lines += [
            "",
            "**Target met: no shell and no price request reached Django during the sessions.**"
            if not missed
            else "**Target missed: shells or prices reached Django with no product changed**: "
            + ", ".join(missed)
            + ".",
            "",
        ]
    if p is not None:
        seen = _seen(p)
        urls = p["urls"]
        lines += [
            f"Then, after the measured rounds, the price of `{p['product']}` (the first category's first "
            f"product in stock) was saved {len(p['changes'])} times through the demo's own code "
            "(`manage.py shell` with the app's environment; the save commits, `expire_on_change` "
            "purges `product:<sku>` and `products` softly, in the background). Meanwhile "
            f"{p['visitors']} anonymous visitors, each its own HTTP client, asked Varnish for "
            + _listed([f"the {name}" + _path(path) for name, path in urls.items()])
            + f", each again {p['poll_s'] * 1000:.0f} ms after its last answer, until each had seen "
            "the new price on every one. Times from the save's commit (the time the shell printed "
            "right after `save()`): to the first visitor seeing it anywhere, to the last visitor "
            "seeing it on each URL, and on all of them. After a soft purge Varnish answers once "
            "with the stale copy while it fetches the new one.",
            "",
        ]
        lines += table(
            "change | first sight, s | "
            + " | ".join(f"every {name}, s" for name in urls)
            + " | every visitor, all, s",
            [
                [str(number)]
                + [
                    "not seen" if t is None else f"{t:.2f}"
                    for t in (c["first_s"], *c["each_s"].values(), c["last_s"])
                ]
                for number, c in enumerate(p["changes"], start=1)
            ],
        )
        missing = len(p["changes"]) - len(seen)
        lines += [""]
        if seen:
            lines += [
                f"**A saved price reached every visitor in {statistics.median(seen):.2f} s (median; "
                f"max {max(seen):.2f} s) over {len(seen)} changes**"
                + (
                    f"; {missing} not seen by every visitor within {p['deadline_s']:g} s." if missing else "."
                ),
            ]
        else:
            lines += [f"**No change was seen by every visitor within {p['deadline_s']:g} s.**"]
        during = ", ".join(f"{name} {count}" for name, count in p["requests"].items())
        lines += [
            "",
            f"Requests that reached Django meanwhile: {during or 'none'}.",
            "",
        ]
    return lines
