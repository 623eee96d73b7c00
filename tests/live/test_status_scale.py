"""`status` at 1,000 SLOs on a real Prometheus (each engine) with their rules loaded (real
intervals) and the SLI series of only some of them: the raw-series check sends a bounded number
of requests, counted at the client, and answers as one query per selector does; every SLO gets
a row saying what is missing.

The selectors vary where a local reading could go wrong: `=~` anchored at both ends (a series
`code="2000"` is not `2..`), `!~`, `!=`, `=""` matching an absent label, and a POSIX class,
read locally as RE2 reads it (spec/re2_pattern.py) and held to Prometheus' own answer.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from slogen.build.pipeline import build_tree
from slogen.live.fetch import fetch_status
from slogen.live.prometheus_api import Prometheus

from live_prometheus import wait_for
from prometheus_server import prometheus_server
from slogen_testing import compile_files, run_slogen, write_spec

SERVICES, PER_SERVICE = 10, 100

# Per SLO kind (its number modulo 4): (total, errors) matchers after the metric's job, and the
# series the exporter has.
KINDS = (
    ('', ', code=~"5.."', ({"code": "200"}, {"code": "500"})),
    ('', ', code!~"2..|3.."', ({"code": "200"}, {"code": "2000"})),
    (', instance=""', ', code=~"5..", instance!=""', ({"code": "200"}, {"code": "500", "instance": "a"})),
    ('', ', code=~"5.."', ()),  # nothing scraped: both selectors match nothing
)
POSIX = ', code=~"5[[:digit:]]{2}"'  # svc0/op0's errors: RE2's POSIX class, judged here as Prometheus does


def _spec(service: int) -> str:
    lines = [f"service: svc{service}", "slos:"]
    for n in range(PER_SERVICE):
        total, errors, _ = KINDS[n % 4]
        errors = POSIX if (service, n) == (0, 0) else errors
        metric = f'op{n}_requests_total{{job="svc{service}"'
        lines += [f"  - name: op{n}", "    objective: 99.9", "    sli:", "      ratio:",
                  f"        errors: '{metric}{errors}}}'", f"        total: '{metric}{total}}}'"]
    return "\n".join(lines) + "\n"


def _counters() -> dict:
    rules = [
        {"record": f"op{n}_requests_total", "expr": "vector(time())", "labels": {"job": f"svc{s}", **labels}}
        for s in range(SERVICES)
        for n in range(PER_SERVICE)
        for labels in KINDS[n % 4][2]
    ]
    return {"name": "exporters", "interval": "1s", "rules": rules}


@pytest.fixture(scope="module")
def specs(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """1,000 SLOs in ten spec files, and their rule files."""
    root = tmp_path_factory.mktemp("scale")
    paths = [write_spec(root / "slo_specs", _spec(s), f"svc{s}.yaml") for s in range(SERVICES)]
    return root, compile_files(paths)


@pytest.fixture(scope="module")
def live(specs, engine):
    """Each engine, the rules of the 1,000 SLOs loaded as generated, the exporters' series recorded."""
    root, files = specs
    prom = root / f"prom-{engine.name}"
    prom.mkdir()
    rule_files = [prom / "exporters.yml"]
    rule_files[0].write_text(yaml.safe_dump({"groups": [_counters()]}, sort_keys=False))
    for name, text in files.items():
        if name.startswith("rules/"):
            rule_files.append(prom / Path(name).name)
            rule_files[-1].write_text(text)
    config = "global: {evaluation_interval: 1m}\nrule_files: [" + ", ".join(f"'{f}'" for f in rule_files) + "]\n"
    with prometheus_server(prom, config, engine=engine) as url:
        # Every exporter series (750 SLOs with two each): the group commits rule by rule, so half of
        # them would let the first test read a half-written evaluation and compare it with a later one.
        wait_for(url, '{__name__=~"op[0-9]+_requests_total"}', 1500)
        yield url


def test_the_raw_series_check_is_batched_and_answers_as_one_query_per_selector(specs, live):
    root, _ = specs
    tree, _ = build_tree(sorted((root / "slo_specs").glob("*.yaml")))
    plans = tree.plans
    assert len(plans) == 1000
    sent: Counter = Counter()
    now = time.time()
    with Prometheus(live, timeout=60) as client:
        client._client.event_hooks["request"].append(lambda request: sent.update([request.url.path]))
        results, _ = fetch_status(client, plans, now)
        batched = dict(sent)
        # Every SLO reads its selectors over 30d.
        selectors = [key.removeprefix("raw:") for key in results if key.startswith("raw:")]
        one_by_one = {text: client.series_exist(text, now - 30 * 86400) for text in selectors}
    assert len(selectors) == 2000
    assert {text: bool(results[f"raw:{text}"]) for text in selectors} == one_by_one
    # The 750 SLOs with series: every total matches, and every errors selector (kind 0 also
    # with the POSIX class, kind 1 only by anchoring, kind 2 only where the label is there).
    assert sum(one_by_one.values()) == 1500
    assert one_by_one['op0_requests_total{job="svc0", code=~"5[[:digit:]]{2}"}'] is True
    assert one_by_one['op1_requests_total{job="svc0", code!~"2..|3.."}'] is True
    # About 140 kB of selectors in 64 kB forms: 3 batches; the POSIX class is read locally
    # (spec/re2_pattern.py), not asked alone.
    assert batched["/api/v1/series"] == 3, batched
    assert sum(batched.values()) <= 20, batched


def test_every_slo_gets_a_row_saying_what_is_missing(specs, live):
    root, _ = specs
    result = run_slogen("status", "-p", live, "--format", "json", cwd=root)
    assert result.returncode == 3, result.stderr[-2000:]
    rows = {(r["service"], r["slo"]): r for r in json.loads(result.stdout)["slos"]}
    assert len(rows) == 1000
    for s in range(SERVICES):
        for n in range(PER_SERVICE):
            row = rows[(f"svc{s}", f"op{n}")]
            if n % 4 == 3:
                assert (row["missing"], row["waiting"], row["sli"]) == ("the SLI's selector matches no series", False, None)
            else:
                # Scraped, loaded, the hourly group not run yet (or, rarely, just run).
                assert row["missing"] in ("waiting (up to 60 min)", None), row
    problems = [line for line in result.stderr.splitlines() if "matches no series: check the metric name" in line]
    assert len(problems) == 250
