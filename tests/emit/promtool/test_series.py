"""Series synthesis from SLI selectors: every synthesized series matches what the rules select."""

from __future__ import annotations

import re
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slogen.emit.promtool.series import SeriesError, histogram_series, label_matches, ratio_series, regex_example, sli_series, solve_label
from slogen.plan.sli import le_matcher, parse_selector
from slogen.spec.model import SLI, LatencySLI, QuerySLI, RatioSLI


def _selected(selector_text: str, metric: str, labels: dict[str, str]) -> bool:
    """Whether a series is selected by a PromQL selector (anchored regexes, as Prometheus)."""
    sel = parse_selector(selector_text, "x")
    if sel.name != metric:
        return False
    for label, op, value in sel.matchers:
        have = labels.get(label, "")
        ok = {
            "=": have == value,
            "!=": have != value,
            "=~": re.fullmatch(value, have) is not None,
            "!~": re.fullmatch(value, have) is None,
        }[op]
        if not ok:
            return False
    return True


@pytest.mark.parametrize(
    "pattern, expected",
    [
        ("5..", "500"),
        ("Unknown|Internal|Unavailable", "Unknown"),
        ("(GET|POST)", "GET"),
        ("[45][0-9]{2}", "400"),
        ("api-.+", "api-0"),
        (r"\d+", "0"),
    ],
)
def test_regex_example_matches(pattern: str, expected: str) -> None:
    value = regex_example(pattern)
    assert value == expected
    assert re.fullmatch(pattern, value)


@pytest.mark.parametrize(
    "pattern, member, outsider",
    [
        ("5[[:digit:]]{2}", "503", "5a3"),
        ("[^[:space:]]+", "abc", "a c"),
        ("[[:upper:]_]+", "AB_C", "ab"),
        ("[]a]", "]", "b"),
        ("[[a]", "[", ":"),
        ("[[:^alpha:]]+", "12", "ab"),  # a negated POSIX class
        # RE2's Perl classes are ASCII, and its \s has no \v:
        (r"\d+", "12", "٣"),
        (r"a\sb", "a b", "a\vb"),
        (r"[\w-]+", "api-v1", "é"),
    ],
)
def test_posix_classes_read_as_prometheus_reads_them(pattern: str, member: str, outsider: str) -> None:
    # RE2's POSIX classes: Python's re alone reads `[[:digit:]]` as a set of `[`, `:`, `d`, ...
    # (matching `5:]` and not `503`), and warns of a nested set.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert label_matches(("code", "=~", pattern), member)
        assert not label_matches(("code", "=~", pattern), outsider)
        value = regex_example(pattern)
    assert value is not None and label_matches(("code", "=~", pattern), value)


def test_negative_and_combined_matchers() -> None:
    value = solve_label("code", [("code", "!~", "2..|3.."), ("code", "=~", "[0-9]+")], "errors")
    assert re.fullmatch("[0-9]+", value) and not re.fullmatch("2..|3..", value)
    assert solve_label("handler", [("handler", "!=", "/healthz")], "x") not in ("", "/healthz")


def test_impossible_regex_fails_clearly() -> None:
    with pytest.raises(SeriesError, match="cannot synthesize a test value for label 'code'"):
        solve_label("code", [("code", "=~", "5.."), ("code", "!~", "5..")], "errors")


def _rates(series, ratio: float) -> dict[str, float]:
    return {s.notation(): s.rate(1.0, ratio) for s in series}


@pytest.mark.parametrize("ratio", [0.0, 0.25, 1.0])
def test_ratio_same_metric_errors(ratio: float) -> None:
    sli = RatioSLI(errors='http_requests_total{job="checkout", code=~"5.."}', total='http_requests_total{job="checkout"}')
    series = ratio_series(sli, ())
    total = sum(s.rate(1.0, ratio) for s in series if _selected(sli.total, s.metric, dict(s.labels)))
    errors = sum(s.rate(1.0, ratio) for s in series if _selected(sli.errors, s.metric, dict(s.labels)))
    assert total == pytest.approx(1.0)
    assert errors == pytest.approx(ratio)


@pytest.mark.parametrize("ratio", [0.0, 0.4, 1.0])
def test_ratio_good_selector_and_grouping(ratio: float) -> None:
    sli = RatioSLI(good='runs_total{job="x", result="success"}', total='runs_total{job="x"}')
    series = ratio_series(sli, ("route",))
    assert all(dict(s.labels).get("route") for s in series)
    good = sum(s.rate(1.0, ratio) for s in series if _selected(sli.good, s.metric, dict(s.labels)))
    total = sum(s.rate(1.0, ratio) for s in series if _selected(sli.total, s.metric, dict(s.labels)))
    assert (total - good) == pytest.approx(ratio)


@pytest.mark.parametrize("ratio", [0.0, 0.3, 1.0])
def test_ratio_good_with_negative_matchers(ratio: float) -> None:
    # Good is "not a 5xx": the bad series needs a value the negative matcher excludes.
    sli = RatioSLI(good='gw_requests_total{code!~"5..", route!=""}', total='gw_requests_total{route!=""}')
    series = ratio_series(sli, ("route", "tenant"))
    good = sum(s.rate(1.0, ratio) for s in series if _selected(sli.good, s.metric, dict(s.labels)))
    total = sum(s.rate(1.0, ratio) for s in series if _selected(sli.total, s.metric, dict(s.labels)))
    assert total == pytest.approx(1.0) and (total - good) == pytest.approx(ratio)
    assert sorted(dict(s.labels)["code"] for s in series) == ["500", "slogen-test"]


def test_ratio_different_metrics() -> None:
    sli = RatioSLI(errors='jobs_failed_total{queue=~"a|b"}', total='jobs_total{queue=~"a|b"}')
    series = ratio_series(sli, ())
    assert [s.notation() for s in series] == ['jobs_total{queue="a"}', 'jobs_failed_total{queue="a"}']
    assert _rates(series, 0.5) == {'jobs_total{queue="a"}': 1.0, 'jobs_failed_total{queue="a"}': 0.5}


@pytest.mark.parametrize("threshold, at", [(0.3, "0.3"), (1, "1"), ("300ms", "0.3"), (2.5, "2.5")])
def test_histogram_buckets_are_cumulative_and_threshold_matches_rule(threshold, at: str) -> None:
    series = histogram_series('lat_seconds{job="api", handler!="/healthz"}', threshold, ())
    buckets = [s for s in series if s.metric == "lat_seconds_bucket"]
    les = [dict(s.labels)["le"] for s in buckets]
    assert les[1] == at and les[-1] == "+Inf"
    assert [float(le) for le in les] == sorted(float(le) for le in les)
    seconds = float(at)
    label, op, value = le_matcher(seconds)
    assert (re.fullmatch(value, at) if op == "=~" else value == at)
    for ratio in (0.0, 0.3, 1.0):
        counts = [s.rate(1.0, ratio) for s in buckets]
        assert counts == sorted(counts), "buckets must be cumulative"
        assert counts[1] == pytest.approx(1 - ratio), "at the threshold: the good events"
        count = next(s for s in series if s.metric == "lat_seconds_count").rate(1.0, ratio)
        assert count == counts[-1] == 1.0


def test_query_sli_needs_a_test_block_unless_its_counters_are_plain() -> None:
    query = dict(errors="sum(rate(a_total[{{window}}])) / 2", total="sum(rate(b_total[{{window}}]))")
    assert sli_series(SLI(query=QuerySLI(**query)), ()) is None
    tested = SLI(query=QuerySLI(**query, test=RatioSLI(errors="a_total", total="b_total")))
    assert [s.metric for s in sli_series(tested, ())] == ["b_total", "a_total"]
    # Sloth's usual events shape, sum(rate(counter[window])), names its counters itself.
    plain = dict(errors='sum by (job) (rate(a_total{code=~"5.."}[{{window}}]))', total="sum(increase(b_total[{{ window }}]))")
    assert [s.metric for s in sli_series(SLI(query=QuerySLI(**plain)), ())] == ["b_total", "a_total"]
    offset = dict(errors="sum(rate(a_total[{{window}}] offset 1m))", total="sum(rate(b_total[{{window}}]))")
    assert sli_series(SLI(query=QuerySLI(**offset)), ()) is None


def test_latency_sli_dispatch() -> None:
    sli = SLI(latency=LatencySLI(histogram='h_seconds{job="a"}', threshold=0.5))
    assert {s.metric for s in sli_series(sli, ())} == {"h_seconds_bucket", "h_seconds_count"}


_VALUE = st.text(alphabet="abcXYZ019_-./:", min_size=1, max_size=8)


@given(st.lists(_VALUE, min_size=1, max_size=4), st.sampled_from(["", ".*", "[0-9]+", "(-x)?"]))
def test_regex_example_property(alternatives: list[str], suffix: str) -> None:
    pattern = "(" + "|".join(re.escape(v) for v in alternatives) + ")" + suffix
    value = regex_example(pattern)
    assert value is not None and re.fullmatch(pattern, value)


@given(_VALUE)
def test_negative_matcher_property(excluded: str) -> None:
    value = solve_label("l", [("l", "!=", excluded), ("l", "!~", re.escape(excluded) + ".+")], "x")
    assert value and value != excluded and not re.fullmatch(re.escape(excluded) + ".+", value)
