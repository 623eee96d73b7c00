"""The generated tests of timeslice SLOs (emit/promtool/slices.py), run by the real promtool.

They pass on slogen's rules, in rolling and calendar windows, and fail on rules broken
the way a slice SLI breaks: the threshold's direction flipped, slices read a second
short (the pre-fix lookback), a missing page.  Their inputs are checked against the
brute-force count they claim, for any pattern and threshold (hypothesis).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from slogen.emit.promtool.slice_inputs import SliceInputs, slice_inputs
from slogen.emit.promtool.slices import INPUT, Slices, input_series, pattern
from slogen.spec.model import TimeslicesSLI
from slogen_testing import compile_files, examples, run_promtool, run_slogen

DATA = Path(__file__).resolve().parents[2] / "data" / "timeslices"
ROOT = DATA.parents[2]


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The timeslices case's output, generated now, under tmp_path/out."""
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    for rel, text in compile_files([DATA / "spec.yaml"]).items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return out


def _run(promtool: str, out: Path, file: str = "shop.slices.test.yml") -> str:
    result = run_promtool(promtool, "test", "rules", file, cwd=out / "tests")
    return result.stdout + result.stderr if result.returncode else ""


@pytest.mark.slow
def test_generated_slice_tests_pass(promtool: str, tree: Path) -> None:
    assert _run(promtool, tree) == ""
    assert not (tree / "tests" / "shop.test.yml").exists()  # no SLO for the main file
    tests = yaml.safe_load((tree / "tests" / "shop.slices.test.yml").read_text())
    names = " | ".join(group["name"] for group in tests["tests"])
    for slo in ("minutes-cal", "latency-slices", "ratio-slices", "by-route", "ratio-query"):
        assert f"shop/{slo} slices;" in names and f"shop/{slo} outage;" in names
    assert "query-slices" not in names


def _keep(out: Path, scenario: str) -> dict:
    """Keep one scenario's test groups (each broken run stays short); the file's data."""
    path = out / "tests" / "shop.slices.test.yml"
    data = yaml.safe_load(path.read_text())
    data["tests"] = [group for group in data["tests"] if f" {scenario};" in group["name"]]
    assert data["tests"]
    path.write_text(yaml.safe_dump(data, sort_keys=False, width=1 << 20))
    return data


def _break(out: Path, old: str, new: str, count: int = 1) -> None:
    """Replace `old` in the rule file and in promtool's copy of it (which the tests load)."""
    for path in (out / "rules" / "shop.yml", out / "tests" / "rules" / "shop.yml"):
        text = path.read_text()
        assert text.count(old) >= count, (path, old)
        path.write_text(text.replace(old, new))


@pytest.mark.parametrize(
    ("broken", "old", "new", "expect", "scenario"),
    [
        # A slice is good when its error ratio is under the threshold: turned around, every
        # judgement, count and ratio is wrong.
        ("threshold direction", "<= bool 0.02", "> bool 0.02", "slo:timeslice_good:bool", "slices"),
        # The subquery counting a 5m window's slices steps by 2m instead of the slice.
        ("slices skipped", "[4m59s999ms:1m]", "[4m59s999ms:2m]", "slo:sli_error:ratio_rate5m", "slices"),
        # The fast page tier out of reach: its page never comes (the 6h tier's still does).
        ("no page", "> 14.4", "> 1440", "1h/5m", "outage"),
        # New York's UTC offset an hour off: its month starts an hour late.
        ("zone offset", "* 3600 - 18000", "* 3600 - 14400", "slo:calendar_period_start", "slices"),
    ],
)
@pytest.mark.slow
def test_generated_slice_tests_fail_on_broken_rules(
    promtool: str, tree: Path, broken: str, old: str, new: str, expect: str, scenario: str
) -> None:
    _keep(tree, scenario)
    _break(tree, old, new)
    output = _run(promtool, tree)
    assert "FAILED" in output and expect in output, broken


@pytest.mark.slow
def test_slices_are_judged_before_they_are_counted(promtool: str, tree: Path) -> None:
    # The timeslices group runs first: in the old order (after the base rates) every
    # reader in promtool missed the slice judged at its own tick.
    path = tree / "tests" / "shop.slices.test.yml"
    data = _keep(tree, "slices")
    order = data["group_eval_order"]
    assert order[0] == "slogen-shop-timeslices"
    order.insert(order.index("slogen-shop-sli-short") + 1, order.pop(0))
    path.write_text(yaml.safe_dump(data, sort_keys=False, width=1 << 20))
    output = _run(promtool, tree)
    assert "FAILED" in output and "slo:sli_error:ratio_rate5m" in output


@pytest.mark.slow
def test_slogen_test_runs_the_slices_file_and_refuses_it_stale(tree: Path) -> None:
    spec = str(DATA / "spec.yaml")
    result = run_slogen("test", spec, "--out", str(tree), timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS" in result.stderr and "shop.slices.test.yml" in result.stderr
    slices = tree / "tests" / "shop.slices.test.yml"
    slices.write_text(slices.read_text().replace("eval_time: 1h", "eval_time: 2h", 1))
    result = run_slogen("test", spec, "--out", str(tree))
    assert result.returncode != 0 and "shop.slices.test.yml: missing or stale" in result.stderr


def test_untested_slice_query_says_why(tree: Path) -> None:
    from slogen_testing import compile_paths

    (service,), problems = compile_paths([DATA / "spec.yaml"])
    more: list = []
    assert not problems + more
    assert dict(service.untested) == {
        "query-slices": "cannot synthesize input series for sli.timeslices.good_when.query: a slice query other than "
        "a ratio of summed counter rates over the slice (`sum(rate(a[{{window}}])) / sum(rate(b[{{window}}]))`, or 1 minus one) "
        "has no counters slogen can drive: its slices are not tested"
    }


# --- the inputs against the count -------------------------------------------------


def _decode(values: str) -> list[float]:
    """promtool's expanding notation back to one value per input step."""
    out: list[float] = []
    for part in values.split():
        match = re.fullmatch(r"([-0-9.e+]+?)(?:\+([-0-9.e]+)x(\d+))?", part)
        assert match, part
        first, step, times = float(match[1]), float(match[2] or 0), int(match[3] or 0)
        out += [first + step * i for i in range(times + 1)]
    return out


def _judge(slice_: int, errors: list[float], total: list[float], k: int, op: str, threshold: float, complemented: bool = False) -> str:
    """Slice k's kind, judged from the decoded counters as the rule judges it."""
    steps = range((k - 1) * slice_ // INPUT, k * slice_ // INPUT)
    moved_total = sum(total[i] for i in steps)
    if moved_total == 0:
        return "idle"
    ratio = sum(errors[i] for i in steps) / moved_total
    ratio = 1 - ratio if complemented else ratio
    good = {"lt": ratio < threshold, "lte": ratio <= threshold, "gt": ratio > threshold, "gte": ratio >= threshold}[op]
    return "good" if good else "bad"


# The same slice written as a ratio, a ratio query, and 1 minus a ratio query.
FORMS = {
    "ratio": lambda: {"ratio": {"errors": "req_errors_total", "total": "req_total"}},
    "query": lambda: {"query": "sum(rate(req_errors_total[{{window}}])) / sum(rate(req_total[{{window}}]))"},
    "1 - query": lambda: {"query": "1 - (sum(rate(req_errors_total[{{window}}])) / sum(rate(req_total[{{window}}])))"},
}


@settings(max_examples=examples(80), deadline=None)
@given(
    slice_minutes=st.sampled_from([1, 2, 3, 5, 10, 15, 30, 60]),
    threshold=st.floats(min_value=1e-5, max_value=0.9),
    op=st.sampled_from(["lt", "lte", "gt", "gte"]),
    hours=st.integers(min_value=1, max_value=3),
    form=st.sampled_from(sorted(FORMS)),
)
def test_inputs_give_the_slices_the_count_expects(slice_minutes: int, threshold: float, op: str, hours: int, form: str) -> None:
    ts = TimeslicesSLI.model_validate(
        {"slice": f"{slice_minutes}m", "good_when": {**FORMS[form](), "op": op, "threshold": threshold}}
    )
    inputs = slice_inputs(ts, ())
    slice_ = slice_minutes * 60
    slices = Slices(slice_, pattern(hours * 3600 // slice_), inputs)
    decoded = {}
    for series, entry in zip(inputs.series, input_series(slices, hours * 3600)):
        values = _decode(entry["values"])
        assert len(values) == hours * 3600 // INPUT + 1
        # Exact floats: counters never step back, and an idle slice's do not move at all.
        increments = [b - a for a, b in zip(values, values[1:])]
        assert min(increments) >= 0
        decoded[series.metric] = increments
    judged = [
        _judge(slice_, decoded["req_errors_total"], decoded["req_total"], k, op, threshold, form == "1 - query")
        for k in range(1, len(slices.kinds) + 1)
    ]
    assert judged == list(slices.kinds)


@given(st.integers(min_value=1, max_value=720))
def test_pattern_mixes_every_kind_from_three_slices(n: int) -> None:
    kinds = pattern(n)
    assert len(kinds) == n
    assert set(kinds[:3]) == {"good", "bad", "idle"} or n < 3
    assert math.isclose(sum(k == "idle" for k in kinds), sum(k % 7 == 3 for k in range(1, n + 1)))


def test_counted_is_the_naive_count() -> None:
    inputs = SliceInputs((), 0.0, 0.25, fractional=True)
    slices = Slices(120, pattern(90), inputs)
    for end in range(0, 3 * 3600 + 1, 60):
        for window in (300, 3600, 10800):
            naive = [
                (k, slices.kind(k)) for k in range(1, 91) if end - window < k * 120 <= end and slices.kind(k) != "idle"
            ]
            count, value = slices.counted(end, window)
            assert count == len(naive)
            assert math.isclose(value, sum(1.0 if kind == "good" else 0.75 for _, kind in naive))
