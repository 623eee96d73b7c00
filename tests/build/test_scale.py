"""Compiling 10,000 SLOs costs no more per SLO than compiling 1,000: no quadratic step.

A behaviour test, not a speed target (those live in `make bench`): it compares the
time per SLO at two sizes in one run, with a generous bound for a busy machine.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from slogen.build.pipeline import build_tree

SLI = {
    0: '      ratio:\n        errors: http_requests_total{{job="svc{s}", code=~"5.."}}\n        total: http_requests_total{{job="svc{s}"}}\n',
    1: '      latency:\n        histogram: http_request_duration_seconds{{job="svc{s}"}}\n        threshold: 0.25\n',
    2: '      query:\n        errors: sum(rate(jobs_failed_total{{job="svc{s}"}}[{{{{window}}}}]))\n        total: sum(rate(jobs_total{{job="svc{s}"}}[{{{{window}}}}]))\n',
}


def _tree(directory: Path, services: int) -> None:
    directory.mkdir()
    for s in range(services):
        slos = "".join(f"  - name: slo{i}\n    objective: 99.9\n    sli:\n" + SLI[i % 3].format(s=s) for i in range(10))
        (directory / f"svc{s}.yaml").write_text(f"service: svc{s}\nlabels: {{team: t{s % 7}}}\nslos:\n{slos}")


def _seconds_per_slo(directory: Path, slos: int) -> float:
    started = time.process_time()
    tree, diagnostics = build_tree([directory])
    files = tree.files
    elapsed = time.process_time() - started
    assert not diagnostics and len(files) > slos // 10
    return elapsed / slos


@pytest.mark.slow
def test_time_per_slo_does_not_grow_with_the_number_of_slos(tmp_path):
    _tree(tmp_path / "small", 100)
    _tree(tmp_path / "large", 1000)
    _seconds_per_slo(tmp_path / "small", 1000)  # warm caches and imports before timing
    small = _seconds_per_slo(tmp_path / "small", 1000)
    large = _seconds_per_slo(tmp_path / "large", 10000)
    # Linear work gives a ratio near 1; a quadratic step would give ~10.
    assert large < 2.5 * small, f"{large * 1e3:.2f} ms per SLO at 10,000 vs {small * 1e3:.2f} ms at 1,000"
