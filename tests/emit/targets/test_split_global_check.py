"""`--split`: every global file passes its engine's own rule checker (Thanos's rules-check, Cortex's
ruler validation for mimir and cortex), and every leaf file promtool's strict lint."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml
from engines import tool

from slogen.build.options import BuildOptions, SplitOptions
from slogen.emit.targets import Targets
from slogen_testing import ROOT, compile_files

CHECKERS = {"thanos": ("thanos-rules-check", "thanos"), "mimir": ("cortex-rules-check", "cortex"), "cortex": ("cortex-rules-check", "cortex")}


def _written(tmp_path, leaf: str, global_: str) -> dict[str, list]:
    options = BuildOptions(targets=Targets.of(["prometheus"]), split=SplitOptions(leaf, global_))
    out = {}
    for rel, text in compile_files([ROOT / "slo_specs"], options).items():
        side = "leaf" if "/leaf/" in rel else "global" if "/global/" in rel and not rel.startswith("tests/") else None
        if side:
            path = tmp_path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            out.setdefault(f"{rel.split('/')[0]}/{side}", []).append(path)
    return out


def _rules_in(path) -> int:
    return sum(len(group["rules"]) for group in yaml.safe_load(path.read_text())["groups"])


@pytest.mark.parametrize("global_", sorted(CHECKERS))
def test_every_global_file_passes_its_engines_checker(tmp_path, global_):
    files = _written(tmp_path, "prometheus", global_)[f"{global_}/global"]
    assert len(files) >= 6
    binary, module = CHECKERS[global_]
    if binary == "thanos-rules-check":
        args = [arg for f in files for arg in ("--rules", str(f))]
        result = subprocess.run([tool(binary, module), *args], capture_output=True, text=True, timeout=300)
        counts = [int(n) for n in re.findall(r"result=SUCCESS rulesfound=(\d+)", result.stderr)]
        assert result.returncode == 0 and counts == [_rules_in(f) for f in files], result.stderr
    else:
        result = subprocess.run([tool(binary, module), "check", *map(str, files)], capture_output=True, text=True, timeout=300)
        (found,) = re.findall(r"SUCCESS groups=\d+ rules_found=(\d+)", result.stderr)
        assert result.returncode == 0 and int(found) == sum(map(_rules_in, files)), result.stderr


def test_every_leaf_and_promtool_global_file_passes_promtools_lint(tmp_path, promtool):
    written = _written(tmp_path, "prometheus", "thanos")
    files = written["rules/leaf"] + written["rules/global"]
    result = subprocess.run([promtool, "check", "rules", "--lint=all", "--lint-fatal", *map(str, files)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
