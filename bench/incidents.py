"""The alert-quality incident corpus and the SRE workbook's ideal answer for each incident.

Every scenario is one 99.9%/30d request-ratio SLO whose counters are closed-form
integrals of their rate (as in traffic.py), so the exact number of events and errors
in any window is known.  The ideal is the workbook's multiwindow, multi-burn-rate
policy (research/standards.md §1.4: page 14.4x over 1h and 5m or 6x over 6h and 30m;
ticket 3x over 1d and 2h or 1x over 3d and 6h) applied to those exact window ratios,
continuously: no scrape, no evaluation interval, no `for`.  That is the best any rule
set evaluated by Prometheus could do with this policy.

Times are seconds relative to the incident's start S (the scenario's origin).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DAY = 86400.0
HOUR = 3600.0
OMEGA = 2 * math.pi / DAY
OBJECTIVE = "99.9"
BUDGET = 0.001
PERIOD_S = 30 * DAY
BASE_RATIO = 0.1 * BUDGET  # normal operation burns a tenth of the budget
# The workbook's tiers for a 30d SLO: (severity, burn factor, long window s, short window s).
WORKBOOK_TIERS = (
    ("page", 14.4, HOUR, 300.0),
    ("page", 6.0, 6 * HOUR, 1800.0),
    ("ticket", 3.0, DAY, 2 * HOUR),
    ("ticket", 1.0, 3 * DAY, 6 * HOUR),
)
SEVERITIES = ("page", "ticket")


@dataclass(frozen=True)
class Load:
    """Traffic of one series group: mean rate, diurnal swing, normal error ratio, incident error ratios.

    `quiet_at` places the quietest moment of the day (seconds from S); `incidents` are
    (start, end, error ratio) from S; `integer` counts whole requests and errors (floor),
    which matters only where traffic is low.
    """

    mean_rate: float
    swing: float = 0.0
    quiet_at: float = 0.0
    base_ratio: float = BASE_RATIO
    incidents: tuple[tuple[float, float, float], ...] = ()
    integer: bool = False

    def _events(self, t: float) -> float:
        # rate(t) = mean * (1 - swing * cos(ω (t - quiet_at))): lowest at quiet_at.
        phase = OMEGA * (t - self.quiet_at)
        return self.mean_rate * (t - self.swing / OMEGA * (math.sin(phase) + math.sin(OMEGA * self.quiet_at)))

    def events(self, t: float) -> float:
        """Requests counted from the scenario's origin minus its warm-up (any fixed origin works) to t."""
        value = self._events(t) - self._events(-10 * DAY)
        return math.floor(value) if self.integer else value

    def errors(self, t: float) -> float:
        """Errors counted up to t: the normal ratio plus every incident's excess."""
        base = self._events(-10 * DAY)
        value = self.base_ratio * (self._events(t) - base)
        for start, end, ratio in self.incidents:
            if t > start:
                value += (ratio - self.base_ratio) * (self._events(min(t, end)) - self._events(start))
        return math.floor(value) if self.integer else value

    def rate(self) -> float:
        """Mean request rate (events per second over whole days)."""
        return self.mean_rate


@dataclass(frozen=True)
class Scenario:
    """One incident (or none) on one SLO; `loads` maps a `route` label value to its traffic."""

    name: str
    title: str
    loads: dict[str, Load]
    start: float = 0.0  # incident start, from S (always 0: S is the origin)
    end: float = 0.0  # incident end, from S (0 = no incident)
    after: float = 7 * HOUR  # observed after the incident's end (ticket short windows are 6h)
    grouped: bool = False  # one SLO per route (slogen's and Pyrra's `grouping`)
    note: str = ""
    failing: str = "all"  # the route the incident hits (budget at detection is its budget)

    @property
    def observe(self) -> tuple[float, float]:
        """The span in which alerts are scored: an hour of normal operation before S, to `after` past the end."""
        return (-HOUR, max(self.end, 0.0) + self.after)

    @property
    def incident(self) -> bool:
        """Whether anything goes wrong at all."""
        return self.end > self.start


def _one(load: Load) -> dict[str, Load]:
    return {"all": load}


def burn(factor: float) -> float:
    """Error ratio of an incident burning `factor` times the budget on top of normal operation."""
    return BASE_RATIO + factor * BUDGET


def corpus(smoke: bool = False) -> list[Scenario]:
    """The scenarios; `smoke` = a no-incident and a full-outage scenario with short observation."""
    flat = 10.0  # requests per second
    if smoke:
        return [
            Scenario("quiet", "No incident", _one(Load(flat)), after=40 * 60),
            Scenario("full-outage", "Full outage, 15 min", _one(Load(flat, incidents=((0, 900, 1.0),))), end=900, after=25 * 60),
        ]
    share = {"checkout": 0.6, "search": 0.25, "account": 0.14, "export": 0.01}
    return [
        Scenario("quiet", "No incident (steady traffic, 0.1x burn)", _one(Load(flat)), after=6 * HOUR),
        Scenario("full-outage", "Full outage: 100% errors for 30 min", _one(Load(flat, incidents=((0, 1800, 1.0),))), end=1800),
        Scenario("burn-20x", "20x burn for 2 h", _one(Load(flat, incidents=((0, 2 * HOUR, burn(20)),))), end=2 * HOUR),
        Scenario("burn-6x", "6x burn for 12 h", _one(Load(flat, incidents=((0, 12 * HOUR, burn(6)),))), end=12 * HOUR),
        Scenario("slow-burn-2x", "2x slow burn for 2 days", _one(Load(flat, incidents=((0, 2 * DAY, burn(2)),))), end=2 * DAY),
        Scenario("blip-90s", "90-second blip: 100% errors for 90 s", _one(Load(flat, incidents=((0, 90, 1.0),))), end=90,
                 after=2 * HOUR, note="A full outage of 90 s spends 3.5% of the 30d budget, more than the 2%-in-1h page tier "
                 "allows, so the workbook's policy pages on it (after 52 s)."),
        Scenario("blip-90s-half", "90-second blip: 50% errors for 90 s", _one(Load(flat, incidents=((0, 90, 0.5),))), end=90,
                 after=2 * HOUR, note="1.7% of the budget: under every tier, so nothing should fire."),
        Scenario("low-traffic-night", "Low traffic at night, no incident (0.5 req/s mean, 0.01 req/s at night, whole "
                 "requests, 0.5x burn)", _one(Load(0.5, swing=0.98, quiet_at=6 * HOUR, base_ratio=0.5 * BUDGET, integer=True)),
                 after=24 * HOUR, note="Counters step by whole requests, so at night a window holds a handful of requests or none (0/0); "
                 "no window reaches a tier at this error ratio, so nothing should fire."),
        Scenario("diurnal", "Diurnal traffic (10% to 190% of the mean), 10x burn for 6 h starting at the quietest hour",
                 _one(Load(flat, swing=0.9, quiet_at=0.0, incidents=((0, 6 * HOUR, burn(10)),))), end=6 * HOUR),
        Scenario("partial-outage", "Partial outage: route `export` (1% of traffic) fails 100% for 1 h",
                 {route: Load(flat * s, incidents=((0, HOUR, 1.0),) if route == "export" else ()) for route, s in share.items()},
                 end=HOUR, grouped=True, failing="export",
                 note="The SLO is grouped by `route` (one SLO per route) in slogen and Pyrra; Sloth has no grouping, so its "
                 "rules see the whole service, where the outage is a 10x burn for 1 h."),
    ]


# ---- the ideal -----------------------------------------------------------------------------

def _window_ratio(loads: list[Load], t: float, window: float) -> float:
    events = sum(l.events(t) - l.events(t - window) for l in loads)
    errors = sum(l.errors(t) - l.errors(t - window) for l in loads)
    return errors / events if events > 0 else float("nan")


def firing(loads: list[Load], t: float, severity: str) -> bool:
    """Whether the workbook's policy has `severity` firing at t on exact counts (NaN never fires)."""
    for sev, factor, long, short in WORKBOOK_TIERS:
        if sev == severity and _window_ratio(loads, t, long) > factor * BUDGET and _window_ratio(loads, t, short) > factor * BUDGET:
            return True
    return False


def budget_spent(scenario: Scenario, seconds: float) -> float:
    """Errors of the failing SLO from the incident's start to `seconds` later over its 30d error budget."""
    loads = list(scenario.loads.values()) if scenario.failing == "all" else [scenario.loads[scenario.failing]]
    errors = sum(l.errors(scenario.start + seconds) - l.errors(scenario.start) for l in loads)
    return errors / (BUDGET * PERIOD_S * sum(l.rate() for l in loads))


def ideal(scenario: Scenario, step: float = 5.0) -> dict:
    """The workbook's answer: per severity, detection and reset (s), and whether it fires at all."""
    if scenario.failing == "all":
        instances = [list(scenario.loads.values())] if not scenario.grouped else [[l] for l in scenario.loads.values()]
    else:
        instances = [[l] for l in scenario.loads.values()]
    lo, hi = scenario.observe
    times = [lo + i * step for i in range(int((hi - lo) / step) + 1)]
    out = {}
    for severity in SEVERITIES:
        def fires(t: float) -> bool:
            return any(firing(loads, t, severity) for loads in instances)

        fired = [t for t in times if fires(t)]
        if fired:
            # Refine the first and the last firing instant to a tenth of a second inside their step.
            first = next(t for t in _fine(fired[0] - step, fired[0]) if fires(t))
            last = next(t for t in reversed(_fine(fired[-1], min(fired[-1] + step, hi))) if fires(t))
            fired = [first, *fired, last]
        out[severity] = summarise(scenario, fired)
    return out


def _fine(lo: float, hi: float) -> list[float]:
    return [lo + i / 10 for i in range(int(round((hi - lo) * 10)) + 1)]


def summarise(scenario: Scenario, fired: list[float]) -> dict:
    """Detection, reset and false firing from the times (from S) at which a severity fired."""
    during = [t for t in fired if t >= scenario.start]
    detection = during[0] - scenario.start if during and scenario.incident else None
    last = fired[-1] if fired else None
    lo, hi = scenario.observe
    return {
        "fired": bool(fired),
        "before_incident": any(t < scenario.start for t in fired),
        "detection_s": detection,
        "budget_at_detection": budget_spent(scenario, detection) if detection is not None else None,
        "reset_s": (max(last - scenario.end, 0.0) if last is not None and scenario.incident else None),
        "still_firing_at_end": bool(fired) and last is not None and last >= hi - 60,
    }

