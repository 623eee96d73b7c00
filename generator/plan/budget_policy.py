"""Error-budget policy: the states a team moves through as its budget burns.

Pure: the default policy (after Google's example policy and the CRE escalation
thresholds), the policy of an SLO from its spec, and which state a remaining-budget
value falls in.  A state applies while the budget remaining is *above* its
threshold; the last state applies at and below the last threshold.  So with the
default thresholds 50% / 10% / 0%: more than 50% left is normal velocity, exactly
50% already postpones risky changes, exactly 10% already freezes, and 0% or less
is the feature freeze.  The stricter state wins every tie.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from slogen.spec.errors import Problem
from slogen.spec.model import BudgetPolicy
from slogen.spec.numbers import exact, fmt


@dataclass(frozen=True)
class PolicyState:
    """One state: its action (a label value), lower threshold as a ratio, and meaning."""

    action: str
    above: Decimal | None  # ratio of budget remaining; None for the last state
    description: str


@dataclass(frozen=True)
class PolicyPlan:
    """An SLO's policy: states healthiest first, and the exhausted alert (None when off)."""

    states: tuple[PolicyState, ...]
    alert_labels: tuple[tuple[str, str], ...] | None
    alert_annotations: tuple[tuple[str, str], ...] = ()

    @property
    def exhausted(self) -> PolicyState:
        """The last state: the budget is spent."""
        return self.states[-1]

    def level_of(self, action: str) -> int | None:
        """Position of a state (0 = healthiest), or None when this policy has no such action."""
        for level, state in enumerate(self.states):
            if state.action == action:
                return level
        return None

    def level_at(self, remaining: float) -> int:
        """Which state a budget-remaining ratio falls in; NaN (no traffic, nothing spent) is the first."""
        level = 0
        for state in self.states[:-1]:
            # Same comparison as the recorded rule: NaN <= x is false, so NaN stays at 0.
            if remaining <= float(state.above):
                level += 1
        return level


DEFAULT_STATES = (
    PolicyState("normal", Decimal("0.5"), "normal velocity"),
    PolicyState("postpone-risky", Decimal("0.1"), "postpone risky changes"),
    PolicyState("freeze", Decimal("0"), "freeze non-critical changes"),
    PolicyState("feature-freeze", None, "feature freeze, fix reliability"),
)


def policy_problems(spec: BudgetPolicy, loc: tuple) -> list[Problem]:
    """Unique actions, `above` on every state but the last, thresholds strictly decreasing."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    last = len(spec.states) - 1
    previous: tuple[int, Decimal] | None = None
    for index, state in enumerate(spec.states):
        at = loc + ("states", index)
        if state.action in seen:
            problems.append(Problem(at + ("action",), f"action {state.action!r} is already used by states[{seen[state.action]}]"))
        seen.setdefault(state.action, index)
        if index == last:
            if state.above is not None:
                problems.append(
                    Problem(at + ("above",), "the last state applies whenever the others do not: remove its `above`")
                )
            continue
        if state.above is None:
            problems.append(Problem(at, "every state but the last needs `above`, the budget remaining (percent) above which it applies"))
            continue
        if previous is not None and state.above >= previous[1]:
            problems.append(
                Problem(
                    at + ("above",),
                    f"thresholds must strictly decrease: above {fmt(state.above)} is not below states[{previous[0]}].above {fmt(previous[1])}",
                )
            )
        previous = (index, state.above)
    return problems


def build_policy(spec: BudgetPolicy | None, ticket_labels: dict[str, str], alert: bool = True) -> PolicyPlan:
    """The plan of a (validated) policy; the exhausted alert defaults to the SLO's ticket labels."""
    if spec is None:
        return PolicyPlan(DEFAULT_STATES, tuple(sorted(ticket_labels.items())) if alert else None)
    states = tuple(
        PolicyState(s.action, None if s.above is None else exact(s.above / 100), s.description) for s in spec.states
    )
    if spec.alert is False or not alert:
        return PolicyPlan(states, None)
    labels = {**ticket_labels, **spec.alert.labels}
    return PolicyPlan(states, tuple(sorted(labels.items())), tuple(sorted(spec.alert.annotations.items())))
