"""Properties of `latency.format` (issue 29): for any latency SLI, `format: classic` is the
default byte for byte; `native` reads only the histogram's own series and `auto` both; and
every form compiles to rules promtool 3 accepts."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slogen_testing import compile_files, examples, run_promtool
from test_properties import label_names, selectors

from engines import PROMETHEUS_3, engine

PROPERTY = settings(max_examples=examples(100), deadline=None, suppress_health_check=list(HealthCheck), database=None)


@st.composite
def latency_specs(draw) -> tuple[dict, str]:
    """A one-SLO service on a latency SLI without `format`, and the histogram's name."""
    histogram = draw(selectors())
    threshold = draw(st.sampled_from([0.05, 0.25, 0.3, 1, 2.5, "300ms", "2s", 1e-05]))
    slo = {"name": "lat", "objective": draw(st.sampled_from([95, 99, 99.9])), "sli": {"latency": {"histogram": histogram, "threshold": threshold}}}
    if draw(st.booleans()):
        slo["grouping"] = draw(st.lists(label_names, min_size=1, max_size=2, unique=True))
    return {"service": "svc", "slos": [slo]}, histogram.split("{")[0]


def _rules(tmp_path: Path, name: str, spec: dict, fmt: str | None) -> str:
    if fmt is not None:
        spec = yaml.safe_load(yaml.safe_dump(spec))
        spec["slos"][0]["sli"]["latency"]["format"] = fmt
    path = tmp_path / name / "spec.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
    return compile_files([path])["rules/svc.yml"]


def test_latency_formats(tmp_path):
    counter = itertools.count()
    checked: list[Path] = []

    @PROPERTY
    @given(latency_specs())
    def formats(case: tuple[dict, str]) -> None:
        spec, name = case
        n = next(counter)
        implicit = _rules(tmp_path, f"{n}-none", spec, None)
        assert _rules(tmp_path, f"{n}-classic", spec, "classic") == implicit
        native = _rules(tmp_path, f"{n}-native", spec, "native")
        auto = _rules(tmp_path, f"{n}-auto", spec, "auto")
        classic_reads = re.compile(rf"\b{name}_(bucket|count)\b")
        assert not classic_reads.search(native) and "histogram_fraction(-Inf, " in native
        assert classic_reads.search(auto) and f"{name}{{" in auto and " offset 5m" in auto
        for text, fmt in ((native, "native"), (auto, "auto")):
            rules = tmp_path / f"{n}-{fmt}.yml"
            rules.write_text(text)
            checked.append(rules)

    formats()
    result = run_promtool(engine(PROMETHEUS_3).promtool, "check", "rules", "--lint=all", "--lint-fatal", *map(str, checked))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@PROPERTY
@given(
    selectors(),
    st.sampled_from([0.005, 0.1, 0.25, 0.3, 1, 2.5, 10]),
    st.sampled_from(["", " by (route)", " by (route, code)"]),
    st.sampled_from(["0", "-Inf"]),
    st.integers(0, 2),
)
def test_native_histogram_queries_read_back_as_their_threshold(histogram, threshold, by, low, shape):
    from slogen.spec.formats.native_latency import native_latency

    summed = f"sum{by} (rate({histogram}[{{{{window}}}}]))"
    count, fraction = f"histogram_count({summed})", f"histogram_fraction({low}, {threshold}, {summed})"
    bad = [f"{count} * (1 - {fraction})", f"{count} - {fraction} * {count}", f"{count} - ({count} * {fraction})"][shape]
    got = native_latency(bad, count, good=False)
    assert got is not None and got["latency"]["threshold"] == threshold and got["latency"]["format"] == "native"
    assert native_latency(f"{fraction} * {count}", count, good=True) == got
    # The good events given as the bad ones (or a band from a non-zero lower bound) are not a latency SLI.
    assert native_latency(f"{fraction} * {count}", count, good=False) is None
    assert native_latency(bad.replace(f"({low}, ", "(0.001, "), count, good=False) is None
