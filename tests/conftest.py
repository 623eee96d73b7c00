"""Shared fixtures: the real rule engines (helpers live in slogen_testing.py and engines.py);
the suite's options: --update-golden and --fast (the inner-loop tier, `make test-fast`)."""

from __future__ import annotations

import os

import pytest
from engines import NAMES, PROMETHEUS_3, Engine, engine as engine_named

# The one engine of the fast tier: the current Prometheus line.
FAST_ENGINE = PROMETHEUS_3


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--update-golden` rewrites the golden files; `--fast` runs the inner-loop tier."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the golden files (tests/data/**/expected, the README's tier tables) instead of comparing",
    )
    parser.addoption(
        "--fast",
        action="store_true",
        help=f"the inner-loop tier (make test-fast): leave out tests marked slow, run the engine tests on {FAST_ENGINE} "
        "only, and property tests at a few examples (slogen_testing.examples)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Hand --update-golden and --fast to slogen_testing (updating_golden, examples) before the tests are imported."""
    if config.getoption("update_golden"):
        os.environ["SLOGEN_UPDATE_GOLDEN"] = "1"
    if config.getoption("fast"):
        os.environ["SLOGEN_FAST_TESTS"] = "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under --fast, deselect the tests marked slow and the other engines' runs."""
    if not config.getoption("fast"):
        return

    def fast(item: pytest.Item) -> bool:
        engine = getattr(item, "callspec", None) and item.callspec.params.get("engine")
        return item.get_closest_marker("slow") is None and engine in (None, FAST_ENGINE)

    deselected = [item for item in items if not fast(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if fast(item)]


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
