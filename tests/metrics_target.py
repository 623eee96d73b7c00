"""Live scrape targets and fast rule files for end-to-end tests against real servers."""

from __future__ import annotations

from pathlib import Path

import yaml

# One scrape target for the benchmarks and the tests alike (`with metrics_target(fn) as host_port:`).
from bench.exposition_server import serving as metrics_target

__all__ = ["every_second", "every_second_config", "metrics_target"]


def every_second(rule_file: str) -> str:
    """slogen's rule file with every group evaluated each second, so a test sees minutes of rules in seconds."""
    groups = yaml.safe_load(rule_file)["groups"]
    return yaml.safe_dump({"groups": [{**group, "interval": "1s"} for group in groups]}, sort_keys=False, allow_unicode=True)


def every_second_config(rule_files: list[Path | str], target: str, job: str = "shop", **job_settings: object) -> dict:
    """A Prometheus config that scrapes `target` as `job` and evaluates `rule_files`, both every second."""
    return {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(path) for path in rule_files],
        "scrape_configs": [{"job_name": job, **job_settings, "static_configs": [{"targets": [target]}]}],
    }
