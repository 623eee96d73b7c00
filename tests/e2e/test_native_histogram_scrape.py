"""A real Prometheus 3 scrapes a classic histogram and stores it as a native histogram with
custom buckets (`convert_classic_histograms_to_nhcb`), as collectors do on the day the
`_bucket` series stop: `native` and `auto` latency SLOs record the hand count, a `classic`
one reads nothing."""

from __future__ import annotations

import time

import pytest
import yaml
from engines import PROMETHEUS_3, engine
from live_prometheus import query, until
from metrics_target import every_second, every_second_config, metrics_target
from prometheus_server import prometheus_server
from slogen_testing import compile_files, run_slogen, write_spec

RPS = 100.0
# Cumulative share of requests at or below each bound: 90% within 0.3s, the threshold.
BUCKETS = {"0.1": 0.5, "0.3": 0.9, "1": 0.97, "+Inf": 1.0}
SLOW = 1 - BUCKETS["0.3"]

SPEC = """
service: shop
slos:
""" + "".join(
    f"""  - name: {fmt}
    objective: 99
    sli:
      latency:
        histogram: http_request_duration_seconds{{job="shop"}}
        buckets: [0.1, 0.3, 1]
        threshold: 300ms
        format: {fmt}
"""
    for fmt in ("native", "auto", "classic")
)


def exposition(seconds: float) -> str:
    """The classic histogram after `seconds` of steady traffic, in the text format."""
    requests = RPS * seconds
    text = "# TYPE http_request_duration_seconds histogram\n"
    for bound, share in BUCKETS.items():
        text += f'http_request_duration_seconds_bucket{{le="{bound}"}} {requests * share}\n'
    text += f"http_request_duration_seconds_sum {requests * 0.2}\nhttp_request_duration_seconds_count {requests}\n"
    return text


@pytest.mark.slow
def test_prometheus_3_records_the_sli_of_a_histogram_converted_to_nhcb(tmp_path):
    files = compile_files([write_spec(tmp_path / "specs", SPEC)])
    (tmp_path / "rules.yml").write_text(every_second(files["rules/shop.yml"]))
    born = time.monotonic() - 1000
    with metrics_target(lambda: exposition(time.monotonic() - born)) as target:
        config = yaml.safe_dump(every_second_config([tmp_path / "rules.yml"], target, convert_classic_histograms_to_nhcb=True))
        with prometheus_server(tmp_path / "prom", config, engine=engine(PROMETHEUS_3)) as url:
            for fmt in ("native", "auto"):
                [sample] = until(f"the {fmt} SLI", lambda: query(url, f'slo:sli_error:ratio_rate5m{{slo_id="shop-{fmt}"}}'))
                assert float(sample["value"][1]) == pytest.approx(SLOW, rel=1e-6), sample
            # What Prometheus stored: one native series with the classic bounds, no _bucket/_count.
            [stored] = query(url, 'http_request_duration_seconds{job="shop"}')
            assert "histogram" in stored, stored
            assert query(url, 'http_request_duration_seconds_count{job="shop"}') == []
            assert query(url, 'slo:sli_events:rate5m{slo_id="shop-classic"}') == []
            # `status` shows the SLI over the window once the slower groups have run too; on a
            # loaded machine that can be seconds after the 5m ratio (CI once read "waiting" here).
            for fmt in ("native", "auto"):
                for series in ("slo:sli_error:ratio_rate30d", "slo:period_error_budget_remaining:ratio", "slo:budget_policy:state"):
                    until(f"the {fmt} SLO's {series}", lambda: query(url, f'{series}{{slo_id="shop-{fmt}"}}'))
            # `slogen status` reads the native series: only the classic SLO's selectors match nothing.
            status = run_slogen("status", "--prometheus", url, str(tmp_path / "specs"))
            text = status.stdout + status.stderr
            rows = {line.split("│")[1].strip(): line for line in status.stdout.splitlines() if line.startswith("│ shop/")}
            assert "│ 90% │" in rows["shop/native"] and "│ 90% │" in rows["shop/auto"], text
            assert 'shop/classic: the SLI\'s selector http_request_duration_seconds_count{job="shop"} matches no series' in text
            assert "shop/native: the SLI's" not in text and "shop/auto: the SLI's" not in text
            # And the live report: a page per run, with each SLO's current SLI.
            report = run_slogen("report", str(tmp_path / "specs"), "--out", str(tmp_path / "out"), "--prometheus", url)
            assert report.returncode == 0, report.stdout + report.stderr
            page = (tmp_path / "out" / "report" / "live.html").read_text()
            # History for the two SLOs reading the native series; none for the classic one.
            assert page.count("Burn rate (1h window)") == 2 and page.count("No history yet") == 1, page[-3000:]
            assert page.index("No history yet") > page.index("<h2>shop/classic</h2>")
