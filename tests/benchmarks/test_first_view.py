"""Section (1c) at ``--quick`` sizes (``conftest.py``): the complete first view on five stacks
of the demo (four behind Varnish) in Chromium, and the add-to-cart before and after write
answers."""

from __future__ import annotations

from typing import Any

import pytest

from bench.first_view import ADD_MODES, ADDING, PHASES, VARIANTS, round_trips
from bench.report_first_view import HEADING

pytestmark = [pytest.mark.browser, pytest.mark.proxy, pytest.mark.slow]


def test_the_report_has_the_section_and_its_summary_rows(results: dict[str, Any]) -> None:
    markdown = results["markdown"]
    assert HEADING in markdown
    assert "(1c) cold first view" in markdown  # its summary rows


def test_every_variant_completes_its_views_with_every_fragment(results: dict[str, Any]) -> None:
    f = results["first_view"]
    assert set(f["variants"]) == set(VARIANTS)
    for name, variant in f["variants"].items():
        for phase in PHASES:
            figures = variant[phase]
            # The product page's fragments: user menu, cart summary, price, picks.
            assert figures["fragments"]["low"] == 4, (name, phase)
            complete, parsed = figures["complete_ms"], figures["dom_content_loaded_ms"]
            assert 0 < figures["first_byte_ms"]["low"] <= complete["low"], (name, phase)
            assert parsed["low"] <= complete["low"], (name, phase)  # the later of the two
            cpu = figures["cpu_ms_per_view"]
            assert 0 <= cpu["low"] <= cpu["median"] <= cpu["high"], (name, phase)
            kinds = {row["what"] for row in figures["where"]["rows"]}
            if name == "monolithic":
                assert "page" in kinds and "varnishd" not in kinds, kinds
            else:
                assert "page" not in kinds and "varnishd" in kinds, (name, kinds)
        if name == "stream":  # the shell from Django's shell cache, in the one streamed response
            assert any(kind.startswith("shell") for kind in kinds), kinds
    assert set(f["ratios"]) == set(VARIANTS) - {"client"}
    for peer, ratios in f["ratios"].items():
        for phase in PHASES:
            pooled = ratios[phase]["cpu_pooled"]
            assert pooled is None or pooled >= 0, (peer, phase)


def test_write_answers_save_the_refresh_where_the_loader_sends_them(results: dict[str, Any]) -> None:
    adds = results["first_view"]["add_to_cart"]
    assert set(adds) == set(ADDING)
    for variant in ADDING:
        for mode in ADD_MODES:
            kinds = {row["what"] for row in adds[variant][mode]["where"]["rows"]}
            assert "POST /cart/add/" in kinds, (variant, mode, kinds)
    unpurged = adds["client-unpurged"]
    assert unpurged["after"]["ck_fragments_sent"] == [True]
    assert unpurged["after"]["requests_to_cart"]["high"] == 1  # the answer carried the cart
    assert unpurged["after"]["gunicorn_requests"] == 1.0
    assert unpurged["before"]["requests_to_cart"]["low"] >= 2  # the add, then the refresh
    assert unpurged["before"]["round_trips_to_cart"]["low"] >= 2


def test_round_trips_count_the_requests_run_one_after_another() -> None:
    assert round_trips([]) == 0
    assert round_trips([(0.0, 1.0)]) == 1
    assert round_trips([(0.0, 1.0), (1.0, 2.0)]) == 2  # the refresh after the write's answer
    assert round_trips([(0.0, 1.0), (0.5, 1.5)]) == 1  # side by side
    assert round_trips([(0.0, 1.0), (1.2, 2.0), (1.1, 3.0)]) == 2
