"""Behaviour of the emitted rules, proven with the real `promtool test rules`.

Each scenario feeds synthetic counters to the rules slogen generates for a small
spec and asserts what fires (through the ALERTS series) and what the recorded
SLI says.  The expectations come from the SRE workbook's burn-rate arithmetic,
not from running the rules.
"""

from __future__ import annotations

import math

import pytest

from promtool_scenarios import AVAILABILITY, ERR, LATENCY, OK, counter, fires, near, quiet, run, sample_text
from spec_literals import shop_slo, shop_spec


def test_full_outage_pages_within_minutes_and_not_before(tmp_path, promtool):
    # 10 req/s for an hour, then every request fails.
    series = {OK: counter((60, 600), (120, 0)), ERR: counter((60, 0), (120, 600))}
    checks = [quiet(m) for m in (10, 30, 59, 60)]
    # SRE workbook: 51.8 s at 99.9%; slogen's 1h window is summed from 5m rates, so ~3 min.
    checks += [fires("page", 64), fires("page", 120), fires("ticket", 180)]
    run(tmp_path, promtool, AVAILABILITY, series, checks)


def test_full_outage_tickets_at_the_next_hourly_evaluation(tmp_path, promtool):
    # The outage starts on the hour, right after the hourly group ran: its 1d and 3d
    # windows, summed from the hourly series, cannot show it before the next hour, as on
    # Prometheus, even though 1d at 100% errors crosses the 1d tier's 0.3% within minutes.
    series = {OK: counter((60, 600), (120, 0)), ERR: counter((60, 0), (120, 600))}
    checks = [quiet(119, "ticket"), fires("ticket", 120), fires("page", 65)]
    run(tmp_path, promtool, AVAILABILITY, series, checks)


def test_promtool_running_the_hourly_group_every_tick_would_ticket_within_minutes(tmp_path, promtool):
    # The same outage on the rule file as written: promtool evaluates the hourly group at
    # every tick, its series becomes a sliding 1h average, and the ticket comes five
    # minutes in (2.42 and 3.16 alike, at 30s ticks), 55 minutes before Prometheus could
    # raise it.  Why the tests load promtool's copy (emit/promtool/cadence.py).
    series = {OK: counter((60, 600), (120, 0)), ERR: counter((60, 0), (120, 600))}
    run(tmp_path, promtool, AVAILABILITY, series, [fires("ticket", 70)], as_written=True)


def test_full_outage_pages_as_soon_as_two_percent_of_the_budget_is_gone(tmp_path, promtool):
    series = {OK: counter((60, 600), (120, 0)), ERR: counter((60, 0), (120, 600))}
    # The page tier needs 2% of a 99.9%/30d budget: 52s of a full outage (the SRE
    # workbook's detection time).  The 1h window is read from the counters, so the page
    # comes on the second minute's evaluation, not after the ~3 minutes a window summed
    # from 5m rates needs.
    run(tmp_path, promtool, AVAILABILITY, series, [quiet(60, "page"), fires("page", 62)])


def test_short_outage_pages_then_clears(tmp_path, promtool):
    # A 10-minute total outage at minute 60.
    series = {
        OK: counter((60, 600), (10, 0), (110, 600)),
        ERR: counter((60, 0), (10, 600), (110, 0)),
    }
    checks = [quiet(59), fires("page", 66), fires("page", 90)]
    # The 6h tier holds until its 30m short window is clean (30m + 5m base smear after the end).
    checks += [quiet(110, "page"), quiet(150, "page")]
    run(tmp_path, promtool, AVAILABILITY, series, checks)


@pytest.mark.slow
def test_steady_5x_burn_opens_a_ticket_but_never_pages(tmp_path, promtool):
    # A day of clean traffic, then 0.5% errors = 5x the 99.9% budget rate: under the
    # page factors (14.4, 6), over the ticket factors (3 over 1d, 1 over 3d).
    day = 24 * 60
    series = {
        OK: counter((day, 600), (10 * 60, 597)),
        ERR: counter((day, 0), (10 * 60, 3)),
    }
    checks = [quiet(m) for m in (60, day)]
    checks += [quiet(day + h * 60, "page") for h in range(1, 11)]
    # 3d tier: 0.5% x t / (24h + t) > 0.1% once t > 6h, seen at the next hourly evaluation.
    checks += [quiet(day + 5 * 60, "ticket"), fires("ticket", day + 8 * 60), fires("ticket", day + 10 * 60)]
    checks += [near('slo:current_burn_rate:ratio{slo_id="shop-availability"}', day + 9 * 60, 5.0, 0.01)]
    run(tmp_path, promtool, AVAILABILITY, series, checks)


def _histogram(fast: list[tuple[int, float]], slow: list[tuple[int, float]]) -> dict[str, str]:
    """A classic histogram: `fast` requests land under 0.1s, `slow` ones between 0.3s and 1s."""
    base = 'http_request_duration_seconds_bucket{job="shop", le="%s"}'
    fast_only = counter(*fast)
    both = counter(*[(m, f + s) for (m, f), (_, s) in zip(fast, slow)])
    return {
        base % "0.1": fast_only,
        base % "0.3": fast_only,
        base % "1.0": both,
        base % "+Inf": both,
        'http_request_duration_seconds_count{job="shop"}': both,
    }


def test_latency_slo_pages_when_half_the_requests_are_slow(tmp_path, promtool):
    series = _histogram(fast=[(60, 600), (60, 300)], slow=[(60, 0), (60, 300)])
    # 50% slow on a 99% SLO = 50x burn; the 1h tier needs 14.4% over 1h: ~17 min (+ smear).
    # Ten minutes in, the 6h tier may already hold on 70 minutes of history (7.1x > 6),
    # depending on promtool's random group order: five minutes in, no tier can (3.8x, 4.2x).
    checks = [quiet(59), quiet(65, "page"), fires("page", 85), fires("page", 120)]
    checks += [near('slo:sli_error:ratio_rate5m{slo_id="shop-latency"}', 90, 0.5, 0.01)]
    run(tmp_path, promtool, LATENCY, series, checks)


def test_no_traffic_is_quiet(tmp_path, promtool):
    # Counters that exist but never move, and an error counter that never appears.
    series = {OK: counter((240, 0))}
    checks = [quiet(m) for m in (5, 30, 60, 120, 240)]
    checks.append({"expr": 'slo:sli_error:ratio_rate1h{slo_id="shop-availability"} >= 0', "eval_time": "60m", "exp_samples": []})
    run(tmp_path, promtool, AVAILABILITY, series, checks)


def test_errors_absent_until_the_first_error_means_zero_not_no_data(tmp_path, promtool):
    series = {OK: counter((120, 600))}
    checks = [
        {
            "expr": 'slo:sli_error:ratio_rate1h{slo_id="shop-availability"}',
            "eval_time": "90m",
            "exp_samples": [
                {
                    "labels": 'slo:sli_error:ratio_rate1h{slo_id="shop-availability", slo_name="availability", slo_service="shop", slo_window="1h"}',
                    "value": 0,
                }
            ],
        }
    ]
    run(tmp_path, promtool, AVAILABILITY, series, checks)


WEEKLY = shop_spec(shop_slo(window="7d"))


def _diurnal(minute: int) -> float:
    """Requests per minute: 12,000 at the afternoon peak, 120 in the small hours."""
    hour = (minute / 60) % 24
    return 120 + 11880 * max(0.0, math.sin(math.pi * (hour - 6) / 12)) ** 2


@pytest.mark.slow
def test_period_budget_is_traffic_weighted(tmp_path, promtool):
    # Eight days of diurnal traffic, 0.05% errors, and a 2h total outage at 03:00 on
    # day 5, when traffic is at its lowest.  Sloth-style averaging of 5m ratios would
    # weigh those quiet 2 hours like busy ones; the budget must follow the requests.
    # Minutes per sample: eight days stay fast in promtool, and a 5m rate still sees two
    # samples in Prometheus 3's left-open range (t-5m, t] (a 5m step would give it one).
    step = 2
    total_minutes = 8 * 24 * 60
    outage = range((4 * 24 + 3) * 60, (4 * 24 + 5) * 60)
    ok, err = [0.0], [0.0]
    for start in range(0, total_minutes, step):
        requests = sum(_diurnal(m) for m in range(start, start + step))
        if start in outage:
            bad = requests
        else:
            bad = requests * 0.0005
        ok.append(ok[-1] + requests - bad)
        err.append(err[-1] + bad)
    end = total_minutes
    first = (end - 7 * 24 * 60) // step
    exact = (err[-1] - err[first]) / ((err[-1] - err[first]) + (ok[-1] - ok[first]))
    steps = [(ok[i], err[i]) for i in range(first, len(ok) - 1)]
    averaged = sum(
        (e2 - e1) / ((e2 - e1) + (o2 - o1)) for (o1, e1), (o2, e2) in zip(steps, steps[1:])
    ) / (len(steps) - 1)
    assert averaged > 3 * exact  # the scenario does separate the two methods

    series = {OK: " ".join(sample_text(round(v, 6)) for v in ok), ERR: " ".join(sample_text(round(v, 6)) for v in err)}
    remaining = 1 - exact / 0.001
    checks = [
        near('slo:sli_error:ratio_rate7d{slo_id="shop-availability"}', end, exact, 0.01),
        near('slo:period_burn_rate:ratio{slo_id="shop-availability"}', end, exact / 0.001, 0.01),
        near('slo:period_error_budget_remaining:ratio{slo_id="shop-availability"}', end, remaining, 0.01),
    ]
    run(tmp_path, promtool, WEEKLY, series, checks, interval=f"{step}m")
