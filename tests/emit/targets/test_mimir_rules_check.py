"""The mimir target through mimirtool's own rule-file parser: `rules lint --dry-run` and `rules check`.

`.tools/bin/mimir-rules-check` is those two commands' code alone (tools/engines/mimir/rulescheck)
over Mimir's pkg/mimirtool/rules, built by `make test` from the pinned Mimir module; mimirtool
and Mimir themselves do not build here in reasonable time (tools/engines/README.md).
`rules.ParseFiles` is what `mimirtool rules load`, `sync` and `diff` run before they send
anything: a strict YAML read (unknown keys fail), one namespace per file and never twice, and
every rule validated with Mimir's Prometheus fork and PromQL parser options. The ruler's own
limits are tested against Mimir's documented defaults (test_mimir_limits.py).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from engines import pinned, tool
from slogen.plan.names import CAL_INFO, INFO
from slogen_testing import broken_rule_file, emitted_rule_files, spec_trees

# The info series are named like Sloth's `sloth_slo_info` (an `_info` metric, no colon), which
# `rules check`'s naming lint flags; the README says so. Every other name is level:metric:op.
INFO_SERIES = {INFO, CAL_INFO}


def _run(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([tool("mimir-rules-check", "mimir"), *map(str, args)], capture_output=True, text=True, timeout=300)


def _by_tree(files: list[Path]) -> dict[str, list[Path]]:
    """The files per spec tree: each tree is one tenant, and a tenant never sees a namespace twice."""
    trees: dict[str, list[Path]] = {}
    for f in files:
        trees.setdefault(f.parent.parent.name, []).append(f)
    assert len(trees) == len(spec_trees()) + 1  # and the calendar example
    return trees


def _records(path: Path) -> list[str]:
    return [rule["record"] for group in yaml.safe_load(path.read_text())["groups"] for rule in group["rules"] if "record" in rule]


def _rules_in(path: Path) -> int:
    return sum(len(group["rules"]) for group in yaml.safe_load(path.read_text())["groups"])


def test_the_checker_is_the_pinned_mimir():
    result = _run("version")
    assert result.returncode == 0
    assert f"github.com/grafana/mimir {pinned('mimir', 'github.com/grafana/mimir')}\n" in result.stdout, result.stdout
    # Mimir's Prometheus fork, as Mimir's own build uses it.
    assert "=> github.com/grafana/mimir-prometheus " in result.stdout, result.stdout


@pytest.mark.parametrize("share_rules", ["service", "global"])
def test_every_emitted_mimir_file_passes_mimirtool_rules_lint(tmp_path, share_rules):
    files = emitted_rule_files(tmp_path, "mimir", share_rules)
    if share_rules == "global":
        assert any(f.name == "_shared.yaml" for f in files)
    for tree, tree_files in _by_tree(files).items():
        result = _run("lint", *tree_files)
        assert result.returncode == 0, f"{tree}:\n{result.stderr}"
        # Every rule of every file was parsed and validated, not a prefix of them.
        (found,) = re.findall(r"msg=SUCCESS rules_found=(\d+)", result.stderr)
        assert int(found) == sum(map(_rules_in, tree_files)), tree


def test_mimirtool_rules_check_flags_only_the_info_series(tmp_path):
    files = emitted_rule_files(tmp_path, "mimir")
    assert len(files) >= 12
    for f in files:
        # One file at a time: `check` stops at the first namespace with a bad name.
        result = _run("check", "--strict", f)
        flagged = re.findall(r'msg="bad recording rule name" rule=(\S+)', result.stderr)
        expected = [name for name in _records(f) if name in INFO_SERIES]
        assert expected and flagged == expected, f"{f}:\n{result.stderr}"
        assert result.returncode == 1 and f"{len(expected)} erroneous recording rule names" in result.stderr

        # Without them, the strict check passes: every other name has two colons and no
        # rule records the same series as another in its group (the duplicate check).
        doc = yaml.safe_load(f.read_text())
        for group in doc["groups"]:
            group["rules"] = [rule for rule in group["rules"] if rule.get("record") not in INFO_SERIES]
        rest = tmp_path / "without-info" / f.parent.parent.name / f.name
        rest.parent.mkdir(parents=True, exist_ok=True)
        rest.write_text(yaml.safe_dump(doc, sort_keys=False))
        result = _run("check", "--strict", rest)
        assert result.returncode == 0, f"{f}:\n{result.stderr}"


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ("expr: sum(", "expr: sum((", "parse error"),
        # Thanos' group key: mimirtool parses strictly, so a key it does not know fails.
        ("  interval:", "  partial_response_strategy: abort\n  interval:", "field partial_response_strategy not found"),
        ("record: slo:sli_events:rate5m", "record: 'slo:sli events'", "invalid recording rule name"),
    ],
)
def test_mimirtool_rules_lint_rejects_a_broken_file(tmp_path, old, new, error):
    """The parse can fail (so the tests above mean something), with Mimir's own message."""
    result = _run("lint", broken_rule_file(tmp_path, "mimir", old, new))
    assert result.returncode == 1
    assert "unable to parse rules file" in result.stderr and error in result.stderr, result.stderr


def test_mimirtool_refuses_a_namespace_loaded_twice(tmp_path):
    (good, *_) = emitted_rule_files(tmp_path, "mimir")
    again = tmp_path / "again.yaml"
    again.write_text(good.read_text())
    result = _run("lint", good, again)
    assert result.returncode == 1 and "repeated namespace attempted to be loaded" in result.stderr, result.stderr
