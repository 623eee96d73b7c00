"""Differential tests against the real Sloth: `sloth generate` (v0.16.0, .tools/bin/sloth) on
every Sloth file of the corpus, and slogen on the same file, then one promtool run per file
over the same synthetic series with both rule sets loaded.

For a file both compile, every SLI window Sloth records (`slo:sli_error:ratio_rate<w>`) must
have the same series in slogen's rules (per SLO id and the SLI's `by` labels) with the same
value, and every page and ticket alert must fire for the same SLOs (and groups) at the same
checkpoints.  A file only one of them compiles is listed below with the reason, and
asserted as such, so a change in either tool shows.  The named differences are in the
README ("Differences from Sloth's rules").

The series are made from the selectors Sloth's SLI rules read: each label takes the values
its matchers name (a regex gets the sample values it matches), plus one that matches
none, and an `instance` label (a or b).  Counters of the errors side (or with an error-like
value, for ratio queries) run 0.01-0.02/min in the quiet phase and up to 20-40/min in a
3-hour outage, the others 100-300/min less what the outage adds (constant traffic);
gauges read 0.99, and 0.3 (a) or 0 (b) in the outage.
Checkpoints keep every window's edges an hour from the outage's start and end (slogen's
windows from 1d up are hourly averages) and skip windows holding one edge only (at a 5m
step, which side the edge's rate falls on moves such a window by a few percent).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import promql_parser as pp
import pytest
import yaml
from slogen.build.options import BuildOptions
from slogen.build.pipeline import build_tree
from slogen.spec.durations import parse_duration
from slogen.spec.options import SpecOptions
from slogen.spec.promql import output_grouping, selectors_read, vector_selectors

from engines import PROMETHEUS_2, engine
from promtool_scenarios import check_rule_test, sample_text
import sloth_generate

SLOTH = Path(__file__).resolve().parents[1] / "conformance" / "sloth"
FILES = sorted(SLOTH.glob("*.input.yml")) + sorted((SLOTH / "real").glob("*.yaml"))

WINDOWS_7D = SLOTH / "windows-7d"  # Sloth's AlertWindows catalog for a 7d period (its integration test's)
# Sloth's command line for the corpus cases that ran with one (cases.yaml), and slogen's same option.
# it-base-no-recordings runs without its --disable-recordings: slogen has no such option.
ARGS: dict[str, tuple[tuple[str, ...], SpecOptions]] = {
    "it-base-28d": (("--default-slo-period", "28d"), SpecOptions(default_window="28d")),
    "it-base-custom-windows-7d": (("--default-slo-period", "7d", "--slo-period-windows-path", str(WINDOWS_7D)), SpecOptions(default_window="7d")),
    "it-base-extra-labels": (("-l", "exk1=exv1", "-l", "exk2=exv2"), SpecOptions(extra_labels=(("exk1", "exv1"), ("exk2", "exv2")))),
    "it-base-no-alerts": (("--disable-alerts",), SpecOptions(disable_alerts=True)),
}

# Files Sloth refuses (its message, in part).  slogen must refuse them too.  The Go plugins
# some files name are not in the corpus (and slogen does not run plugins).
SLOTH_REFUSES = {
    "docgen-probe-success-typo-alerting": "invalid SLI: sli error query",
    "docgen-copy-typo-alerting-keys": "invalid SLI: sli error query",
    "example-plugin-getting-started": 'plugin "getting_started_availability" not found',
    "example-plugin-k8s-getting-started": 'plugin "getting_started_availability" not found',
    "it-invalid-version": "could not load with any of the supported spec types",
    "it-sli-plugin": 'plugin "integration_test" not found',
    "it-slo-plugin": 'plugin "integration-tests/plugin1"',
    "it-slo-plugin-k8s": 'plugin "integration-tests/plugin1"',
    "lokalise-crd-plugin-sli": 'plugin "lokalise/http-error-rate" not found',
    "validate-bad-aa": "objective must >0 and <=100",
    "validate-bad-ab": "objective must >0 and <=100",
    "validate-bad-ba": "objective must >0 and <=100",
    "validate-bad-k8s": "invalid SLO ID",
    "validate-bad-multi": "invalid SLI: at least one SLI type",
    "validate-bad-multi-k8s": "invalid alert: page alert",
}
# Files Sloth compiles and slogen refuses, by design (README "Differences from Sloth's
# rules"): slogen's message, in part.
PLUGIN = "slogen does not run Sloth's Go plugins"
CAMEL_CASE = "unknown key 'pageAlert' (the prometheus/v1 spelling is page_alert)"  # Sloth drops the key silently
SLOGEN_REFUSES = {
    "example-contrib-denominator-corrected": PLUGIN,
    "example-contrib-slo-plugins": PLUGIN,
    "example-slo-plugin-getting-started": PLUGIN,
    "example-slo-plugin-k8s-getting-started": PLUGIN,
    "example-victoria-metrics": PLUGIN,
    "validate-dups-bad-prom-multi-duplicates": CAMEL_CASE,
    "validate-dups-prom-bad-prom-1-duplicate": CAMEL_CASE,
    "validate-dups-prom-bad-prom-1-original": CAMEL_CASE,
    "validate-good-aa": CAMEL_CASE,
    "validate-good-ab": CAMEL_CASE,
    "validate-good-ba": CAMEL_CASE,
}
# Files whose SLIs are compared but whose alerts differ by design: Sloth's AlertWindows
# catalog for 7d (8%, 12.5%, 20%, 42% of the budget) has no slogen flag (its tiers are a
# native spec's `tiers:`); slogen's default tiers keep the workbook's shares scaled to 7d.
ALERTS_DIFFER = {"it-base-custom-windows-7d": ({"13.44", "3.5", "1.4000000000000001", "0.98"}, {"3.36", "1.4", "0.7", "0.233333333333333"})}

STEP = 5  # minutes between samples and evaluations: three days of history stay fast
OUTAGE = (4500, 4680)  # minutes
END = 4980
CHECKPOINTS = (4490, 4630, 4810)  # before, inside and after the outage
MARGIN = 60  # minutes between a window's edges and the outage's
TOLERANCE = 0.03  # relative: slogen's windows within 2% of exact, Sloth's within 1% (test_sloth_agreement.py)
# Sample values a regex matcher is tried against; a label's "other" value is the first of OTHERS that matches none.
POOL = ("500", "503", "429", "404", "5xx", "200", "2xx", "GET", "LIST", "WATCH", "true", "false", "0", "1", "+Inf")
OTHERS = ("200", "GET", "true", "1", "other")
ERROR_VALUES = {"500", "503", "429", "404", "5xx", "false", "0"}


def _name(path: Path) -> str:
    return path.name.removesuffix(".input.yml").removesuffix(".yaml")


def _windows_checked(at: int, window: str) -> bool:
    minutes = parse_duration(window) // 60
    start = at - minutes
    inside = [edge for edge in OUTAGE if start < edge < at]
    edges_apart = all(abs(edge - start) > MARGIN and (edge > at or at - edge > MARGIN) for edge in OUTAGE)
    return start >= MARGIN and len(inside) != 1 and edges_apart


def _sli_records(groups) -> dict[str, list[dict]]:
    """Sloth's SLI recording rules by window."""
    out: dict[str, list[dict]] = {}
    for group in groups:
        for rule in group["rules"]:
            match = re.fullmatch(r"slo:sli_error:ratio_rate(\w+)", rule.get("record", ""))
            if match:
                out.setdefault(match[1], []).append(rule)
    return out


def _error_side(expr: str) -> pp.Expr | None:
    """The errors query of Sloth's `(errors)\n/\n(total)` SLI, None for a ratio (raw) query."""
    try:
        tree = pp.parse(expr)
    except ValueError:  # MetricsQL (the Victoria Metrics example): no selectors to steer
        return None
    if isinstance(tree, pp.BinaryExpr) and str(tree.op).endswith("/") and isinstance(tree.lhs, pp.ParenExpr) and "\n/\n" in expr:
        return tree.lhs
    return None


def _matches(labels: dict[str, str], matchers) -> bool:
    for label, op, value in matchers:
        have = labels.get(label, "")
        hit = have == value if op in ("=", "!=") else re.fullmatch(value, have) is not None
        if hit != (op in ("=", "=~")):
            return False
    return True


def _values(matchers) -> list[str]:
    named = {value for op, value in ((op, v) for _, op, v in matchers) if op in ("=", "!=")}
    regexes = [value for _, op, value in matchers if op in ("=~", "!~")]
    matched = {c for c in POOL if any(re.fullmatch(r, c) for r in regexes)}
    # A regex no sample value matches (`service=~"shop-rest"`) gets its literal alternatives.
    matched |= {alt for r in regexes if not any(re.fullmatch(r, c) for c in POOL) for alt in r.split("|") if re.fullmatch(r, alt)}
    other = next(c for c in OTHERS if c not in named and not any(re.fullmatch(r, c) for r in regexes))
    return sorted(named | matched | {other})


def _counter(per_minute) -> str:
    values, total = ["0"], 0.0
    for start in range(0, END, STEP):
        total += sum(per_minute(m) for m in range(start, start + STEP))
        values.append(sample_text(round(total, 6)))
    return " ".join(values)


def _gauge(value) -> str:
    return " ".join(sample_text(value(m)) for m in range(0, END + STEP, STEP))


def _in_outage(minute: int) -> bool:
    return OUTAGE[0] <= minute < OUTAGE[1]


def _series(records: dict[str, list[dict]], constant: bool = True) -> dict[str, str]:
    """Synthetic series for every selector Sloth's SLI rules read (with `constant`, at constant traffic)."""
    selectors, errors, grouping = {}, [], {"instance"}
    for rule in records["5m"]:
        for selector in selectors_read(rule["expr"]):
            selectors.setdefault(selector.name, []).append(selector.matchers)
        side = _error_side(rule["expr"])
        errors += [(s.name, s.matchers) for s in (vector_selectors(side) if side is not None else ())]
        grouping |= set(output_grouping(rule["expr"]) or ())
    kinds = {}  # series text -> ("gauge", worse) | ("bad", weight) | ("good", weight)
    for index, (name, sets) in enumerate(sorted(selectors.items(), key=lambda kv: kv[0] or "")):
        matchers = [m for one in sets for m in one if m[0] != "__name__"]
        labels = sorted({label for label, _, _ in matchers})
        extra = sorted(grouping - set(labels))
        choices = [_values([m for m in matchers if m[0] == label]) for label in labels] + [["a", "b"]] * len(extra)
        for number, combo in enumerate(itertools.product(*choices)):
            values = dict(zip(labels + extra, combo))
            if not any(_matches(values, one) for one in sets):
                continue
            bad = any(n == name and _matches(values, m) for n, m in errors) if errors else bool(ERROR_VALUES & set(combo))
            text = name + "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(values.items())) + "}"
            if not re.search(r"_(total|count|bucket|sum)$", name or ""):
                kinds[text] = ("gauge", values.get("instance") == "b")
            else:
                # A histogram's buckets run below its _count (a latency ratio `1 - bucket/count` stays in [0, 1]).
                good = 90 if name.endswith("_bucket") else 100 * (1 + (number + index) % 3)
                kinds[text] = ("bad", 1 + number % 2) if bad else ("good", good)
    # Traffic stays constant: the outage's extra errors are taken from the good series, so a
    # ratio (raw) SLI's time-weighted mean in slogen equals Sloth's ratio of rates (README).
    good = sum(w for kind, w in kinds.values() if kind == "good")
    outage = sum(20 * w for kind, w in kinds.values() if kind == "bad")
    scale = min(1.0, good / 2 / outage) if outage else 1.0
    taken = sum((20 * scale - 0.01) * w for kind, w in kinds.values() if kind == "bad") if constant else 0.0
    series = {}
    for text, (kind, weight) in kinds.items():
        if kind == "gauge":
            series[text] = _gauge(lambda m, worse=weight: (0.0 if worse else 0.3) if _in_outage(m) else 0.99)
        elif kind == "bad":
            series[text] = _counter(lambda m, w=weight: (20 * scale if _in_outage(m) else 0.01) * w)
        else:
            series[text] = _counter(lambda m, w=weight: w * (1 - taken / good) if _in_outage(m) else w)
    return series


def _slogen(path: Path, options: SpecOptions):
    tree, diagnostics = build_tree([path], BuildOptions(spec=options))
    return [str(d) for d in diagnostics], {p: text for p, text in tree.files.items() if p.startswith("rules/")}


def _twin(path: Path, args: tuple[str, ...]) -> Path:
    """The first corpus file with the same bytes and the same Sloth flags (several validate-* files copy an it-* input)."""
    return next(p for p in FILES if p.read_bytes() == path.read_bytes() and ARGS.get(_name(p), ((),))[0] == args)


def _rules_of(text: str) -> list[dict]:
    return [rule for group in yaml.safe_load(text)["groups"] for rule in group["rules"]]


def _sli_checks(window: str, grouping: list[str], at: int) -> list[dict]:
    by = ", ".join(["slo_id", *grouping])
    ours = f"max by ({by}) (slo:sli_error:ratio_rate{window})"
    theirs = f'max by ({by}) (label_replace(sloth:slo:sli_error:ratio_rate{window}, "slo_id", "$1", "sloth_id", "(.*)"))'
    zero = [{"labels": "{}", "value": 0}]
    return [
        {"expr": f"count(({theirs}) unless ({ours})) or vector(0)", "eval_time": f"{at}m", "exp_samples": zero},
        {"expr": f"count(({ours}) unless ({theirs})) or vector(0)", "eval_time": f"{at}m", "exp_samples": zero},
        {"expr": f"count(abs(({ours}) - ({theirs})) > {TOLERANCE} * abs({theirs}) + 1e-12) or vector(0)", "eval_time": f"{at}m", "exp_samples": zero},
    ]


def _alert_checks(rule: dict, grouping: list[str], at: int) -> list[dict]:
    """slogen's alert is the one with the labels Sloth's alert has (a user's `severity` wins in both; slogen's
    own `severity` is page or ticket, and it adds `sloth_severity` where only that tells them apart).
    A label written as a template (`service: "{{ $labels.sloth_service }}"`) must expand to the same value."""
    templated = sorted(k for k, v in rule["labels"].items() if "{{" in v)
    by = ", ".join(["slo_id", *grouping, *templated])
    severity = rule["labels"]["sloth_severity"]
    labels = {k: v for k, v in rule["labels"].items() if k != "sloth_severity" and "{{" not in v}
    labels.setdefault("severity", severity)
    matchers = "".join(f', {k}="{v}"' for k, v in sorted(labels.items()))
    ours = f'count by ({by}) (ALERTS{{alertstate="firing", alertname="{rule["alert"]}", sloth_severity=~"|{severity}"{matchers}}})'
    theirs = f'count by ({by}) (label_replace(ALERTS{{alertstate="firing", alertname="Sloth{rule["alert"]}", sloth_severity="{severity}"}}, "slo_id", "$1", "sloth_id", "(.*)"))'
    zero = [{"labels": "{}", "value": 0}]
    return [{"expr": f"count((({ours}) unless ({theirs})) or (({theirs}) unless ({ours}))) or vector(0)", "eval_time": f"{at}m", "exp_samples": zero}]


def test_the_lists_name_corpus_files():
    """Every file the lists above name is in the corpus (a renamed file cannot drop out of them silently)."""
    names = {_name(p) for p in FILES}
    assert len(FILES) > 50 and {*ARGS, *SLOTH_REFUSES, *SLOGEN_REFUSES, *ALERTS_DIFFER} <= names
    assert not set(SLOTH_REFUSES) & set(SLOGEN_REFUSES)


@pytest.mark.slow
@pytest.mark.parametrize("path", FILES, ids=_name)
def test_slogen_agrees_with_real_sloth(tmp_path, path):
    """One corpus file: Sloth's and slogen's verdicts, then their SLIs and alerts under one promtool run."""
    name = _name(path)
    args, options = ARGS.get(name, ((), SpecOptions()))
    sloth = sloth_generate.generate(path, args)
    errors, rules = _slogen(path, options)
    if name in SLOTH_REFUSES:
        assert sloth.returncode != 0 and SLOTH_REFUSES[name] in sloth.stderr, sloth.stderr
        assert errors, f"slogen compiles {name}, which Sloth refuses"
        return
    assert sloth.returncode == 0, sloth.stderr
    if name in SLOGEN_REFUSES:
        assert any(SLOGEN_REFUSES[name] in e for e in errors), errors
        return
    assert not errors and rules, errors
    if _twin(path, args) != path:
        return  # a byte-identical file with the same flags is compared once, under its first name
    records = _sli_records(sloth.groups)
    assert records, f"Sloth records no SLI for {name}"
    grouping = sorted(set().union(*(output_grouping(r["expr"]) or () for r in records["5m"])))
    checks = [c for at in CHECKPOINTS for w in records if _windows_checked(at, w) for c in _sli_checks(w, grouping, at)]
    alerts = [r for g in sloth.groups for r in g["rules"] if "alert" in r]
    if re.search(r"^apiVersion: openslo/", path.read_text(), re.M):
        # Named difference: Sloth writes no alerts for OpenSLO input; slogen keeps its default ones.
        assert not alerts and any(r.get("alert") for text in rules.values() for r in _rules_of(text))
    if name in ALERTS_DIFFER:
        sloth_factors = {f for r in alerts for f in re.findall(r"> \((\S+) \* ", r["expr"])}
        slogen_factors = {f for text in rules.values() for r in _rules_of(text) if r.get("alert") for f in re.findall(r" / \S+ > (\S+?),?$", r["expr"], re.M)}
        assert (sloth_factors, slogen_factors) == ALERTS_DIFFER[name]
        alerts = []
    # Inside the outage the ticket tiers' 1d and 3d windows hold its start only, a few percent off in
    # either tool at a 5m step: near a threshold (skyapps' 99% SLOs) the decision flips, so tickets are
    # compared before and after the outage.
    checks += [c for at in CHECKPOINTS for rule in alerts if at != CHECKPOINTS[1] or rule["labels"]["sloth_severity"] == "page"
               for c in _alert_checks(rule, grouping, at)]
    if any(rule["labels"]["sloth_severity"] == "page" for rule in alerts):
        # Not vacuous: the outage pages in Sloth's rules.
        page = 'count(ALERTS{alertstate="firing", sloth_severity="page", alertname=~"Sloth.*"}) > bool 0'
        checks.append({"expr": page, "eval_time": f"{CHECKPOINTS[1]}m", "exp_samples": [{"labels": "{}", "value": 1}]})
    files = {p.replace("/", "_"): text for p, text in rules.items()}
    files["sloth.yml"] = sloth_generate.renamed(sloth.groups)
    check_rule_test(tmp_path, engine(PROMETHEUS_2).promtool, files, _series(records), promql=checks, evaluation=f"{STEP}m", interval=f"{STEP}m")


@pytest.mark.slow
def test_a_ratio_sli_is_time_weighted_where_sloths_is_traffic_weighted(tmp_path):
    """Named difference (README): when the outage adds traffic, slogen's 1d window of it-base's ratio
    (`sli.raw`) SLO is the time-weighted mean of its ratio, two thirds of Sloth's ratio of 1d
    rates here; the events SLO of the same file still agrees."""
    path = SLOTH / "it-base.input.yml"
    sloth = sloth_generate.generate(path)
    errors, rules = _slogen(path, SpecOptions())
    assert sloth.returncode == 0 and not errors
    checks = []
    for slo, low, high in (("svc01-slo1", 1 - TOLERANCE, 1 + TOLERANCE), ("svc01-slo02", 0.6, 0.75)):
        ratio = f'sum(slo:sli_error:ratio_rate1d{{slo_id="{slo}"}}) / sum(sloth:slo:sli_error:ratio_rate1d{{sloth_id="{slo}"}})'
        checks.append({"expr": f"({ratio} > bool {low}) * ({ratio} < bool {high})", "eval_time": f"{CHECKPOINTS[2]}m", "exp_samples": [{"labels": "{}", "value": 1}]})
    files = {p.replace("/", "_"): text for p, text in rules.items()}
    files["sloth.yml"] = sloth_generate.renamed(sloth.groups)
    series = _series(_sli_records(sloth.groups), constant=False)
    check_rule_test(tmp_path, engine(PROMETHEUS_2).promtool, files, series, promql=checks, evaluation=f"{STEP}m", interval=f"{STEP}m")


# Issue 26 item 3: a Sloth file's routing labels reading Sloth's labels (`{{ $labels.sloth_service }}`,
# as Sloth's default titles do and real files copy), expanded by promtool from both tools' rules.
TEMPLATED = """\
version: prometheus/v1
service: myservice
slos:
  - name: requests-availability
    objective: 99.9
    labels: {category: availability}
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      name: MyServiceHighErrorRate
      labels:
        service: "{{ $labels.sloth_service }}"
        slo: '{{ index $labels "sloth_slo" }}'
        sli_type: "{{ $labels.category }}"
        title: "{{$labels.sloth_service}}/{{$labels.sloth_slo}} ({{ $labels.sloth_id }})"
      page_alert:
        labels: {severity: critical}
      ticket_alert:
        labels: {severity: warning}
"""


@pytest.mark.slow
@pytest.mark.parametrize("compat", [(), ("sloth",)], ids=["plain", "label-compat"])
def test_alert_templates_expand_as_under_real_sloth(tmp_path, compat):
    """Both tools' page alerts fire in an outage with the same expanded routing labels, with or
    without --label-compat sloth: one label set for the two alerts, never a template's literal
    text or an empty value."""
    path = tmp_path / "spec.yml"
    path.write_text(TEMPLATED)
    sloth = sloth_generate.generate(path)
    errors, rules = _slogen(path, SpecOptions(compat=compat))
    assert sloth.returncode == 0 and not errors, (sloth.stderr, errors)
    files = {p.replace("/", "_"): text for p, text in rules.items()}
    files["sloth.yml"] = sloth_generate.renamed(sloth.groups)
    firing = 'ALERTS{alertname=~"(Sloth)?MyServiceHighErrorRate", alertstate="firing", severity="critical"}'
    expanded = '{service="myservice", slo="requests-availability", sli_type="availability", title="myservice/requests-availability (myservice-requests-availability)"}'
    checks = [
        {"expr": f"count(group by (alertname) ({firing}))", "eval_time": "10m", "exp_samples": [{"labels": "{}", "value": 2}]},
        {"expr": f"group by (service, slo, sli_type, title) ({firing})", "eval_time": "10m", "exp_samples": [{"labels": expanded, "value": 1}]},
    ]
    series = {'http_requests_total{code="500"}': "0+600x30", 'http_requests_total{code="200"}': "0+600x30"}
    check_rule_test(tmp_path, engine(PROMETHEUS_2).promtool, files, series, promql=checks)


# Issue 26 items 4-6: what Sloth reads, slogen compiles (keys Sloth ignores at the top become warnings).
VALID_FOR_SLOTH = """\
version: prometheus/v1
service: shop
x-owner: team-web
defaults: &defaults
  objective: 99.9
labels: {slo_version: "2"}
slos:
  - name: availability
    <<: *defaults
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      name: shop-availability-burn
      page_alert: {labels: {severity: critical}}
      ticket_alert: {labels: {severity: warning}}
"""


@pytest.mark.slow
def test_a_file_the_real_sloth_reads_compiles_and_pages_alike(tmp_path):
    """`x-*` keys, a block of anchors, `-` in the alert name and a label `slo_version`: the real sloth
    generates rules from the file, slogen compiles it, and both page in an outage with the label."""
    path = tmp_path / "spec.yml"
    path.write_text(VALID_FOR_SLOTH)
    sloth = sloth_generate.generate(path)
    errors, rules = _slogen(path, SpecOptions())
    assert sloth.returncode == 0 and not errors, (sloth.stderr, errors)
    files = {p.replace("/", "_"): text for p, text in rules.items()}
    files["sloth.yml"] = sloth_generate.renamed(sloth.groups)
    firing = 'ALERTS{alertname=~"(Sloth)?shop-availability-burn", alertstate="firing", severity="critical", slo_version="2"}'
    checks = [{"expr": f"count(group by (alertname) ({firing}))", "eval_time": "10m", "exp_samples": [{"labels": "{}", "value": 2}]}]
    series = {'http_requests_total{code="500"}': "0+600x30", 'http_requests_total{code="200"}': "0+600x30"}
    check_rule_test(tmp_path, engine(PROMETHEUS_2).promtool, files, series, promql=checks)
