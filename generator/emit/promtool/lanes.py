"""Which SLOs of a service may share promtool test groups: those reading none of each other's inputs."""

from __future__ import annotations

from dataclasses import dataclass

from slogen.emit.promtool.series import SyntheticSeries, label_matches
from slogen.plan.sli import BaseRates
from slogen.plan.slo import SLOPlan
from slogen.spec.promql import Selector, selectors_read


def _rate_selectors(rates: BaseRates) -> tuple[Selector, ...]:
    events, errors = selectors_read(rates.events), selectors_read(rates.errors)
    # Not parsed: the SLO then shares no test group (see sharing_lanes).
    return events + errors if events and errors else ()


@dataclass(frozen=True)
class _Reader:
    """One SLO as sharing_lanes compares it: what its rules read, and what it feeds."""

    selectors: tuple[Selector, ...]
    notations: frozenset[str]
    series: tuple[tuple[str, dict[str, str]], ...]  # (metric, labels with __name__)


def _reader(selectors: tuple[Selector, ...], series: tuple[SyntheticSeries, ...]) -> _Reader:
    return _Reader(
        selectors,
        frozenset(s.notation() for s in series),
        tuple((s.metric, {"__name__": s.metric, **dict(s.labels)}) for s in series),
    )


def _reads(selectors: tuple[Selector, ...], series: tuple[tuple[str, dict[str, str]], ...]) -> bool:
    for metric, labels in series:
        for selector in selectors:
            if selector.name is not None and selector.name != metric:
                continue
            if all(label_matches(m, labels.get(m[0], "")) for m in selector.matchers):
                return True
    return False


def sharing_lanes(
    testable: tuple[tuple[SLOPlan, tuple[SyntheticSeries, ...]], ...], reads: list[tuple[Selector, ...]] | None = None
) -> tuple[tuple[int, ...], ...]:
    """SLOs grouped so that no SLO of a lane reads another's input series.

    promtool evaluates the whole rule file at every tick of every test group, so one
    group per SLO and scenario costs SLOs squared; SLOs of a lane share their groups
    (each its own series and checks), and a service's cost grows linearly.  A service
    SLO whose selectors also match a per-handler SLO's series goes to another lane,
    since feeding both at once would change the rates the other one sees.  `reads`: the
    selectors each SLO's SLI reads (series.sli_selectors), else parsed from its rules.
    """
    lanes: list[list[int]] = []
    readers: list[_Reader] = []
    for index, (plan, series) in enumerate(testable):
        selectors = reads[index] if reads is not None else _rate_selectors(plan.rates)
        readers.append(_reader(selectors, series))
        for lane in lanes:
            if selectors and all(_independent(readers[index], readers[other]) for other in lane):
                lane.append(index)
                break
        else:
            lanes.append([index])
    return tuple(tuple(lane) for lane in lanes)


def _independent(a: _Reader, b: _Reader) -> bool:
    if not b.selectors or a.notations & b.notations:
        return False
    return not _reads(a.selectors, b.series) and not _reads(b.selectors, a.series)
