"""The settings object and its one table of defaults."""

from __future__ import annotations

import pytest
from django.core import checks
from django.test import override_settings

from composekit.conf import DEFAULTS, Settings, conf


def test_every_setting_has_one_default_and_one_property() -> None:
    properties = sorted(n for n, v in vars(Settings).items() if isinstance(v, property))
    assert properties == sorted(DEFAULTS)


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_unset_settings_are_their_default_and_pass_the_checks(name: str) -> None:
    assert conf.raw(name) == DEFAULTS[name]  # the test settings set none of them
    with override_settings(**{f"COMPOSEKIT_{name}": DEFAULTS[name]}):
        assert [m.id for m in checks.run_checks() if m.id == "composekit.E005"] == []


@pytest.mark.parametrize(("debug", "mode", "locate"), [(False, "client", False), (True, "inline", True)])
def test_mode_and_locating_follow_debug(debug: bool, mode: str, locate: bool) -> None:
    with override_settings(DEBUG=debug):
        assert (mode, locate) == (conf.MODE, conf.LOCATE_TOUCHES)
    with override_settings(DEBUG=debug, COMPOSEKIT_MODE="client", COMPOSEKIT_LOCATE_TOUCHES=False):
        assert (conf.MODE, conf.LOCATE_TOUCHES) == ("client", False)


@override_settings(
    COMPOSEKIT_INLINE_CARRY=["tenant"],
    COMPOSEKIT_ALLOWED_ORIGINS=("https://a.example",),
    COMPOSEKIT_FRAGMENT_ORIGIN="https://f.example",
)
def test_values_come_typed() -> None:
    assert conf.INLINE_CARRY == ("tenant",)
    assert conf.ALLOWED_ORIGINS == ["https://a.example", "https://f.example"]


def test_a_setting_read_once_follows_override_settings_both_ways() -> None:
    assert conf.ROBOTS_TAG == "noindex"  # read, and kept
    with override_settings(COMPOSEKIT_ROBOTS_TAG="none"):
        assert conf.ROBOTS_TAG == "none"
    assert conf.ROBOTS_TAG == "noindex"


def test_settings_are_read_once_until_a_setting_changes() -> None:
    from django.conf import settings

    conf.forget()
    conf.raw("BATCH")
    # Set behind Django's back (no setting_changed): the kept value stands...
    settings.COMPOSEKIT_BATCH = False
    try:
        assert conf.BATCH is True
        conf.forget()  # ...until composekit is told, as setting_changed tells it
        assert conf.BATCH is False
    finally:
        del settings.COMPOSEKIT_BATCH  # type: ignore[misc]  # set by the test above
        conf.forget()
