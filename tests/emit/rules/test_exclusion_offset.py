"""The exclusions' compact zone offset equals the calendar's offset_expr wherever it applies. Pure.

The state rule runs every 30s, so a recurring window in a zone with DST reads its offset in
half the PromQL nodes (plan/exclusions.py compact_offset); the promtool DST tests prove
Berlin's through promtool, this proves every zone rule it is used for, by their Python mirrors.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timezone

from slogen.plan.calendar_periods import Expr, _zone_rule, offset_expr, zone_rule
from slogen.plan.exclusions import compact_offset

T = Expr("t", lambda t: t)


def _rules() -> dict:
    rules = {}
    for zone in sorted(zoneinfo.available_timezones()):
        rule = _zone_rule(zone)
        if rule is not None and compact_offset(rule, T) is not None:
            rules.setdefault(rule, zone)
    return rules


def test_the_compact_offset_is_used_for_the_eu_and_australia_and_not_for_the_us():
    assert compact_offset(zone_rule("Europe/Berlin"), T) is not None
    assert compact_offset(zone_rule("Australia/Sydney"), T) is not None
    assert compact_offset(zone_rule("America/New_York"), T) is None
    assert compact_offset(zone_rule("Asia/Tokyo"), T) is None


def test_the_compact_offset_equals_offset_expr_for_every_rule_it_applies_to():
    rules = _rules()
    assert len(rules) >= 3, rules
    for rule, zone in rules.items():
        compact, full = compact_offset(rule, T), offset_expr(rule, T)
        months = {rule.start.month, rule.end.month}
        for year in range(2026, 2031):
            for month in range(1, 13):
                first = int(datetime(year, month, 1, tzinfo=timezone.utc).timestamp())
                # Every 30 minutes through the transition months (and the days around them), noon elsewhere.
                step, span = (1800, 33 * 86400) if month in months else (86400, 28 * 86400)
                for t in range(first - 86400, first + span, step):
                    assert compact(t) == full(t), (zone, datetime.fromtimestamp(t, timezone.utc))
