"""A service's tests as data: which SLOs share test groups, held in the frozen ServiceTests itself."""

from __future__ import annotations

from dataclasses import replace

import pytest
from slogen.emit.promtool.lanes import sharing_lanes

from slogen_testing import API_SPEC, compile_paths, write_spec

# A query SLI beside the ratio SLI, on other counters: the SLI's own selectors (which size
# the evaluation interval) and the ones its rules read (which lay out the file) differ for it.
QUERY_SLO = """\
  - name: query
    objective: 99
    sli:
      query:
        errors: sum(rate(jobs_total{job="api", result="failed"}[{{window}}]))
        total: sum(rate(jobs_total{job="api"}[{{window}}]))
"""


@pytest.fixture
def tests(tmp_path):
    services, diagnostics = compile_paths([write_spec(tmp_path, API_SPEC + QUERY_SLO)])
    assert not diagnostics
    return services[0].tests


def test_the_file_lays_slos_out_by_what_their_rules_read(tests):
    assert [plan.name for plan, _ in tests.testable] == ["availability", "query"]
    # One lane: the two SLOs feed different counters, so they share every test group.
    assert tests.lanes == sharing_lanes(tests.testable) == ((0, 1),)
    assert tests.groups and all(len(group) == 2 for group in tests.groups)


def test_lanes_travel_with_the_tests_and_must_cover_every_slo(tests):
    assert replace(tests, rule_files=("x.yml",)).lanes == tests.lanes
    with pytest.raises(ValueError, match="exactly once"):
        replace(tests, lanes=((0,),))
    with pytest.raises(ValueError, match="exactly once"):
        replace(tests, lanes=((0, 1), (1,)))



def test_both_lane_sets_come_out_as_two_separate_groupings_would(tests):
    from slogen.emit.promtool.lanes import _rate_selectors, lanes_both

    by_rules = [_rate_selectors(plan.rates) for plan, _ in tests.testable]
    # The SLIs' selectors agree with the rules' (one grouping serves both), and do not.
    for reads in (by_rules, [tuple(reversed(r)) for r in by_rules], [() for _ in by_rules]):
        assert lanes_both(tests.testable, reads) == (sharing_lanes(tests.testable, reads), sharing_lanes(tests.testable))
    assert lanes_both(tests.testable, [() for _ in by_rules])[0] == ((0,), (1,))
