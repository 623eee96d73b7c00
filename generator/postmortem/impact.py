"""Error budget an incident consumed: estimated from the spec, or from measured rates.

Pure. Consumption is burn rate x incident duration / SLO window, the same arithmetic the
burn-rate alerts use, so a postmortem's number matches what the alerts saw. It assumes
the incident's traffic rate was typical for the window; that keeps the number stable
when Prometheus holds less history than the SLO window.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from slogen.plan import names
from slogen.plan.histogram_rates import auto_events_good, native_events_good
from slogen.plan.sli import le_matcher
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import BASE_WINDOW
from slogen.spec.durations import format_duration
from slogen.spec.model import SLI, threshold_seconds
from slogen.spec.numbers import percent_text
from slogen.spec.promql import parse_expr, parse_selector, substitute_window

# Above this share of the window's budget, Google's example policy asks for a P0 action item.
P0_BUDGET_SHARE = 0.20


@dataclass(frozen=True)
class BudgetImpact:
    """How much of one SLO's error budget an incident consumed."""

    slo: str
    objective_percent: Decimal
    period: int
    duration: int
    error_ratio: float
    measured: bool

    @property
    def burn_rate(self) -> float:
        """Error ratio over the error budget: 1 spends the budget exactly over the window."""
        budget = float(1 - self.objective_percent / 100)
        return self.error_ratio / budget

    @property
    def consumed(self) -> float:
        """Fraction of the window's error budget the incident spent."""
        return self.burn_rate * self.duration / self.period

    @property
    def consumed_text(self) -> str:
        """`6.94%`, prefixed with `<=` when only an upper bound is known."""
        text = f"{self.consumed * 100:.2f}%"
        return text if self.measured else f"<= {text}"

    def summary(self) -> str:
        """One sentence for the Impact section."""
        target = f"the {format_duration(self.period)} error budget of {self.slo} ({percent_text(self.objective_percent)})"
        if self.measured:
            return (
                f"{self.consumed * 100:.2f}% of {target}, measured from Prometheus: "
                f"error ratio {self.error_ratio * 100:.3f}% during the incident, burn rate {self.burn_rate:.1f}x"
            )
        return f"up to {self.consumed * 100:.2f}% of {target}, if every event failed (measure it with --prometheus)"


def estimate_impact(plan: SLOPlan, duration: int) -> BudgetImpact:
    """Upper bound from the spec alone: every event during the incident failed."""
    return BudgetImpact(f"{plan.service}/{plan.name}", plan.objective_percent, plan.period, duration, 1.0, False)


def measured_impact(plan: SLOPlan, duration: int, bad_rate: float, events_rate: float) -> BudgetImpact:
    """Impact from the per-second rates of bad events and all events over the incident."""
    ratio = min(max(bad_rate / events_rate, 0.0), 1.0) if events_rate > 0 else 0.0
    return BudgetImpact(f"{plan.service}/{plan.name}", plan.objective_percent, plan.period, duration, ratio, True)


@dataclass(frozen=True)
class WindowQueries:
    """PromQL for per-second rates over the incident window: events, and either bad or good events.

    Bad and good are queried apart from events so a missing series is read correctly:
    no error series means no errors, but no good series means nothing was good.
    """

    events: str
    bad: str | None
    good: str | None


def window_queries(sli: SLI, seconds: int, plan: SLOPlan | None = None) -> WindowQueries:
    """Queries for an SLI over a window of `seconds`, summed over every label.

    A bool, timeslices or composite SLI has no counters of its own to read: its events are
    gauge samples, slices or members' base rates, which only its rules turn into rates, so
    it reads the 5m base rates they record (of `plan`), averaged over the window.
    """
    window = format_duration(seconds)
    if sli.bool_ is not None or sli.timeslices is not None or sli.composite is not None:
        if plan is None:
            raise ValueError(f"a {sli.kind} SLI is measured from its recorded base rates: give its plan")
        return recorded_queries(plan, seconds)
    if sli.ratio is not None:
        total = parse_selector(sli.ratio.total, "total").render()
        events = f"sum(rate({total}[{window}]))"
        if sli.ratio.errors is not None:
            return WindowQueries(events, f"sum(rate({parse_selector(sli.ratio.errors, 'errors').render()}[{window}]))", None)
        return WindowQueries(events, None, f"sum(rate({parse_selector(sli.ratio.good or '', 'good').render()}[{window}]))")
    if sli.latency is not None:
        hist = parse_selector(sli.latency.histogram, "histogram")
        seconds = threshold_seconds(sli.latency.threshold)
        good = hist.render("_bucket", (le_matcher(seconds),))
        if sli.latency.format != "classic":
            # The rules' own reads (plan/histogram_rates.py), summed over every label.
            reads = native_events_good if sli.latency.format == "native" else lambda h, t, b, w: auto_events_good(h, good, t, b, w)
            events, good_rate = reads(hist, seconds, "sum", window)
            return WindowQueries(events, None, good_rate)
        return WindowQueries(f"sum(rate({hist.render('_count')}[{window}]))", None, f"sum(rate({good}[{window}]))")
    assert sli.query is not None, sli.kind
    events = parse_expr(substitute_window(sli.query.total, window), "total").prettify()
    bad = parse_expr(substitute_window(sli.query.errors, window), "errors").prettify()
    return WindowQueries(f"sum({events})", f"sum({bad})", None)


def recorded_queries(plan: SLOPlan, seconds: int) -> WindowQueries:
    """The SLO's recorded 5m base rates averaged over a window of `seconds` ending at the query
    time: the rules' own reading of any SLI (the rates cover 5m more than the window at its start)."""
    window = format_duration(seconds)
    events, errors = (plan.selector(metric(BASE_WINDOW)) for metric in (names.events_rate, names.errors_rate))
    return WindowQueries(f"sum(avg_over_time({events}[{window}]))", f"sum(avg_over_time({errors}[{window}]))", None)
