"""Live scrape targets and fast rule files for end-to-end tests against real servers."""

from __future__ import annotations

import yaml

# One scrape target for the benchmarks and the tests alike (`with metrics_target(fn) as host_port:`).
from bench.exposition_server import serving as metrics_target

__all__ = ["every_second", "metrics_target"]


def every_second(rule_file: str) -> str:
    """slogen's rule file with every group evaluated each second, so a test sees minutes of rules in seconds."""
    groups = yaml.safe_load(rule_file)["groups"]
    return yaml.safe_dump({"groups": [{**group, "interval": "1s"} for group in groups]}, sort_keys=False, allow_unicode=True)
