"""Shared fixtures: the real rule engines (helpers live in slogen_testing.py and engines.py)."""

from __future__ import annotations

import os

import pytest
from engines import NAMES, Engine, engine as engine_named


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--update-golden`: rewrite the golden files from what slogen emits now, then review the diff."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the golden files (tests/data/**/expected, the README's tier tables) instead of comparing",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Hand --update-golden to slogen_testing.updating_golden()."""
    if config.getoption("update_golden"):
        os.environ["SLOGEN_UPDATE_GOLDEN"] = "1"


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
