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


def _fed(series: tuple[SyntheticSeries, ...]) -> tuple[frozenset[str], tuple[tuple[str, dict[str, str]], ...]]:
    return frozenset(s.notation() for s in series), tuple((s.metric, {"__name__": s.metric, **dict(s.labels)}) for s in series)


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
    selectors = reads if reads is not None else [_rate_selectors(plan.rates) for plan, _ in testable]
    return _lanes([_Reader(r, *_fed(series)) for r, (_, series) in zip(selectors, testable)])


def lanes_both(
    testable: tuple[tuple[SLOPlan, tuple[SyntheticSeries, ...]], ...], reads: list[tuple[Selector, ...]]
) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]:
    """`sharing_lanes` by the SLIs' selectors and by the rules' own: what each SLO feeds
    worked out once, and one grouping for both where every SLO's two sets agree."""
    fed = [_fed(series) for _, series in testable]
    by_rules = [_rate_selectors(plan.rates) for plan, _ in testable]
    by_sli = _lanes([_Reader(r, *f) for r, f in zip(reads, fed)])
    if all(set(a) == set(b) for a, b in zip(reads, by_rules)):  # _lanes reads selectors as a set
        return by_sli, by_sli
    return by_sli, _lanes([_Reader(r, *f) for r, f in zip(by_rules, fed)])


def _lanes(readers: list[_Reader]) -> tuple[tuple[int, ...], ...]:
    lanes: list[list[int]] = []
    for index, reader in enumerate(readers):
        for lane in lanes:
            if reader.selectors and all(_independent(reader, readers[other]) for other in lane):
                lane.append(index)
                break
        else:
            lanes.append([index])
    return tuple(tuple(lane) for lane in lanes)


def _independent(a: _Reader, b: _Reader) -> bool:
    if not b.selectors or a.notations & b.notations:
        return False
    return not _reads(a.selectors, b.series) and not _reads(b.selectors, a.series)
