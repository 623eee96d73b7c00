"""Rules of the shape Sloth and Pyrra generate, for the benchmark's SLOs.

Written from their documented templates (research/sloth.md §2.3, research/pyrra.md
§2.4) and checked against their own expected outputs, copied under
bench/reference/ (Apache-2.0, see bench/reference/NOTICE.md).  Only what costs
evaluation time or decides the period SLI is reproduced faithfully: expressions,
windows, group layout and intervals.  Annotations are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

# Sloth's default 30d catalog (google-30d.yaml): (severity, factor, short, long).
SLOTH_TIERS = (("page", "14.4", "5m", "1h"), ("page", "6", "30m", "6h"), ("ticket", "3", "2h", "1d"), ("ticket", "1", "6h", "3d"))
SLOTH_INTERVAL = "30s"
ERRORS_MATCHER = 'code=~"5.."'


@dataclass(frozen=True)
class BenchSLO:
    """An SLO as all three tools see it: a request ratio or a latency histogram threshold."""

    service: str
    name: str
    kind: str  # "ratio" or "latency"
    matchers: tuple[tuple[str, str], ...]  # equality matchers selecting this SLO's series
    objective: str  # percent, e.g. "99.9"
    period_days: int = 30
    metric: str = ""  # counter base name (ratio) or histogram base name (latency)
    threshold: str = "0.3"
    grouping: tuple[str, ...] = ()  # Pyrra's `grouping`: one SLO per value of these labels (Sloth has none)

    @property
    def id(self) -> str:
        """Sloth's and slogen's SLO id."""
        return f"{self.service}-{self.name}"

    def selector(self, metric: str, extra: str = "", canonical: bool = False) -> str:
        """`metric{matchers[,extra]}`; canonical = sorted by label, as Pyrra's PromQL printer writes them."""
        parts = [f'{k}="{v}"' for k, v in self.matchers] + ([extra] if extra else [])
        if canonical:
            parts.sort()
        return f"{metric}{{{','.join(parts)}}}"

    def error_query(self, window: str) -> str:
        """Sloth-style error rate query at a window."""
        if self.kind == "ratio":
            errors = self.selector(self.metric + "_total", ERRORS_MATCHER)
            return f"sum(rate({errors}[{window}]))"
        count = self.selector(self.metric + "_count")
        good = self.selector(self.metric + "_bucket", f'le="{self.threshold}"')
        return f"(sum(rate({count}[{window}])) - sum(rate({good}[{window}])))"

    def total_query(self, window: str) -> str:
        """Sloth-style total rate query at a window."""
        metric = self.metric + ("_total" if self.kind == "ratio" else "_count")
        return f"sum(rate({self.selector(metric)}[{window}]))"


def _go_float(value: float) -> str:
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def sloth_sli_expr(error_query: str, total_query: str) -> str:
    """Sloth's `events` SLI template (sliExprTplFmt), window already substituted."""
    return f"({error_query})\n/\n({total_query})\n"


def sloth_groups(slo: BenchSLO) -> list[dict]:
    """Sloth's three groups for one SLO (sli recordings, meta recordings, alerts)."""
    period = f"{slo.period_days}d"
    ids = {"sloth_id": slo.id, "sloth_service": slo.service, "sloth_slo": slo.name}
    filt = "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(ids.items())) + "}"
    windows = sorted({w for tier in SLOTH_TIERS for w in tier[2:]}, key=_seconds)
    sli = [
        {
            "record": f"slo:sli_error:ratio_rate{w}",
            "expr": sloth_sli_expr(slo.error_query(w), slo.total_query(w)),
            "labels": {**ids, "sloth_window": w},
        }
        for w in windows
    ]
    sli.append({
        "record": f"slo:sli_error:ratio_rate{period}",
        "expr": f"sum_over_time(slo:sli_error:ratio_rate5m{filt}[{period}])\n/ ignoring (sloth_window)\n"
                f"count_over_time(slo:sli_error:ratio_rate5m{filt}[{period}])\n",
        "labels": {**ids, "sloth_window": period},
    })
    ratio = float(slo.objective) / 100
    budget = _go_float((100 - float(slo.objective)) / 100)
    on = "/ on(sloth_id, sloth_slo, sloth_service) group_left\n"
    meta = [
        {"record": "slo:objective:ratio", "expr": f"vector({_go_float(ratio)})", "labels": ids},
        {"record": "slo:error_budget:ratio", "expr": f"vector(1-{_go_float(ratio)})", "labels": ids},
        {"record": "slo:time_period:days", "expr": f"vector({slo.period_days})", "labels": ids},
        {"record": "slo:current_burn_rate:ratio", "expr": f"slo:sli_error:ratio_rate5m{filt}\n{on}slo:error_budget:ratio{filt}\n", "labels": ids},
        {"record": "slo:period_burn_rate:ratio", "expr": f"slo:sli_error:ratio_rate{period}{filt}\n{on}slo:error_budget:ratio{filt}\n", "labels": ids},
        {"record": "slo:period_error_budget_remaining:ratio", "expr": f"1 - slo:period_burn_rate:ratio{filt}", "labels": ids},
        {"record": "sloth_slo_info", "expr": "vector(1)", "labels": {**ids, "sloth_mode": "cli-gen-prom", "sloth_objective": slo.objective}},
    ]
    alerts = []
    for severity in ("page", "ticket"):
        (_, f1, s1, l1), (_, f2, s2, l2) = [t for t in SLOTH_TIERS if t[0] == severity]

        def cond(window: str, factor: str) -> str:
            return f"max(slo:sli_error:ratio_rate{window}{filt} > ({factor} * {budget})) without (sloth_window)"

        expr = (f"(\n    {cond(s1, f1)}\n    and\n    {cond(l1, f1)}\n)\nor\n(\n    {cond(s2, f2)}\n    and\n    {cond(l2, f2)}\n)\n")
        alerts.append({"alert": "SLOBurn", "expr": expr, "labels": {"sloth_severity": severity}})
    return [
        {"name": f"sloth-slo-sli-recordings-{slo.id}", "interval": SLOTH_INTERVAL, "rules": sli},
        {"name": f"sloth-slo-meta-recordings-{slo.id}", "interval": SLOTH_INTERVAL, "rules": meta},
        {"name": f"sloth-slo-alerts-{slo.id}", "interval": SLOTH_INTERVAL, "rules": alerts},
    ]


def _seconds(duration: str) -> int:
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    total, number = 0, ""
    for ch in duration:
        if ch.isdigit():
            number += ch
        else:
            total += int(number) * units[ch]
            number = ""
    return total


def _prom_duration(seconds: int) -> str:
    """Prometheus model.Duration text: 1d1h43m, 4d6h51m, 2m30s."""
    out = ""
    for unit, size in (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            out += f"{seconds // size}{unit}"
            seconds %= size
    return out or "0s"


def _round_minute(seconds: float) -> int:
    return int(seconds / 60 + 0.5) * 60


def pyrra_windows(period_days: int) -> list[tuple[int, str, int, int, int]]:
    """Pyrra's four tiers scaled from the 28d workbook table: (factor, severity, short, long, for), seconds."""
    w = period_days * 86400
    return [
        (14, "critical", _round_minute(w / 8064), _round_minute(w / 672), _round_minute(w / 20160)),
        (7, "critical", _round_minute(w / 1344), _round_minute(w / 112), _round_minute(w / 2688)),
        (2, "warning", _round_minute(w / 336), _round_minute(w / 28), _round_minute(w / 672)),
        (1, "warning", _round_minute(w / 112), _round_minute(w / 7), _round_minute(w / 224)),
    ]


def pyrra_increase_interval(period_days: int) -> str:
    """The `-increase` group's interval: grows with the SLO window (pyrra.md §2.1)."""
    for limit, interval in ((7, "30s"), (14, "1m"), (21, "1m30s"), (28, "2m"), (35, "2m30s"), (42, "3m"), (49, "3m30s")):
        if period_days < limit:
            return interval
    return "4m"


def pyrra_groups(slo: BenchSLO) -> list[dict]:
    """Pyrra's two groups for one SLO: full-window increases (+absent alerts), burn rates (+alerts)."""
    period = _prom_duration(slo.period_days * 86400)
    labels = {**dict(slo.matchers), "slo": slo.id}
    base = slo.metric
    target = _go_float(float(slo.objective) / 100)
    # Pyrra sums by the grouping labels (pyrra.md §2.3); without grouping a plain sum.
    by = f"sum by ({', '.join(slo.grouping)}) " if slo.grouping else "sum"
    if slo.kind == "ratio":
        total = slo.selector(base + "_total", canonical=True)
        errors = slo.selector(base + "_total", ERRORS_MATCHER, canonical=True)
        increase_by = ", ".join(sorted(("code", *slo.grouping)))
        increase = [{"record": f"{base}:increase{period}", "expr": f"sum by ({increase_by}) (increase({total}[{period}]))", "labels": labels}]
        absent = [total]

        def burn(w: str) -> str:
            return f"{by}(rate({errors}[{w}])) / {by}(rate({total}[{w}]))"
    else:
        count = slo.selector(base + "_count", canonical=True)
        good = slo.selector(base + "_bucket", f'le="{slo.threshold}"', canonical=True)
        increase = [
            {"record": f"{base}:increase{period}", "expr": f"sum(increase({count}[{period}]))", "labels": labels},
            {"record": f"{base}:increase{period}", "expr": f"sum(increase({good}[{period}]))", "labels": {**labels, "le": slo.threshold}},
        ]
        absent = [count, good]

        def burn(w: str) -> str:
            return f"(sum(rate({count}[{w}])) - sum(rate({good}[{w}]))) / sum(rate({count}[{w}]))"
    increase += [{"alert": "SLOMetricAbsent", "expr": f"absent({sel}) == 1", "for": "10m", "labels": {**labels, "severity": "critical"}} for sel in absent]
    tiers = pyrra_windows(slo.period_days)
    windows = sorted({s for t in tiers for s in t[2:4]})
    rules = [{"record": f"{base}:burnrate{_prom_duration(w)}", "expr": burn(_prom_duration(w)), "labels": labels} for w in windows]
    match = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for factor, severity, short, long, for_ in tiers:
        s, l = _prom_duration(short), _prom_duration(long)
        rules.append({
            "alert": "ErrorBudgetBurn",
            "expr": f"{base}:burnrate{s}{{{match}}} > ({factor} * (1-{target})) and {base}:burnrate{l}{{{match}}} > ({factor} * (1-{target}))",
            "for": _prom_duration(for_),
            "labels": {**labels, "severity": severity, "short": s, "long": l},
        })
    return [
        {"name": f"{slo.id}-increase", "interval": pyrra_increase_interval(slo.period_days), "rules": increase},
        {"name": slo.id, "interval": "30s", "rules": rules},
    ]
