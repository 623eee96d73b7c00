"""End to end: a real Prometheus scrapes an outage and a maintenance gauge, and evaluates
slogen's rules for an SLO excluded while the gauge is 1 (#28).

While the gauge is 1 the SLO records no errors and no events, its state reads 2 and no
alert fires although every other request fails; once the gauge drops to 0 the same
outage pages.  Only the timing is the test's own: every group runs each second
(metrics_target.every_second) and the exclusion has no tail, so a minute shows it all.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from engines import Engine
from live_prometheus import query, until
from metrics_target import every_second, every_second_config, metrics_target
from prometheus_server import prometheus_server
from slogen_testing import compile_files, write_spec

SPEC = """
service: shop
exclusions:
  - reason: deploys
    when: maintenance_mode{service="shop"} == 1
    tail: 0s
slos:
  - name: availability
    objective: 99
    sli:
      ratio:
        errors: shop_requests_total{code="500"}
        total: shop_requests_total
"""


class Shop:
    """Counters at 50% errors from the start, and the maintenance gauge the test flips."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.maintenance = 1

    def exposition(self) -> str:
        total = 100.0 * (time.monotonic() - self.start)
        return (
            "# TYPE shop_requests_total counter\n"
            f'shop_requests_total{{code="200"}} {total / 2:.3f}\nshop_requests_total{{code="500"}} {total / 2:.3f}\n'
            f'# TYPE maintenance_mode gauge\nmaintenance_mode{{service="shop"}} {self.maintenance}\n'
        )


@pytest.mark.slow
def test_a_maintenance_gauge_keeps_an_outage_out_of_the_budget_until_it_drops(tmp_path: Path, engine: Engine):
    files = compile_files([write_spec(tmp_path / "specs", SPEC)])
    shop = Shop()
    with metrics_target(shop.exposition) as target:
        (tmp_path / "prom").mkdir()
        (tmp_path / "prom" / "rules.yml").write_text(every_second(files["rules/shop.yml"]))
        config = every_second_config([tmp_path / "prom" / "rules.yml"], target)
        with prometheus_server(tmp_path / "prom", yaml.safe_dump(config), engine=engine) as url:
            # The outage's counters have a 5m rate: the gate is what holds its errors out.
            until("the raw error rate", lambda: query(url, 'sum(rate(shop_requests_total{code="500"}[5m])) > 1'))
            until("the exclusion state", lambda: query(url, 'slo:exclusion:state{slo_id="shop-availability"} == 2'))
            for _ in range(10):
                assert query(url, 'slo:sli_errors:rate5m{slo_id="shop-availability"} != 0') == []
                assert query(url, 'slo:sli_events:rate5m{slo_id="shop-availability"} != 0') == []
                assert query(url, 'ALERTS{alertname="SLOErrorBudgetBurn"}') == [], "an alert fired inside the exclusion"
                time.sleep(1)
            shop.maintenance = 0
            until("the state back to 0", lambda: query(url, 'slo:exclusion:state{slo_id="shop-availability"} == 0'))
            until("the page, once the gauge dropped", lambda: query(url, 'ALERTS{alertname="SLOErrorBudgetBurn", severity="page", alertstate="firing"}'))
