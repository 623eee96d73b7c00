"""End to end: a real Prometheus scrapes counters served by this test and evaluates slogen's
generated rules; its alerts go to a real Alertmanager running slogen's generated routing,
merged into a configuration as the README says, with a webhook per receiver.

One SLO has an outage (50% errors): its page reaches the page receiver, and its tickets
(the slow tiers, which fire too) are held back by the inhibit rule
while the page fires. Another burns between the ticket and the page factors: its tickets
reach the ticket receiver, which shows the ticket route works and is not inhibited by
another SLO's page.

Only the timing is the test's own: every rule group is evaluated each second (the rules are
slogen's, only their `interval` is shortened; with no history every window holds the same
error ratio, so which tiers fire depends on the burn factors alone, not on the windows'
detection times), and Alertmanager waits seconds, not minutes, keeping the generated
order: tickets wait longer than pages.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import httpx
import pytest
import yaml

from alertmanager_support import Webhook, alertmanager_server, merged
from engines import Engine
from live_prometheus import until
from metrics_target import every_second, every_second_config, metrics_target
from prometheus_server import prometheus_server
from slogen.emit.alertmanager import FILE
from slogen.plan.slo import plan_service
from slogen.spec.model import ServiceSpec
from slogen_testing import compile_files, write_spec

SPEC = """
service: shop
slos:
  - name: outage
    objective: 99
    sli:
      ratio:
        errors: shop_requests_total{slo="outage", code="500"}
        total: shop_requests_total{slo="outage"}
  - name: slowburn
    objective: 99
    sli:
      ratio:
        errors: shop_requests_total{slo="slowburn", code="500"}
        total: shop_requests_total{slo="slowburn"}
"""

REQUESTS_PER_SECOND = 100.0


def _slow_burn_ratio() -> float:
    """An error ratio whose burn is above every ticket tier's factor and below every page tier's."""
    plan = plan_service(ServiceSpec.model_validate(yaml.safe_load(SPEC)))[0][1]
    factors = {sev.key: [float(tier.factor(plan.period)) for tier in sev.tiers] for sev in plan.severities}
    low, high = max(factors["ticket"]), min(factors["page"])
    assert low < high
    return math.sqrt(low * high) * float(plan.error_budget)


class Counters:
    """Counters that grow in real time at fixed error ratios, per SLO."""

    def __init__(self, error_ratios: dict[str, float]) -> None:
        self.start = time.monotonic()
        self.ratios = error_ratios

    def exposition(self) -> str:
        """The counters now, in Prometheus' text format."""
        total = REQUESTS_PER_SECOND * (time.monotonic() - self.start)
        lines = ["# TYPE shop_requests_total counter"]
        for slo, ratio in sorted(self.ratios.items()):
            lines.append(f'shop_requests_total{{slo="{slo}",code="200"}} {total * (1 - ratio):.3f}')
            lines.append(f'shop_requests_total{{slo="{slo}",code="500"}} {total * ratio:.3f}')
        return "\n".join(lines) + "\n"


def _alertmanager_config(routing: str, page: Webhook, ticket: Webhook) -> dict:
    config = merged(routing)
    hooks = {"slo-page": page, "slo-ticket": ticket}
    for receiver in config["receivers"]:
        if receiver["name"] in hooks:
            receiver["webhook_configs"] = [{"url": hooks[receiver["name"]].url, "send_resolved": False}]
    route = config["route"]["routes"][0]
    assert route["receiver"] == "slo-ticket" and route["routes"][0]["receiver"] == "slo-page"
    route.update(group_wait="5s", group_interval="2s", repeat_interval="1h")
    route["routes"][0].update(group_wait="1s", group_interval="1s", repeat_interval="1h")
    return config


def _am_alerts(url: str) -> list[dict]:
    return httpx.get(url + "/api/v2/alerts", timeout=5, trust_env=False).json()


def _labels(alert: dict) -> tuple[str, str, str]:
    labels = alert["labels"]
    return labels["alertname"], labels["slo_id"], labels.get("severity", "")


@pytest.mark.slow
def test_pages_reach_the_page_receiver_and_hold_back_the_same_slos_tickets(tmp_path: Path, engine: Engine):
    files = compile_files([write_spec(tmp_path / "specs", SPEC)])
    ratios = {"outage": 0.5, "slowburn": _slow_burn_ratio()}
    with Webhook() as page, Webhook() as ticket, metrics_target(Counters(ratios).exposition) as target:
        with alertmanager_server(tmp_path / "am", _alertmanager_config(files[FILE], page, ticket)) as am_url:
            (tmp_path / "prom").mkdir()
            (tmp_path / "prom" / "rules.yml").write_text(every_second(files["rules/shop.yml"]))
            config = every_second_config([tmp_path / "prom" / "rules.yml"], target)
            config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [am_url.removeprefix("http://")]}]}]}
            with prometheus_server(tmp_path / "prom", yaml.safe_dump(config), engine=engine):
                started = time.monotonic()
                until("the outage's page at the page receiver", lambda: page.alerts("firing"))
                # Burn-rate tickets only: a minute of history spends a sliver of a 30d budget, so
                # no budget-exhausted alert (README, budget with short history).
                slow_tickets = {("SLOErrorBudgetBurn", "shop-slowburn", "ticket")}
                until("the slow burn's tickets at the ticket receiver", lambda: slow_tickets <= {_labels(a) for a in ticket.alerts("firing")})
                # The outage's tickets fire too, and Alertmanager holds them: inhibited by its page.
                def outage_tickets_inhibited() -> bool:
                    leaked = [a for a in ticket.alerts() if _labels(a)[1] == "shop-outage"]
                    assert not leaked, f"the outage's tickets reached the ticket receiver while its page fired: {[_labels(a) for a in leaked]}"
                    held = [a for a in _am_alerts(am_url) if _labels(a)[1:] == ("shop-outage", "ticket")]
                    names = {_labels(a)[0] for a in held}
                    return "SLOErrorBudgetBurn" in names and all(
                        a["status"]["state"] == "suppressed" and a["status"]["inhibitedBy"] for a in held)
                until("the outage's tickets, inhibited", outage_tickets_inhibited)
                # A muted group is flushed again every group interval (2s): still nothing of the outage.
                time.sleep(6)
                elapsed = time.monotonic() - started

    got_pages = {_labels(a) for a in page.alerts()}
    got_tickets = {_labels(a) for a in ticket.alerts()}
    assert got_pages == {("SLOErrorBudgetBurn", "shop-outage", "page")}, got_pages
    assert got_tickets == slow_tickets, got_tickets
    print(f"{engine.name}: page, tickets and inhibition seen {elapsed:.0f}s after Prometheus started")
