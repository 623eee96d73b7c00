"""Rule files as the generated promtool tests load them: the hourly group on its real cadence. Pure.

promtool (2.42 and 3.16 alike) ignores a group's `interval:`: it evaluates every group
at every tick of the test's `evaluation_interval`.  Run as written, the hourly group
would record a sliding 1h average at every tick, and every window of a day or more
would follow an error within minutes, where Prometheus updates it once an hour.  So
each rule file holding a group of an hour or more is copied for the tests
(`output/tests/rules/`), that group's rules gated to their cadence:

    (<expr>) and on () (vector(time()) % 3600 == 0)

Ticks fall on multiples of the evaluation interval, which divides an hour
(promtool.EVAL_INTERVALS), so the rule records on the hour and nowhere else, as
Prometheus records it once an hour (at another phase: what windows.py's detection times
allow for).  Between hours the rule returns nothing and promtool marks its series
stale, which only an instant read would notice: the hourly series are read by range
functions alone (`sum_over_time`, `avg_over_time`, `last_over_time`), which skip
staleness markers.  The copy is the rule file's text with that group's text replaced,
nothing else (tests/emit/promtool/test_cadence.py).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from slogen.emit.rules.recording import Group
from slogen.emit.text.rule_layout import rule_file_text
from slogen.plan.windows import HOURLY_INTERVAL

# A rule file holding a group this slow or slower gets a copy for the tests.
SLOW_INTERVAL = HOURLY_INTERVAL
FOLDER = "tests/rules"
NOTE = (
    "# promtool's copy of {original}: groups of an hour or more record on the hour only, as Prometheus runs them"
    " (promtool ignores `interval:`; README: What promtool can and cannot show).\n"
)


def path(name: str) -> str:
    """Where promtool's copy of rule file `name` goes, relative to the output directory."""
    return f"{FOLDER}/{name}.yml"


def gate(expr: str, interval: int) -> str:
    """`expr` kept only on multiples of `interval` seconds of the test's clock."""
    return f"(\n{expr}\n)\nand on () (vector(time()) % {interval} == 0)"


def on_cadence(group: Group) -> Group:
    """The group with every rule gated to its interval."""
    return replace(group, rules=tuple(replace(rule, expr=gate(rule.expr, group.interval)) for rule in group.rules))


def slow(groups: Sequence[Group]) -> tuple[Group, ...]:
    """The groups promtool would run far more often than Prometheus does."""
    return tuple(group for group in groups if group.interval >= SLOW_INTERVAL)


def _text(group: Group) -> str:
    """One group's lines as the rule file writes them (after `groups:`)."""
    return rule_file_text((group,)).removeprefix("groups:\n")


def copy(rule_text: str, groups: Sequence[Group], original: str, also: Sequence[tuple[Group, Group]] = ()) -> str:
    """The rule file `rule_text` (whose slow groups are `groups`) with those groups on their cadence,
    and each group of `also` replaced by its partner (exclusion_clock.py).

    Raises ValueError when a group's text is not found in the file exactly once: the copy
    must differ from the file in those groups only.
    """
    head, newline, body = rule_text.partition("\n")
    if not head.startswith("#"):
        head, newline, body = "", "", rule_text
    out = body
    for group, new in [(group, on_cadence(group)) for group in groups] + list(also):
        block = _text(group)
        if not block.endswith("\n"):
            raise ValueError(f"group {group.name}: unexpected text")
        if out.count(block) != 1:
            raise ValueError(f"group {group.name} is not in the rule file exactly once")
        out = out.replace(block, _text(new))
    return head + newline + NOTE.format(original=original) + out
