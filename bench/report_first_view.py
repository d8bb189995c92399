"""Section (1c) of ``docs/benchmarks.md``: the complete first view in Chromium, cold and warm, for
client, ESI, streamed and monolithic, and the add-to-cart before and after write answers
(``bench/first_view.py``)."""

from __future__ import annotations

import math
from typing import Any

from .first_view import ADD_MODES, ADDING, BASELINE, PHASES, VARIANTS
from .stats import fmt, table

HEADING = "## 1c. The complete first view, and the add-to-cart's round trips"
NAMES = {
    "client": "client (loader), behind Varnish, purged (per-session copies)",
    "client-unpurged": "client (loader), behind Varnish, no purges",
    "esi": "ESI, behind Varnish",
    "stream": "streamed, behind Varnish",
    "monolithic": "monolithic, straight to gunicorn",
}
MODES = {
    "before": "before write answers (`CK-Fragments` stripped)",
    "after": "after: write answers (main)",
}


def summary_rows(f: dict[str, Any]) -> list[list[str]]:
    rows = []
    for variant in VARIANTS:
        v = f["variants"][variant]
        rows.append(
            [
                f"(1c) cold first view, {NAMES[variant]}: navigation → every fragment loaded; server CPU",
                f"{fmt(v['cold']['complete_ms'], 0, 'ms')}; {fmt(v['cold']['cpu_ms_per_view'], 1, 'ms')}",
                "—",
                "— (reported, no target)",
            ]
        )
    for variant in ADDING:
        before, after = (f["add_to_cart"][variant][mode] for mode in ("before", "after"))
        rows.append(
            [
                f"(1c) add-to-cart, {NAMES[variant]}, until the cart shows it: browser requests, "
                "round trips, before → after write answers",
                f"{before['requests_to_cart']['median']:g} → {after['requests_to_cart']['median']:g} requests, "
                f"{before['round_trips_to_cart']['median']:g} → {after['round_trips_to_cart']['median']:g} "
                "round trips",
                "—",
                "— (reported, no target)",
            ]
        )
    return rows


def section(f: dict[str, Any]) -> list[str]:
    lines = [
        HEADING,
        "",
        f"A logged-in shopper's views of product pages in Chromium {f['browser_version']}, "
        f"{f['shoppers']} shopper(s) per round, {f['rounds']} rounds (after {f['warmup']} warm-up "
        f"round(s)), the four variants interleaved; {f['server']}. Each round logs the shoppers in "
        "anew (nothing of an earlier round kept anywhere). **Cold**: a new browser context holding "
        "only the login's cookies (empty HTTP cache, no storage) views a product page; **warm**: the "
        "same tab then views another product page. Time: from navigation start to the page parsed "
        '(DOMContentLoaded) *and* every `<ck-fragment>` `state="loaded"`, whichever is later, '
        "seen in the page (`performance.now()`, a MutationObserver); the window is "
        f"{f['viewport']['height']} px tall, so the lazy picks are in view at once and count. "
        "Monolithic renders every part in its HTML, so its time is its DOMContentLoaded. "
        "Streamed mode runs behind the same Varnish and shipped VCL as client and ESI (it passes "
        "the streamed page unbuffered). Server CPU: every process of the stack (gunicorn master and "
        "workers, varnishd, redis-server) from `/proc`, per view; *less idle* subtracts the stack's "
        "CPU rate while idle before the round.",
        "",
    ]
    rows = []
    for variant in VARIANTS:
        v = f["variants"][variant]
        for phase in PHASES:
            p = v[phase]
            rows.append(
                [
                    NAMES[variant],
                    phase,
                    fmt(p["complete_ms"], 0, "ms"),
                    fmt(p["first_byte_ms"], 0, "ms"),
                    fmt(p["dom_content_loaded_ms"], 0, "ms"),
                    fmt(p["cpu_ms_per_view"], 1, "ms"),
                    fmt(p["busy_ms_per_view"], 1, "ms"),
                ]
            )
    lines += table(
        "variant | view | complete view | first byte | DOMContentLoaded | server CPU per view | less idle",
        rows,
    )
    lines += ["", f"Each variant ÷ {BASELINE}, per round (median of the round's views):", ""]
    rows = [
        [
            NAMES[peer],
            phase,
            fmt(r[phase]["complete_ms"], 2, "×"),
            _cpu_ratio(r[phase]["cpu_ms_per_view"]),
            "—" if r[phase].get("cpu_pooled") is None else f"{r[phase]['cpu_pooled']:.2f} ×",
        ]
        for peer, r in f["ratios"].items()
        for phase in PHASES
    ]
    lines += table(
        "variant | view | time ÷ client | server CPU ÷ client | server CPU ÷ client, all rounds", rows
    )
    lines += [
        "",
        "Server CPU comes from `/proc` in whole clock ticks (10 ms): a phase of a few views can "
        "measure 0, and its round's ratio is then infinite; the last column divides the totals of "
        "every round.",
    ]
    lines += ["", "Where the cold view's server CPU goes, per view (gunicorn's requests by kind):", ""]
    rows = []
    for variant in VARIANTS:
        for row in f["variants"][variant]["cold"]["where"]["rows"]:
            requests = "" if row["requests"] is None else f"{row['requests']:.2f}"
            rows.append([NAMES[variant], row["what"], requests, f"{row['cpu_ms']:.2f}"])
    lines += table("variant | what | requests per view | CPU-ms per view", rows)
    lines += [
        "",
        "**The add-to-cart** (client, on the warm page), once as main does it (the loader's form "
        "sends `CK-Fragments`, the answer carries the fragments the add moved) and once without "
        "write answers: a Playwright route on the add's URL strips the `CK-Fragments` request "
        "header, so the server answers 204 with `CK-Trigger` and the loader asks again for the "
        "fragments that listen, as before item 1; nothing else changes, and both runs go through "
        "the same route (one passes the request on untouched). The first add of a product moves "
        "the picks too, the second only the cart, so the two modes take turns going first. "
        "Requests and round trips as the browser sees them (Playwright's request events): from the "
        "click until the cart summary shows the new count, and until no request has been in flight "
        "for 0.5 s. Round trips: the most of those requests that ran one after the other.",
        "",
    ]
    rows = []
    for variant in ADDING:
        for mode in ADD_MODES:
            a = f["add_to_cart"][variant][mode]
            rows.append(
                [
                    NAMES[variant],
                    MODES[mode],
                    _sent(a["ck_fragments_sent"], mode),
                    fmt(a["requests_to_cart"], 0),
                    fmt(a["round_trips_to_cart"], 0),
                    fmt(a["to_cart_ms"], 0, "ms"),
                    fmt(a["requests"], 0),
                    fmt(a["round_trips"], 0),
                    f"{a['gunicorn_requests']:.2f}",
                    fmt(a["cpu_ms_per_add"], 1, "ms"),
                    ", ".join(f"`{x}`" for x in a["example"]),
                ]
            )
    lines += table(
        "stack | add-to-cart | `CK-Fragments` from the loader | requests until the cart shows it | round trips | "
        "click → cart shown | requests until quiet | round trips | gunicorn requests | server CPU per add | "
        "what one add asked",
        rows,
    )
    lines += [
        "",
        "Where the purged stack keeps private fragments per session in Varnish, the loader marks "
        'them `batch="session"`: each is fetched alone (so Varnish can answer it), and a form\'s '
        "`CK-Fragments` still names them, so the add's answer carries them as on the other stack "
        "(the third column says whether the loader sent it).",
        "",
    ]
    return lines


def _sent(seen: list[bool], mode: str) -> str:
    """Whether the loader's add carried ``CK-Fragments`` (stripped on the way ``before``)."""
    said = "yes" if seen == [True] else "no" if seen == [False] else "sometimes"
    return f"{said}, stripped" if mode == "before" and True in seen else said


def _cpu_ratio(ratio: dict[str, float]) -> str:
    if not math.isfinite(ratio["median"]):
        return "— (client's CPU under a clock tick in most rounds)"
    return fmt(ratio, 2, "×")
