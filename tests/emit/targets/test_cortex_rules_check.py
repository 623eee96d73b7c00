"""The mimir and cortex targets through Cortex's own rule-group acceptance.

`.tools/bin/cortex-rules-check` (tools/engines/cortex/rulescheck, built by `make test` from the
pinned Cortex module, Apache-2.0) runs the steps of Cortex's ruler API on every group of a
namespace file: the YAML read into Prometheus's rulefmt, the ruler manager's validation (every
expression through Cortex's own PromQL parser, every rule's fields through rulefmt), the
per-tenant limits, and the protobuf round trip the ruler stores a group through. Mimir's ruler
grew out of Cortex's and takes the same namespace files; Mimir's code is AGPL-3.0 and is not
built into this project's tools, so Mimir's own limits are held to its documented defaults
(test_mimir_limits.py).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from engines import pinned, tool
from slogen_testing import broken_rule_file, emitted_rule_files, spec_trees


def _run(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([tool("cortex-rules-check", "cortex"), *map(str, args)], capture_output=True, text=True, timeout=300)


def _by_tree(files: list[Path]) -> dict[str, list[Path]]:
    """The files per spec tree: each tree is one tenant, and a tenant never sees a namespace twice."""
    trees: dict[str, list[Path]] = {}
    for f in files:
        trees.setdefault(f.parent.parent.name, []).append(f)
    assert len(trees) == len(spec_trees()) + 1  # and the calendar example
    return trees


def _rules_in(path: Path) -> int:
    return sum(len(group["rules"]) for group in yaml.safe_load(path.read_text())["groups"])


def test_the_checker_is_the_pinned_cortex():
    result = _run("version")
    assert result.returncode == 0
    assert f"github.com/cortexproject/cortex {pinned('cortex', 'github.com/cortexproject/cortex')}\n" in result.stdout, result.stdout


@pytest.mark.parametrize("target", ["mimir", "cortex"])
@pytest.mark.parametrize("share_rules", ["service", "global"])
def test_every_emitted_file_is_accepted_by_cortexs_ruler(tmp_path, target, share_rules):
    files = emitted_rule_files(tmp_path, target, share_rules)
    if share_rules == "global":
        assert any(f.name == "_shared.yaml" for f in files)
    for tree, tree_files in _by_tree(files).items():
        result = _run("check", *tree_files)
        assert result.returncode == 0, f"{tree}:\n{result.stderr}"
        # Every rule of every file was read and validated, not a prefix of them.
        (found,) = re.findall(r"SUCCESS groups=\d+ rules_found=(\d+)", result.stderr)
        assert int(found) == sum(map(_rules_in, tree_files)), tree


def test_mimir_files_fit_mimirs_default_limits_as_cortex_counts_them(tmp_path):
    """The mimir target cuts groups to Mimir's documented defaults; Cortex's limit code agrees."""
    from slogen.emit.targets.mimir import DEFAULT_MAX_GROUPS, DEFAULT_MAX_RULES_PER_GROUP

    for tree, tree_files in _by_tree(emitted_rule_files(tmp_path, "mimir")).items():
        limits = ("--max-rules-per-group", DEFAULT_MAX_RULES_PER_GROUP, "--max-groups", DEFAULT_MAX_GROUPS)
        result = _run("check", *limits, *tree_files)
        assert result.returncode == 0, f"{tree}:\n{result.stderr}"


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ("expr: sum(", "expr: sum((", "could not parse expression"),
        # Thanos' group key: the file read is strict, so a key Cortex does not know fails.
        ("  interval:", "  partial_response_strategy: abort\n  interval:", "field partial_response_strategy not found"),
        ("record: slo:sli_events:rate5m", "record: 'slo:sli events'", "invalid recording rule name"),
        ("slo_window: 5m", "slo window: 5m", "invalid label name"),
    ],
)
def test_the_checker_refuses_a_broken_file(tmp_path, old, new, error):
    """The check can fail (so the tests above mean something), with the reason."""
    result = _run("check", broken_rule_file(tmp_path, "mimir", old, new))
    assert result.returncode == 1 and error in result.stderr, result.stderr


def test_the_checker_refuses_a_namespace_loaded_twice(tmp_path):
    (good, *_) = emitted_rule_files(tmp_path, "mimir")
    again = tmp_path / "again.yaml"
    again.write_text(good.read_text())
    result = _run("check", good, again)
    assert result.returncode == 1 and "is also in" in result.stderr, result.stderr


def test_the_checker_applies_the_rules_per_group_limit(tmp_path):
    (good, *_) = emitted_rule_files(tmp_path, "mimir")
    result = _run("check", "--max-rules-per-group", "1", good)
    assert result.returncode == 1 and "per-user rules per rule group limit (limit: 1" in result.stderr, result.stderr
