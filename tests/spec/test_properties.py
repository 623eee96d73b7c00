"""Property tests: any valid spec compiles to rules promtool accepts, byte-identically;
any broken document ends in clean `path:line:col: message` lines and exit code 2."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from slogen_testing import compile_files, compile_paths
from slogen.cli import app
from slogen.plan.slo import same_series
from slogen.spec.durations import parse_duration
from slogen.spec.promql import escape_string
from typer.testing import CliRunner

from engines import PROMETHEUS_2, engine
from slogen_testing import diagnostics_of, document_paths, examples, run_promtool, write_spec

EXAMPLES = examples(1000)
DIAGNOSTIC = re.compile(r"^[^\n]+:\d+:\d+: [^\n]+$")
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)

names = st.from_regex(r"\A[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,5})?\Z")
label_names = st.from_regex(r"\A[a-zA-Z][a-zA-Z0-9_]{0,10}\Z").filter(lambda n: not n.startswith("slo_") and n != "le")
label_values = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20)
# Words PromQL reads as keywords before `{` (`on{job="0"}` is invalid PromQL, refused at its
# line): a valid spec cannot use them as a bare metric name (hypothesis found `on` once in CI runs).
PROMQL_KEYWORDS = {"atan2", "on", "ignoring", "group_left", "group_right", "bool", "inf", "nan"}
metric_names = st.from_regex(r"\A[a-z][a-z0-9_]{0,15}\Z").filter(lambda n: n not in PROMQL_KEYWORDS)


@st.composite
def selectors(draw, suffixes=("",)) -> str:
    """A plain selector with random, correctly escaped label values."""
    name = draw(metric_names)
    matchers = []
    for label in draw(st.lists(label_names, max_size=3, unique=True)):
        op = draw(st.sampled_from(["=", "!=", "=~", "!~"]))
        value = draw(st.sampled_from(["5..", "GET|POST", ".+", "a.*"])) if "~" in op else draw(label_values)
        matchers.append(f'{label}{op}"{escape_string(value)}"')
    if not matchers:
        matchers.append(f'job="{escape_string(draw(label_values))}"')
    return f"{name}{{{', '.join(matchers)}}}"


@st.composite
def slis(draw) -> dict:
    """One SLI of any kind."""
    kind = draw(st.sampled_from(["errors", "good", "latency", "query"]))
    if kind in ("errors", "good"):
        part, total = draw(selectors()), draw(selectors())
        assume(not same_series(part, total))  # a located error since issue 17, not a valid spec
        return {"ratio": {kind: part, "total": total}}
    if kind == "latency":
        threshold = draw(st.sampled_from([0.05, 0.1, 0.25, 0.3, 1, 2.5, 10, "300ms", "2s"]))
        latency = {"histogram": draw(selectors()), "threshold": threshold}
        fmt = draw(st.sampled_from([None, "classic", "native", "auto"]))
        return {"latency": latency if fmt is None else {**latency, "format": fmt}}
    errors, total = draw(selectors()), draw(selectors())
    return {
        "query": {
            "errors": f"sum(rate({errors}[{{{{window}}}}]))",
            "total": f"sum by (job) (rate({total}[{{{{ window }}}}]))",
        }
    }


@st.composite
def tiers(draw, period: int, budget: Decimal) -> list[dict]:
    """Custom tiers that can fire: factor x budget <= 1, windows inside the period."""
    out = []
    for _ in range(draw(st.integers(1, 3))):
        long_window = draw(st.sampled_from(["1h", "2h", "6h", "12h", "1d", "2d", "3d"]))
        seconds = parse_duration(long_window)
        percent = draw(st.sampled_from([Decimal(1), Decimal(2), Decimal(5), Decimal(10)]))
        assume(percent / 100 * period / seconds * budget <= 1)
        tier = {"budget_percent": float(percent), "long_window": long_window}
        if draw(st.booleans()):
            tier["short_window"] = draw(st.sampled_from(["5m", "10m"]))
        out.append(tier)
    return out


@st.composite
def specs(draw) -> dict:
    """A valid native spec with every optional feature in play."""
    slos = []
    for name in draw(st.lists(names, min_size=1, max_size=3, unique=True)):
        window = draw(st.sampled_from(["7d", "14d", "28d", "30d", "90d"]))
        # The default page tier (2% in 1h) must be able to fire: factor x budget <= 1.
        fastest_factor = Decimal("0.02") * parse_duration(window) / 3600
        lowest = (100 * (1 - 1 / fastest_factor)).quantize(Decimal("0.001")) + Decimal("0.001")
        objective = draw(st.decimals(min_value=lowest, max_value=Decimal("99.999"), places=3))
        slo = {"name": name, "objective": float(objective), "window": window, "sli": draw(slis())}
        if draw(st.booleans()):
            slo["description"] = draw(label_values)
        if draw(st.booleans()):
            slo["labels"] = draw(st.dictionaries(label_names, label_values, max_size=2))
        if draw(st.booleans()):
            slo["grouping"] = draw(st.lists(label_names, max_size=2, unique=True))
        choice = draw(st.sampled_from(["default", "off", "custom", "ticket-only"]))
        budget = 1 - Decimal(str(float(objective))) / 100
        if choice == "off":
            slo["alerting"] = False
        elif choice == "custom":
            slo["alerting"] = {
                "page": {"tiers": draw(tiers(parse_duration(window), budget)), "labels": {"severity": "critical"}},
                "ticket": {"labels": {"severity": "warning", "team": draw(label_values)}},
                "min_events": draw(st.integers(1, 1000)),
                "annotations": {"runbook_url": draw(label_values)},
            }
        elif choice == "ticket-only":
            slo["alerting"] = {"page": False, "name": "Burn_" + name.replace("-", "_")}
        slos.append(slo)
    spec = {"service": draw(names), "slos": slos}
    if draw(st.booleans()):
        spec["labels"] = draw(st.dictionaries(label_names, label_values, max_size=3))
    for slo in slos:  # a grouping label that is also a static label is an error (tested in test_validation)
        alerting = slo.get("alerting") if isinstance(slo.get("alerting"), dict) else {}
        static = {*spec.get("labels", {}), *slo.get("labels", {})}
        static |= {k for part in ("page", "ticket") if isinstance(alerting.get(part), dict) for k in alerting[part].get("labels", {})}
        if "grouping" in slo:
            slo["grouping"] = [g for g in slo["grouping"] if g not in static]
    return spec


@pytest.fixture(scope="module")
def promtool() -> str:
    """One engine is enough here: the 1,000 generated specs test slogen, not the engines
    (every engine checks the example and golden rule files elsewhere)."""
    return engine(PROMETHEUS_2).promtool


def _compile(path: Path) -> str:
    services, diagnostics = compile_paths([path])
    more: list = []
    assert not diagnostics + more, [str(d) for d in diagnostics + more]
    (service,) = services
    return compile_files([path])[f"rules/{service.service}.yml"]


def test_valid_specs_compile_deterministically_to_rules_promtool_accepts(tmp_path, promtool):
    counter = itertools.count()
    rule_files: list[Path] = []

    @PROPERTY
    @given(specs())
    def compiles(spec: dict) -> None:
        n = next(counter)
        path = tmp_path / f"spec{n}.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
        first = _compile(path)
        assert _compile(path) == first
        rules = tmp_path / f"rules{n}.yml"
        rules.write_text(first)
        rule_files.append(rules)

    compiles()
    assert len(rule_files) >= EXAMPLES
    for start in range(0, len(rule_files), 250):
        batch = [str(p) for p in rule_files[start : start + 250]]
        result = run_promtool(promtool, "check", "rules", "--lint=all", "--lint-fatal", *batch)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


GOOD = {
    "service": "api",
    "labels": {"team": "x"},
    "slos": [
        {
            "name": "availability",
            "objective": 99.9,
            "window": "30d",
            "sli": {"ratio": {"errors": 'http_requests_total{code=~"5.."}', "total": "http_requests_total"}},
            "alerting": {"page": {"labels": {"severity": "page"}}, "min_events": 10},
        }
    ],
}

junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@st.composite
def mutated(draw) -> str:
    """A broken document: a mutated valid spec, truncated YAML, random text or deep nesting."""
    how = draw(st.sampled_from(["replace", "delete", "add", "truncate", "text", "nest"]))
    if how == "text":
        return draw(st.text(max_size=200))
    if how == "nest":
        depth = draw(st.integers(60, 400))
        return "service: x\nslos: " + "[" * depth + "]" * depth + "\n"
    doc = yaml.safe_load(yaml.safe_dump(GOOD))
    paths = [p for p in document_paths(doc) if p]
    target = draw(st.sampled_from(paths))
    parent = doc
    for key in target[:-1]:
        parent = parent[key]
    if how == "replace":
        parent[target[-1]] = draw(junk)
    elif how == "delete":
        del parent[target[-1]]
    elif how == "add" and isinstance(parent, dict):
        parent[draw(st.text(min_size=1, max_size=8))] = draw(junk)
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    if how == "truncate":
        text = text[: draw(st.integers(0, len(text) - 1))]
    return text


def test_broken_documents_end_in_located_messages_exit_2_and_no_writes(tmp_path):
    runner = CliRunner()
    specs_dir, out = tmp_path / "specs", tmp_path / "out"
    specs_dir.mkdir()
    spec = specs_dir / "api.yaml"
    spec.write_text(yaml.safe_dump(GOOD))
    assert runner.invoke(app, ["generate", str(specs_dir), "--out", str(out)]).exit_code == 0
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    seen = {"failed": 0, "valid": 0}

    @PROPERTY
    @given(mutated(), st.booleans())
    def rejects(text: str, as_bytes: bool) -> None:
        if as_bytes:
            spec.write_bytes(text.encode("utf-16"))  # not UTF-8: must be refused too
        else:
            spec.write_text(text)
        result = runner.invoke(app, ["generate", str(specs_dir), "--out", str(out)])
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        if result.exit_code == 0:
            seen["valid"] += 1  # a mutation that happens to stay valid (e.g. an optional key removed)
            spec.write_text(yaml.safe_dump(GOOD))
            assert runner.invoke(app, ["generate", str(specs_dir), "--out", str(out)]).exit_code == 0
            return
        seen["failed"] += 1
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert lines[-1].endswith("nothing was written")
        assert lines[:-1] and all(DIAGNOSTIC.match(line) for line in lines[:-1]), lines
        assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before

    rejects()
    assert seen["failed"] >= EXAMPLES * 0.8, seen


def test_promql_keywords_as_a_bare_metric_name_are_refused_where_written(tmp_path):
    """Why the strategy leaves them out: each is a located refusal, not a crash or a silent rule."""
    for word in sorted(PROMQL_KEYWORDS):
        path = write_spec(tmp_path / word, f"service: a\nslos:\n  - name: a\n    objective: 99\n    sli: {{ratio: {{errors: 'a{{job=\"0\"}}', total: '{word}{{job=\"0\"}}'}}}}\n")
        assert [str(d) for d in diagnostics_of([path])] == [
            f"{path}:5:48: slos[0].sli.ratio.total: invalid PromQL: invalid promql query: {word!r} before '{{' reads as a "
            f'PromQL keyword, not a metric name; select the metric as {{__name__="{word}", ...}}'
        ], word
        # As the message says: the same metric selected by __name__ compiles.
        fixed = write_spec(tmp_path / f"{word}-fixed", path.read_text().replace(f"'{word}{{", f"'{{__name__=\"{word}\", "))
        assert diagnostics_of([fixed]) == [], word
