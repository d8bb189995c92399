"""Section (1b) of ``docs/benchmarks.md``: the returning visitor, the new tab, the cold device
and browse-only (``bench/workloads.py``), each judged against the issue's targets."""

from __future__ import annotations

from typing import Any

from .stats import ceiling, fmt, met, table
from .workloads import MOONSHOTS, PHASES, TARGETS, WORKLOADS

NAMES = {
    "returning": "returning visitor",
    "new_tab": "new tab",
    "cold_device": "cold device",
    "browse_only": "browse-only",
}
PEERS = {"monolithic": "monolithic", "monolithic-cache": "monolithic with `{% cache %}`"}
LABELS = {"first": "first view", "session": "session average"}


def _target(workload: str, phase: str, peer: str) -> float | None:
    return TARGETS.get((workload, phase)) if peer == "monolithic-cache" else None


def _target_text(workload: str, phase: str, peer: str) -> str:
    target = _target(workload, phase, peer)
    if target is None:
        return "—"
    moonshot = MOONSHOTS.get((workload, phase))
    return f"≥ {target:g}×" + (f" (moonshot {moonshot:g}×)" if moonshot else "")


def _ratio_text(ratio: dict[str, Any]) -> str:
    """The ratio, and how many rounds it is a lower bound in (``workloads._ratios``)."""
    text = fmt(ratio, 1, "×")
    floored = ratio.get("floored", 0)
    if floored:
        text += f"; at least, in {floored} of {ratio['runs']} rounds (composed under one clock tick)"
    return text


def verdict(ratio: float, target: float | None) -> str:
    """met / missed, and by how much."""
    if target is None:
        return ""
    if ratio >= target:
        return f"met ({ratio / target:.1f}× the target)"
    return f"{met(False)} by {target - ratio:.1f}× ({ratio / target:.0%} of it)"


def summary_rows(w: dict[str, Any]) -> list[list[str]]:
    rows = []
    for workload in WORKLOADS:
        for phase in PHASES[workload]:
            for peer in PEERS:
                target = _target(workload, phase, peer)
                if target is None and not (workload == "cold_device" and peer == "monolithic-cache"):
                    continue
                ratio = w["ratios"][workload][peer][phase]
                rows.append(
                    [
                        f"(1b) {NAMES[workload]}, {LABELS[phase]}: server CPU per view less idle, "
                        f"{PEERS[peer]} ÷ composed",
                        _ratio_text(ratio),
                        _target_text(workload, phase, peer),
                        verdict(ratio["median"], target) or "— (reported, no target)",
                    ]
                )
    return rows


def section(w: dict[str, Any], trivial_ms: float | None) -> list[str]:
    lines = [
        "## 1b. Four more ways to browse: returning visitor, new tab, cold device, browse-only",
        "",
        "The three stacks of section 1 (composed behind Varnish running the shipped VCL, with the "
        "shipped loader; monolithic; monolithic with `{% cache %}`), each on a new copy of the "
        f"seeded database, {w['server']}; {w['shoppers']} logged-in shoppers in Chromium "
        f"{w['browser_version']}, {w['concurrency']} at a time; no write anywhere "
        "(`bench/workloads.py`). Each round, for each variant in turn (a rotating order): the stack "
        f"left idle {w['idle_s']:g} s (its CPU per second measured), every page of the plans asked "
        "for once anonymously (the shared caches warm, as in section 1), then:",
        "",
        f"- **returning visitor**: an earlier visit of {w['earlier']} page views (not measured); "
        "the profile keeps its cookies and localStorage (Playwright's `storage_state()`). It comes "
        "back in a new context: no sessionStorage, no memory, an HTTP cache holding only the static "
        "files (hashed and kept a year, so still fresh; the pages' and fragments' max-ages are "
        "minutes), and a clock a day ahead (`clock.set_system_time`), so every fragment the loader "
        f"kept is past its max-age. Then {w['pages']} page views: the **first view** and the "
        "**session**. Server-side caches are as the earlier visit left them, in every variant.",
        f"- **new tab**: after {w['prelude']} page view(s) in one tab (not measured), a second tab "
        "of the same context opens on a product page not seen yet: its **first view**.",
        "- **cold device**: a new context holding only the session cookie (no other cookie, no "
        f"storage, an empty HTTP cache: the static files are fetched too); {w['pages']} page views.",
        f"- **browse-only**: {w['browse']} page views across {w['tabs']} tabs of one context, in "
        "turn, all different pages.",
        "",
        f"{w['warmup']} warm-up round(s), then {w['rounds']} rounds. Server CPU is every process of the "
        "stack (`/proc/<pid>/stat`: gunicorn's master and workers, varnishd, redis-server) over "
        "the phase, per page view, **less the stack's idle CPU** (its idle rate times the phase's "
        "length); ratios are per round, monolithic ÷ composed. Where composed's CPU less idle came "
        "to under one clock tick (10 ms) over a phase's page views, that tick is used instead, so "
        "the round's ratio is a lower bound (the table says in how many rounds).",
        "",
    ]
    lines += table(
        "variant | idle, CPU-ms per second",
        [[f"**{name}**", fmt(v["idle_ms_per_s"], 2)] for name, v in w["variants"].items()],
    )
    lines += [""]
    for workload in WORKLOADS:
        lines += [f"### {NAMES[workload][0].upper()}{NAMES[workload][1:]}", ""]
        rows = []
        for phase in PHASES[workload]:
            for name, v in w["variants"].items():
                figures = v["workloads"][workload][phase]
                rows.append(
                    [
                        LABELS[phase],
                        f"**{name}**",
                        fmt(figures["busy_ms_per_view"], 2),
                        fmt(figures["cpu_ms_per_view"], 2),
                        _requests(figures["where"]),
                    ]
                )
        lines += table(
            "phase | variant | server CPU-ms per view, less idle | with idle | Django requests per view, by kind",
            rows,
        )
        lines += [""]
        ratio_rows = []
        for phase in PHASES[workload]:
            for peer, label in PEERS.items():
                ratio = w["ratios"][workload][peer][phase]
                target = _target(workload, phase, peer)
                ratio_rows.append(
                    [
                        f"{label} ÷ composed, {LABELS[phase]}",
                        _ratio_text(ratio),
                        _target_text(workload, phase, peer),
                        verdict(ratio["median"], target),
                    ]
                )
        lines += table("less idle | ratio | target | ", ratio_rows)
        lines += [""]
        lines += _missed(w, workload, trivial_ms)
    if w["mismatches"]:
        lines += ["**The variants did not show the same content**, so the comparison is void:", ""]
        lines += [f"- {m}" for m in w["mismatches"]] + [""]
    else:
        lines += [
            "Every page view of every workload showed the same content in the three variants "
            "(the shopper's name, cart count, picks, price and stock, compared view by view).",
            "",
        ]
    return lines


def _requests(where: dict[str, Any]) -> str:
    rows = [r for r in where["rows"] if r["requests"] is not None]
    text = ", ".join(f"{r['what']} {r['requests']:.2f}" for r in sorted(rows, key=lambda r: -r["requests"]))
    varnish = where.get("varnish", {}).get("MAIN.client_req")
    if varnish is not None:
        text += f"; Varnish answered {varnish:.2f}"
    return text or "none"


def _missed(w: dict[str, Any], workload: str, trivial_ms: float | None) -> list[str]:
    """For each missed target: by how much, where composed's CPU goes, what would meet it, and
    the ceiling composed's requests allow (``stats.ceiling``)."""
    lines = []
    for phase in PHASES[workload]:
        target = _target(workload, phase, "monolithic-cache")
        ratio = w["ratios"][workload]["monolithic-cache"][phase]["median"]
        if target is None or ratio >= target:
            continue
        ours = w["variants"]["composed"]["workloads"][workload][phase]
        theirs = w["variants"]["monolithic-cache"]["workloads"][workload][phase]["busy_ms_per_view"]["median"]
        where = ours["where"]
        top = sorted(where["rows"], key=lambda r: -r["cpu_ms"])[:4]
        parts = ", ".join(f"{r['what']} {r['cpu_ms']:.2f} ms" for r in top)
        lines += [
            f"**Target missed: {NAMES[workload]}, {LABELS[phase]}, is {ratio:.1f}× against "
            f"`{{% cache %}}`, not {target:g}×** ({target - ratio:.1f}× short). Meeting it would take "
            f"composed from {ours['busy_ms_per_view']['median']:.2f} to {theirs / target:.2f} CPU-ms "
            f"per view (`{{% cache %}}`: {theirs:.2f}). Where composed's goes, per view (with idle): "
            f"{parts}.",
            "",
        ]
        lines += ceiling(where, theirs, PEERS["monolithic-cache"], trivial_ms)
    return lines
