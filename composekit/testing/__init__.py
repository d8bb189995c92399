"""Test helpers for projects that use composekit (docs/testing.md).

Plain functions, usable with any test runner; ``composekit.testing.pytest_plugin`` adds pytest
fixtures (pytest is not a dependency of composekit: only that module imports it).
"""

from __future__ import annotations

from .fragments import FragmentResult, assert_fragment_policy, fetch_fragment, render_fragment
from .shells import assert_cacheable_shell

__all__ = [
    "FragmentResult",
    "assert_cacheable_shell",
    "assert_fragment_policy",
    "fetch_fragment",
    "render_fragment",
]
