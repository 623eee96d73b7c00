"""Shared fixtures: the real rule engines (helpers live in slogen_testing.py and engines.py)."""

from __future__ import annotations

import pytest
from engines import NAMES, Engine, engine as engine_named


@pytest.fixture(scope="session", params=NAMES)
def engine(request) -> Engine:
    """Each Prometheus line the rules must be right on: Debian's 2.42 and the pinned 3.x.

    Every test that takes `engine` or `promtool` runs once per engine; a missing
    binary fails the run instead of skipping tests.
    """
    return engine_named(request.param)


@pytest.fixture(scope="session")
def promtool(engine: Engine) -> str:
    """Path of the real promtool of the engine under test."""
    return engine.promtool
