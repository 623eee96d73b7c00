"""What exclusions add to an SLO's rules, read from the rule file: the cost bench/exclusion_cost.py measures.

A long window evaluated every 3m must not read a one-off's 5m rates (D / 30s samples per
read, for every window and rate): the hourly group records each one-off's amount once,
and each window reads its hourly points once (no second read to fill a missing group).
"""

from __future__ import annotations

import yaml

from slogen_testing import compile_files, write_spec

SPEC = """
service: shop
exclusions:
  - reason: database upgrade
    from: 2026-12-01T02:00:00Z
    to: 2026-12-01T04:00:00Z
  - reason: vendor outage
    from: 2026-12-03T10:00:00Z
    to: 2026-12-03T11:00:00Z
    count_as: good
  - reason: weekly
    every: {weekday: sunday, at: "02:00", for: 2h, time_zone: Europe/Berlin}
slos:
  - name: availability
    objective: 99.9
    sli:
      ratio:
        errors: http_requests_total{job="shop", code="500"}
        total: http_requests_total{job="shop"}
"""


def _groups(tmp_path) -> dict[str, list[dict]]:
    files = compile_files([write_spec(tmp_path / "specs", SPEC)])
    return {g["name"].removeprefix("slogen-shop-"): g["rules"] for g in yaml.safe_load(files["rules/shop.yml"])["groups"]}


def test_long_windows_read_recorded_amounts_not_the_exclusions_5m_rates(tmp_path):
    groups = _groups(tmp_path)
    windows = [r for r in groups["sli-long"] if r.get("record", "").startswith("slo:sli_error:ratio_rate")]
    assert [r["record"] for r in windows] == ["slo:sli_error:ratio_rate1d", "slo:sli_error:ratio_rate3d", "slo:sli_error:ratio_rate30d"]
    for rule in windows:
        assert "rate5m" not in rule["expr"]
        assert rule["expr"].count("slo:sli_errors:rate1h{") == 1 and rule["expr"].count("slo:sli_events:rate1h{") == 1
        # Both one-offs correct the errors; only the absent one the events.
        assert rule["expr"].count("slo:exclusion_errors:hours{") == 2 and rule["expr"].count("slo:exclusion_events:hours{") == 1


def test_the_hourly_group_records_each_one_offs_amount(tmp_path):
    hourly = {r["record"]: r["expr"] for r in _groups(tmp_path)["sli-hourly"]}
    assert hourly["slo:exclusion_errors:hours"].count("@ ") == 2
    assert hourly["slo:exclusion_events:hours"].count("@ ") == 1
    assert 'slo_exclusion", "2026-12-01T02:00:00Z/2026-12-01T04:05:00Z"' in hourly["slo:exclusion_events:hours"]
