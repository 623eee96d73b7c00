"""The generated promtool tests, run by the real promtool: they pass on slogen's rules and
fail on rules broken the way people break them (a factor off by 10x, a missing short window)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from slogen.live.promtool_run import find_promtool, run_promtool_tests

from promtool_scenarios import CALENDAR_MONTH
from slogen_testing import compile_files, run_promtool, run_slogen, updating_golden, write_spec

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def promtool(promtool: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The engine's promtool, also for `slogen test` and run_promtool_tests (SLOGEN_PROMTOOL)."""
    monkeypatch.setenv("SLOGEN_PROMTOOL", promtool)
    return promtool


def _write(files: dict[str, str], out: Path) -> None:
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture(scope="module")
def example_files() -> dict[str, str]:
    return compile_files([ROOT / "slo_specs"])


@pytest.mark.slow
def test_generated_tests_pass_on_the_examples(promtool: str, example_files, tmp_path: Path) -> None:
    _write(example_files, tmp_path)
    paths = sorted((tmp_path / "tests").glob("*.test.yml"))
    assert [p.name for p in paths] == [
        "billing.test.yml",  # a Sloth spec: its summed-rate queries name their counters
        "checkout.test.yml",
        "ledger-consumer.test.yml",
        "nightly-export.test.yml",
        "payments.test.yml",
        "search.test.yml",
    ]
    results = run_promtool_tests(paths)
    failures = [f"{r.path.name}:\n{r.output}" for r in results if not r.passed]
    assert not failures, "\n".join(failures)
    assert all("SUCCESS" in r.output for r in results)
    # What promtool costs is bounded by simulated ticks per file (MAX_TICKS, tested in
    # test_promtool.py), not timed here: CPU time on a shared VM varies 2x.


def _only(test_text: str, prefix: str) -> str:
    """The test file restricted to the scenarios of one tier, to keep each broken run short."""
    data = yaml.safe_load(test_text)
    data["tests"] = [t for t in data["tests"] if t["name"].startswith(prefix)]
    assert data["tests"], prefix
    return yaml.safe_dump(data, sort_keys=False)


def _break(rules_text: str, slo_id: str, severity: str, tier: str, old: str, new: str) -> str:
    data = yaml.safe_load(rules_text)
    hits = 0
    for group in data["groups"]:
        for rule in group["rules"]:
            labels = rule.get("labels", {})
            # Only the burn-rate alert holding the tier: other alerts of the SLO may share its
            # severity. The service's SLOs share one rule per severity and group (no slo_id
            # label), its blocks per tier; a rule of one tier names it in its labels.
            burn = rule.get("alert") == "SLOErrorBudgetBurn" and labels.get("slo_tier", tier) == tier
            if burn and labels.get("slo_id", slo_id) == slo_id and labels.get("severity") == severity:
                assert old in rule["expr"], rule["expr"]
                rule["expr"] = rule["expr"].replace(old, new)
                hits += 1
    assert hits == 1
    return yaml.safe_dump(data, sort_keys=False)


def _run(example_files, tmp_path: Path, rules: str, tier_prefix: str) -> subprocess.CompletedProcess:
    # The tests load promtool's copy of the rule file (tests/rules/), the hourly group on its
    # cadence: the rule broken there is the rule file's, which the copy holds unchanged.
    (tmp_path / "tests" / "rules").mkdir(parents=True, exist_ok=True)
    (tmp_path / "tests" / "rules" / "checkout.yml").write_text(rules)
    test_file = tmp_path / "tests" / "checkout.test.yml"
    test_file.write_text(_only(example_files["tests/checkout.test.yml"], tier_prefix))
    return run_promtool(find_promtool(), "test", "rules", str(test_file))


PAGE_1H = "checkout/availability page 1h/5m "
TICKET_3D = "checkout/availability ticket 3d/6h "
SHORT_5M = (
    ' and sum without (slo_window) (slo:sli_error:ratio_rate5m{slo_service="checkout"})'
    ' / on (slo_id) group_left () slo:error_budget:ratio{slo_service="checkout"} > 14.4'
)

# The failure each break must cause: the alert missing when it should fire, or present
# when it should not.
MISSING = 'exp: {__name__="ALERTS"'
UNEXPECTED = "exp: nil"

BROKEN = {
    # name: (tier scenarios to run, severity, tier, text in the alert expr, its broken replacement, failure)
    "page factor 10x too high": (PAGE_1H, "page", "1h/5m", "> 14.4\n", "> 144\n", MISSING),
    "page factor 10x too low": (PAGE_1H, "page", "1h/5m", "> 14.4\n", "> 1.44\n", UNEXPECTED),
    "page 1h tier without its short window": (PAGE_1H, "page", "1h/5m", "\n  and\n  " + SHORT_5M.removeprefix(" and "), "", UNEXPECTED),
    "ticket 3d factor 10x too low": (TICKET_3D, "ticket", "3d/6h", "> 1\n", "> 0.1\n", UNEXPECTED),
    "page 1h tier without its min_events guard": (
        "checkout/availability page quiet below min_events",
        "page",
        "1h/5m",
        '\n  unless\n  on (slo_id) sum by (slo_id) (avg_over_time(slo:sli_events:rate5m{slo_id="checkout-availability"}[1h])) * 3600 < 100',
        "",
        UNEXPECTED,
    ),
}


@pytest.mark.slow
def test_unbroken_rules_pass_the_tier_subsets(promtool: str, example_files, tmp_path: Path) -> None:
    for prefix in (PAGE_1H, TICKET_3D, "checkout/availability page quiet below min_events"):
        proc = _run(example_files, tmp_path, example_files["tests/rules/checkout.yml"], prefix)
        assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("name", list(BROKEN))
@pytest.mark.slow
def test_broken_rules_fail_the_generated_tests(promtool: str, example_files, tmp_path: Path, name: str) -> None:
    prefix, severity, tier, old, new, failure = BROKEN[name]
    rules = _break(example_files["tests/rules/checkout.yml"], "checkout-availability", severity, tier, old, new)
    proc = _run(example_files, tmp_path, rules, prefix)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"{name}: the generated tests did not notice\n{output}"
    assert "FAILED" in output and failure in output, output
    assert 'expr: "ALERTS' in output or "count_over_time(ALERTS" in output, output




FAST_SPEC = """\
service: shop
labels: {owner: 'shop "core" \\ web'}
slos:
  - name: api
    objective: 99
    window: 7d
    sli:
      ratio:
        errors: req_total{code=~"5.."}
        total: req_total
    alerting:
      min_events: 100000
      ticket: false
      page:
        tiers:
          - {budget_percent: 5, long_window: 1h}
  - name: latency
    objective: 99
    window: 7d
    grouping: [route]
    sli:
      latency:
        histogram: req_seconds{route!="/healthz"}
        threshold: 250ms
    alerting:
      name: ShopLatency
      ticket: false
      page:
        labels: {severity: critical}
        for: 5m
        tiers:
          - {budget_percent: 5, long_window: 1h}
  - name: queue
    objective: 99
    sli:
      query:
        errors: sum(rate(failed_total[{{window}}])) - sum(rate(retried_total[{{window}}]))
        total: sum(rate(all_total[{{window}}]))
"""


@pytest.mark.slow
def test_slogen_test_cli(promtool: str, tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop.yaml").write_text(FAST_SPEC)
    stale = run_slogen("test", "specs", "--out", "out", cwd=tmp_path, timeout=None)
    assert stale.returncode == 1 and "run `slogen generate specs --out out`" in stale.stderr
    assert run_slogen("generate", "specs", "--out", "out", cwd=tmp_path, timeout=None).returncode == 0
    run = run_slogen("test", "specs", "--out", "out", cwd=tmp_path, timeout=None)
    assert run.returncode == 0, run.stderr
    assert "PASS out/tests/shop.test.yml" in run.stderr
    assert "SLO shop/queue is UNTESTED: its query SLI has no `test` block" in run.stderr
    assert "1/1 test files passed; 1 SLO untested" in run.stderr
    # A hand-edited rule file is not what the tests were generated for: refused before
    # promtool runs (test_broken_rules_fail_the_generated_tests runs promtool on such files).
    rules = tmp_path / "out" / "rules" / "shop.yml"
    text = rules.read_text()
    assert "> 8.4\n" in text
    rules.write_text(text.replace("> 8.4\n", "> 0.84\n"))
    edited = run_slogen("test", "specs", "--out", "out", cwd=tmp_path, timeout=None)
    assert edited.returncode == 1
    assert "out/rules/shop.yml: missing or stale: run `slogen generate specs --out out` before testing" in edited.stderr


def test_slogen_test_without_promtool(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop.yaml").write_text(FAST_SPEC)
    assert run_slogen("generate", "specs", "--out", "out", cwd=tmp_path, timeout=None).returncode == 0
    env_run = subprocess.run(
        [sys.executable, "-m", "slogen.cli", "test", "specs", "--out", "out"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "SLOGEN_PROMTOOL": str(tmp_path / "no-such-promtool")},
    )
    assert env_run.returncode == 1
    assert "no-such-promtool not found: install it with `make promtool`" in env_run.stderr
    assert "Traceback" not in env_run.stderr


@pytest.mark.slow
def test_unsynthesizable_selector_is_reported_untested(promtool: str, tmp_path: Path) -> None:
    # Contradictory matchers still compile to valid rules (that select nothing): the
    # rules are generated, and `slogen test` says loudly that this SLO is untested.
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop.yaml").write_text(FAST_SPEC.replace('code=~"5.."', 'code=~"5..", code!~"5.."', 1))
    assert run_slogen("validate", "specs", cwd=tmp_path, timeout=None).returncode == 0
    assert run_slogen("generate", "specs", "--out", "out", cwd=tmp_path, timeout=None).returncode == 0
    run = run_slogen("test", "specs", "--out", "out", cwd=tmp_path, timeout=None)
    assert run.returncode == 0, run.stderr
    assert (
        "SLO shop/api is UNTESTED: cannot synthesize input series for sli.ratio.errors: "
        "cannot synthesize a test value for label 'code' that satisfies code=~\"5..\", code!~\"5..\"" in run.stderr
    )
    assert "1/1 test files passed; 2 SLOs untested" in run.stderr
    assert "Traceback" not in run.stderr


def test_explain_prints_the_tier_table(tmp_path: Path) -> None:
    proc = run_slogen("explain", str(ROOT / "slo_specs" / "checkout.yaml"), cwd=tmp_path, timeout=None)
    assert proc.returncode == 0, proc.stderr
    for text in ("checkout/availability", "1h / 5m", "14.4", "1.44%", "detection @100%", "3d / 6h"):
        assert text in proc.stdout


def test_readme_table_matches_explain() -> None:
    proc = run_slogen("explain", "--markdown", "slo_specs", cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Generated alert tests") :]
    if updating_golden():
        start, end = section.index("<!-- explain:begin -->"), section.index("<!-- explain:end -->")
        new = section[: start + len("<!-- explain:begin -->")] + "\n" + proc.stdout + section[end:]
        (ROOT / "README.md").write_text(readme.replace(section, new))
        return
    assert proc.stdout in section, "README tier tables are stale: rerun with pytest --update-golden"


def test_calendar_bounds_are_checked_and_fail_an_hour_off(promtool: str, tmp_path: Path) -> None:
    # New York's January 1970 starts at 05:00 UTC, inside the budget scenario: the month's
    # start and end are checked there, as slogen's model of the zone's rule gives them.
    spec = write_spec(tmp_path / "specs", CALENDAR_MONTH.replace("time_zone: UTC", "time_zone: America/New_York"), "shop.yaml")
    files = compile_files([spec])
    _write(files, tmp_path)
    test_file = tmp_path / "tests" / "shop.test.yml"
    test_file.write_text(_only(files["tests/shop.test.yml"], "shop/availability budget"))
    assert "slo:calendar_period_start:timestamp_seconds" in test_file.read_text()
    proc = run_promtool(promtool, "test", "rules", str(test_file))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    copy = tmp_path / "tests" / "rules" / "shop.yml"
    assert "* 3600 - 18000" in copy.read_text()  # the offset, and the bounds reading it
    copy.write_text(copy.read_text().replace("* 3600 - 18000", "* 3600 - 14400"))
    proc = run_promtool(promtool, "test", "rules", str(test_file))
    assert proc.returncode != 0 and "calendar_period_start" in proc.stdout + proc.stderr, proc.stdout + proc.stderr


# Calendar periods that start inside the test (west of UTC, weeks starting late) or off
# the UTC hour (half- and quarter-hour zones), each in the main file's budget scenario.
ZONES = """
service: zones
slos:
""" + "".join(
    f"""  - name: z{i}
    objective: 99.9
    window: {{calendar: {unit}, time_zone: {zone}{extra}}}
    sli:
      ratio: {{errors: 'req_total{{job="j{i}", code="500"}}', total: 'req_total{{job="j{i}"}}'}}
"""
    for i, (unit, zone, extra) in enumerate(
        [
            ("month", "America/New_York", ""),
            ("week", "America/Los_Angeles", ", starts: saturday 12:00"),
            ("quarter", "Asia/Kolkata", ", starts: february"),
            ("month", "America/St_Johns", ""),
            ("week", "Pacific/Auckland", ""),
            ("month", "Asia/Kathmandu", ""),
        ]
    )
)


@pytest.mark.slow
def test_calendar_budgets_pass_in_every_kind_of_zone(promtool: str, tmp_path: Path) -> None:
    files = compile_files([write_spec(tmp_path / "specs", ZONES, "zones.yaml")])
    _write(files, tmp_path)
    test_file = tmp_path / "tests" / "zones.test.yml"
    data = yaml.safe_load(files["tests/zones.test.yml"])
    data["tests"] = [group for group in data["tests"] if " budget;" in group["name"]]
    assert sum(group["name"].count(" budget;") for group in data["tests"]) == 6
    test_file.write_text(yaml.safe_dump(data, sort_keys=False, width=1 << 20))
    proc = run_promtool(promtool, "test", "rules", str(test_file))
    assert proc.returncode == 0, proc.stdout + proc.stderr
