"""Plans -> the one PromQL question every release gate asks: how many of a service's SLOs stop a release?

Read from recorded series only: `slo:budget_policy:level` (policy_rules.py) and the
`ALERTS` series Prometheus writes for the page alerts (alerts.py). An SLO stops a release

* at or past the gate state of its policy (`--gate-fail-on`, default its last state,
  budget exhausted: the default of `slogen status --fail-on`), or
* while one of its page alerts is pending or firing: right after a deploy the policy
  state waits for an hour of history while the pages read the short windows, so a gate
  on the policy alone would promote through an outage; and `for:` is there to spare
  people's sleep, not to let a release through a burn already under way, or
* when it answers nothing: the answer counts down from the number of SLOs in the
  specs, so an SLO without series (rules not deployed, a renamed label) stops the
  release, and a Prometheus without any of them answers no sample at all, which both
  tools' conditions treat as a failure (argo.py, flagger.py).

So the answer is one sample, 0 when the release may go, and the number of SLOs in the
way otherwise:

    N - sum(1 - max by (slo_id) (level >= bool gate or ALERTS{page}))
"""

from __future__ import annotations

from typing import Sequence

from slogen.emit.rules.recording import Scope, split_by
from slogen.errors import OptionError
from slogen.plan import names
from slogen.plan.slo import SLOPlan
from slogen.spec.promql import escape_string, name_text

ALERTS = "ALERTS"


def gate_level(plan: SLOPlan, fail_on: str | None) -> int:
    """The policy level at and past which this SLO stops a release."""
    if fail_on is None:
        return len(plan.policy.states) - 1
    level = plan.policy.level_of(fail_on)
    if level is None:
        known = ", ".join(state.action for state in plan.policy.states)
        raise OptionError(f"--gate-fail-on {fail_on!r} is not a state of the budget policy of {plan.service}/{plan.name} (states: {known})")
    return level


def value_text(value: str) -> str:
    """A label value as a PromQL string's content that survives Flagger, which collapses every
    run of whitespace in a query to one space before sending it: tabs, carriage returns, form
    feeds and a space after a space are written as escapes (newlines already are)."""
    out = escape_string(value).replace("\t", "\\t").replace("\r", "\\r").replace("\f", "\\f")
    while "  " in out:
        out = out.replace("  ", " \\x20")
    return out


def _with(selector: str, matchers: Sequence[tuple[str, str]]) -> str:
    extra = ", ".join(f'{name_text(label)}="{value_text(value)}"' for label, value in matchers)
    return f"{selector[:-1]}, {extra}}}"


def page_selectors(scope: Scope, plans: Sequence[SLOPlan]) -> list[str]:
    """`ALERTS` of the SLOs' page alerts (pending or firing), one selector per alert name and page labels."""
    paged = [(plan, sev) for plan in plans for sev in plan.severities if sev.key == "page"]
    blocks = split_by(paged, lambda item: (item[0].alert_name, item[1].labels))  # type: ignore[arg-type]
    return [
        _with(scope.select(ALERTS, [plan for plan, _ in members]), (("alertname", key[0]), *key[1]))  # type: ignore[index, arg-type]
        for key, members in blocks
    ]


def release_query(service: str, plans: Sequence[SLOPlan], fail_on: str | None) -> str:
    """PromQL of the number of the service's SLOs stopping a release (no sample when none answers)."""
    scope = Scope(service, tuple(plans), whole=False)
    parts = [
        f"{scope.select(names.POLICY_LEVEL, members)} >= bool {level}"
        for level, members in split_by(plans, lambda plan: gate_level(plan, fail_on))
    ]
    parts += page_selectors(scope, plans)
    body = "\n    or\n    ".join(parts)
    return f"{len(plans)} - sum(\n  1 - max by ({names.LABEL_ID}) (\n    {body}\n  )\n)"
