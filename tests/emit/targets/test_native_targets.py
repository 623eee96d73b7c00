"""Native and auto latency SLIs per target: Prometheus (promtool 2.42 and 3), Thanos and Mimir
take the rules; vmalert is refused, located, because VictoriaMetrics cannot serve them, which
the real vmalert shows (and the real VictoriaMetrics: tests/e2e/test_native_victoriametrics.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from engines import tool
from slogen_testing import build_options, compile_files, compile_paths, diagnostics_of, run_promtool, write_spec

SPEC = """
service: shop
slos:
  - name: native
    objective: 99
    grouping: [route]
    sli:
      latency:
        histogram: http_request_duration_seconds{job="shop"}
        threshold: 300ms
        format: native
  - name: migrating
    objective: 99.5
    sli:
      latency:
        histogram: http_request_duration_seconds{job="old"}
        threshold: 0.25
        format: auto
"""


def _files(tmp_path: Path, target: str) -> list[Path]:
    out = []
    for rel, text in compile_files([write_spec(tmp_path / "specs", SPEC)], build_options((target,))).items():
        if rel.startswith(f"{target}/") or (target == "prometheus" and rel.startswith("rules/")):
            path = tmp_path / "out" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            out.append(path)
    assert out
    return out


def test_prometheus_rules_pass_both_promtools(tmp_path, promtool):
    # histogram_fraction and histogram_count parse since Prometheus 2.40.
    result = run_promtool(promtool, "check", "rules", "--lint=all", "--lint-fatal", *map(str, _files(tmp_path, "prometheus")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_thanos_rules_check_takes_them(tmp_path):
    files = _files(tmp_path, "thanos")
    result = subprocess.run([tool("thanos-rules-check", "thanos"), *[a for f in files for a in ("--rules", str(f))]], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "result=SUCCESS" in result.stderr, result.stderr


def test_cortexs_ruler_takes_the_mimir_files(tmp_path):
    files = _files(tmp_path, "mimir")
    result = subprocess.run([tool("cortex-rules-check", "cortex"), "check", *map(str, files)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "SUCCESS" in result.stderr, result.stdout + result.stderr


def test_vmalert_refuses_them_at_their_format(tmp_path):
    path = write_spec(tmp_path / "specs", SPEC)
    _, problems = compile_paths([path], build_options(("vmalert",)))
    why = "VictoriaMetrics keeps no native histogram series (it turns a remote-written one into `_bucket{vmrange}` counters) and MetricsQL has no histogram_count"
    assert [str(p) for p in problems] == [
        f"{path}:10:17: slos[0].sli.latency.format: vmalert: {why}, so `format: native` cannot be evaluated there; use `format: classic` for this target",
        f"{path}:17:17: slos[1].sli.latency.format: vmalert: {why}, so `format: auto` cannot be evaluated there; use `format: classic` for this target",
    ]
    assert diagnostics_of([path]) == []  # the Prometheus target takes them


def test_the_real_vmalert_rejects_histogram_count(tmp_path):
    # Why the vmalert target refuses: VictoriaMetrics v1.151 parses histogram_fraction but not
    # histogram_count (and keeps no native histogram series: tests/e2e/test_native_victoriametrics.py).
    rules = tmp_path / "native.yml"
    (rule_file,) = [p for p in _files(tmp_path, "prometheus") if p.parent.name == "rules"]
    rules.write_text(rule_file.read_text())
    vmalert = Path(tool("vmalert", "victoriametrics"))
    result = subprocess.run([str(vmalert), "-dryRun", f"-rule={rules}"], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert 'unsupported function "histogram_count"' in result.stdout + result.stderr
