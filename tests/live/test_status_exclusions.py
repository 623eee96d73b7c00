"""`status` says which SLOs are inside an exclusion now, and asks only where a spec has one."""

from __future__ import annotations

import yaml

from slogen.live.prometheus_api import Sample
from slogen.live.status import status_queries, status_report
from slogen.plan.slo import plan_service
from slogen.spec.model import ServiceSpec

SPEC = """
service: shop
slos:
  - name: a
    objective: 99
    sli: {ratio: {errors: 'r{code="500"}', total: r}}
    exclusions:
      - {reason: deploys, when: 'maintenance_mode == 1'}
      - {reason: vendor, from: 2026-12-01T10:00:00Z, to: 2026-12-01T11:00:00Z, count_as: good}
  - name: b
    objective: 99
    sli: {ratio: {errors: 'r{code="500"}', total: r}}
"""


def test_status_notes_an_slo_inside_an_exclusion():
    plans = plan_service(ServiceSpec.model_validate(yaml.safe_load(SPEC)))[0]
    assert status_queries(plans)["excluded"] == 'slo:exclusion:state{slo_id=~"shop-a|shop-b"} > 0'
    report = status_report(plans, {"excluded": [Sample({"slo_id": "shop-a"}, 2.0)]})
    assert "shop-a: inside an exclusion now (its events left out); its exclusions: deploys; vendor" in report.notes
    assert not any("shop-b" in note and "exclusion" in note for note in report.notes)
    assert "excluded" not in status_queries(plans[1:])
