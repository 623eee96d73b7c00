"""Shared fixtures: the real promtool (helpers live in slogen_testing.py)."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture(scope="session")
def promtool() -> str:
    """Path of the real promtool; a missing tool fails the run instead of skipping tests."""
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is not installed: run `make test`, which installs Debian's prometheus package")
    return path
