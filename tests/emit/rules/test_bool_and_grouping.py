"""The `bool` SLI kind and `grouping`, end to end through the real promtool.

Expectations come from counting samples and requests by hand, not from running the rules.
"""

from __future__ import annotations

from promtool_scenarios import ERR, OK, counter, fires, near, quiet, run
from spec_literals import shop_slo, shop_spec

PROBES = """
service: edge
slos:
  - name: probes
    objective: 99
    sli:
      bool:
        metric: probe_success{job="blackbox"}
"""


def gauge(*segments: tuple[int, int]) -> str:
    """promtool values for a 0/1 gauge: each segment is (minutes, value)."""
    return " ".join(str(value) for minutes, value in segments for _ in range(minutes)) + f" {segments[-1][1]}"


def test_bool_sli_counts_failed_probes_as_bad_samples(tmp_path, promtool):
    # Two targets scraped every minute; after six clean hours (so even the 6h window
    # has full history) one of them fails every probe: half the samples are 0, a 50x
    # burn on a 99% SLO.
    series = {
        'probe_success{job="blackbox", instance="a"}': gauge((480, 1)),
        'probe_success{job="blackbox", instance="b"}': gauge((360, 1), (120, 0)),
    }
    checks = [quiet(m) for m in (60, 359)]
    checks += [near('slo:sli_error:ratio_rate5m{slo_id="edge-probes"}', 390, 0.5, 0.01)]
    # Ten minutes in, the 1h window holds 10/60 x 50% = 8% bad samples, under the 14.4%
    # the page tier needs (14.4 x 1% budget), and the 6h one 1.4%, under 6%: quiet.
    # Half an hour in, 1h holds 25%: the page fires.
    checks += [quiet(370, "page"), fires("page", 390), fires("page", 470)]
    # Two samples a minute -> 2/60 events per second; Prometheus 2 counts both ends of
    # a range, so samples exactly on the boundaries make it 12 in 5m here.
    events = 'slo:sli_events:rate5m{slo_id="edge-probes"}'
    checks += [
        {"expr": f"count({events} >= {2 / 60!r} <= {12 / 300!r})", "eval_time": "390m", "exp_samples": [{"labels": "{}", "value": 1}]}
    ]
    run(tmp_path, promtool, PROBES, series, checks)


def test_bool_sli_weighs_every_sample_the_same(tmp_path, promtool):
    # Target b is down for 30 of 120 minutes; target a is up throughout: 30 bad samples
    # out of 240 over 2h, whatever the order.
    series = {
        'probe_success{job="blackbox", instance="a"}': gauge((180, 1)),
        'probe_success{job="blackbox", instance="b"}': gauge((90, 1), (30, 0), (60, 1)),
    }
    # The 2h window at minute 150 spans minutes 30..150 of 5m base rates: all 30 bad samples.
    checks = [near('slo:sli_error:ratio_rate2h{slo_id="edge-probes"}', 150, 30 / 240, 0.03)]
    run(tmp_path, promtool, PROBES, series, checks)


def test_bool_sli_healthy_gauge_is_quiet_with_zero_errors(tmp_path, promtool):
    series = {'up{job="api", instance="a"}': gauge((120, 1))}
    spec = PROBES.replace('probe_success{job="blackbox"}', 'up{job="api"}')
    checks = [quiet(m) for m in (30, 60, 120)]
    checks.append(
        {"expr": 'slo:sli_error:ratio_rate1h{slo_id="edge-probes"}', "eval_time": "90m",
         "exp_samples": [{"labels": 'slo:sli_error:ratio_rate1h{slo_id="edge-probes", slo_name="probes", slo_service="edge", slo_window="1h"}', "value": 0}]}
    )
    run(tmp_path, promtool, spec, series, checks)


GROUPED = shop_spec(shop_slo(grouping="[route]"))


def _route(series: str, route: str) -> str:
    return series.replace('job="shop"', f'job="shop", route="{route}"')


def test_grouping_gives_each_group_its_own_ratio_budget_and_alert(tmp_path, promtool):
    # Route /cart fails completely from minute 60; route /home stays clean and carries
    # 10x the traffic, so an ungrouped SLO would see only ~9% errors.
    series = {
        _route(OK, "/home"): counter((240, 6000)),
        _route(ERR, "/home"): counter((240, 0)),
        _route(OK, "/cart"): counter((60, 600), (180, 0)),
        _route(ERR, "/cart"): counter((60, 0), (180, 600)),
    }
    cart = 'slo_id="shop-availability", route="/cart"'
    home = 'slo_id="shop-availability", route="/home"'
    checks = [
        near(f"slo:sli_error:ratio_rate5m{{{cart}}}", 90, 1.0, 0.001),
        {"expr": f"slo:sli_error:ratio_rate5m{{{home}}}", "eval_time": "90m",
         "exp_samples": [{"labels": 'slo:sli_error:ratio_rate5m{route="/home", slo_id="shop-availability", slo_name="availability", slo_service="shop", slo_window="5m"}', "value": 0}]},
        # Budget is per group: /cart burns 1000x, /home none.
        near(f"slo:current_burn_rate:ratio{{{cart}}}", 90, 1000, 0.001),
        {"expr": f"slo:current_burn_rate:ratio{{{home}}}", "eval_time": "90m",
         "exp_samples": [{"labels": 'slo:current_burn_rate:ratio{route="/home", slo_id="shop-availability", slo_name="availability", slo_service="shop"}', "value": 0}]},
        # Exactly one page, and it names the failing route.
        fires("page", 70),
        {"expr": 'count by (route) (count without (slo_tier) (ALERTS{alertstate="firing", severity="page"}))', "eval_time": "90m",
         "exp_samples": [{"labels": '{route="/cart"}', "value": 1}]},
        quiet(59),
    ]
    run(tmp_path, promtool, GROUPED, series, checks)
