"""The thanos target through `thanos tools rules-check`, i.e. Thanos's own rules.ValidateAndCount.

`.tools/bin/thanos-rules-check` is that command's code alone (tools/engines/thanos/rulescheck),
built by `make test` from the pinned Thanos module: the whole `thanos` binary takes over half
an hour to build here. It parses each file strictly (an unknown key fails), reads
`partial_response_strategy`, and validates every rule and expression with the Prometheus
version Thanos pins.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from engines import pinned, tool
from slogen_testing import broken_rule_file, emitted_rule_files

def _check(*files: Path) -> subprocess.CompletedProcess:
    args = [arg for f in files for arg in ("--rules", str(f))]
    return subprocess.run([tool("thanos-rules-check", "thanos"), *args], capture_output=True, text=True, timeout=300)


def _rules_in(path: Path) -> int:
    return sum(len(group["rules"]) for group in yaml.safe_load(path.read_text())["groups"])


def test_the_checker_is_the_pinned_thanos():
    result = subprocess.run([tool("thanos-rules-check", "thanos"), "--version"], capture_output=True, text=True, timeout=60)
    version = pinned("thanos", "github.com/thanos-io/thanos").removeprefix("v")
    assert result.returncode == 0 and f"version {version}" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("share_rules", ["service", "global"])
def test_every_emitted_thanos_file_passes_thanos_rules_check(tmp_path, share_rules):
    files = emitted_rule_files(tmp_path, "thanos", share_rules)
    assert len(files) >= 12
    if share_rules == "global":
        assert any(f.name == "_shared.yml" for f in files)
    result = _check(*files)
    assert result.returncode == 0, result.stderr
    # One SUCCESS per file, in order, each counting every rule the file holds: Thanos read
    # the whole file, not a prefix of it.
    counts = [int(n) for n in re.findall(r"result=SUCCESS rulesfound=(\d+)", result.stderr)]
    assert counts == [_rules_in(f) for f in files]


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ("partial_response_strategy: abort", "partial_response_strategy: sometimes", "Possible values are ABORT,WARN"),
        ("expr: sum(", "expr: sum((", "parse error"),
        # Mimir's group key: Thanos parses strictly, so a key it does not know fails.
        ("partial_response_strategy: abort", "source_tenants: [a]", "field source_tenants not found"),
        # (A name with a space would pass: Thanos validates names as UTF-8, mimirtool does not.)
        ("record: slo:sli_events:rate5m", "record: slo:sli_events:rate5m\n    for: 5m", "invalid field 'for' in recording rule"),
    ],
)
def test_thanos_rules_check_rejects_a_broken_file(tmp_path, old, new, error):
    """The check can fail (so the test above means something), with Thanos's own message."""
    result = _check(broken_rule_file(tmp_path, "thanos", old, new))
    assert result.returncode == 1
    assert "result=FAILED" in result.stderr and error in result.stderr, result.stderr


def test_thanos_rules_check_fails_on_a_glob_matching_nothing(tmp_path):
    result = _check(tmp_path / "*.yml")
    assert result.returncode == 1 and "matching file not found" in result.stderr
