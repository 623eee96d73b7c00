"""Section 2 of docs/benchmarks.md, from the evaluation bench's JSON (bench/eval_cost.py): the shapes
against issue #27's targets and the floor, then every shape's tools and groups.

Written between its own marks, so it can be rewritten alone:

    python -m bench.report --eval-only build/bench-eval.json --md docs/benchmarks.md
"""

from __future__ import annotations

import math
import os

MARK_START = "<!-- eval-cost:start (written by bench/report.py from build/bench-eval.json) -->"
MARK_END = "<!-- eval-cost:end -->"
EXACT_TARGET = 0.001
BUSY = "not a result: busy"


def _query_cpu_hour(s: dict) -> float:
    """CPU-s per hour per SLO from the rules' own query timings (no group scheduling or append cost)."""
    return sum(g["query_s"] * 3600 / g["interval_s"] for g in s["groups"].values()) / s["slos"]


def _overhead_share(s: dict) -> float:
    """Share of a tool's hourly group time spent outside its queries (scheduling, appends, per-rule cost)."""
    total = sum(g["eval_s_median"] * 3600 / g["interval_s"] for g in s["groups"].values())
    queries = sum(min(g["query_s"], g["eval_s_median"]) * 3600 / g["interval_s"] for g in s["groups"].values())
    return 1 - queries / total if total else 0.0


def _worst(s: dict, kind: str) -> float:
    """The period SLI error of largest magnitude among a tool's SLOs of one kind (older runs: keyed `ratio-2`, ...)."""
    errs = [v["relative_error"] for name, v in s["period_sli"].items() if v.get("kind", name.split("-")[0]) == kind]
    return max(errs, key=abs) if errs else float("nan")  # a one-SLO service has no latency SLO


def _rule_evaluations(s: dict) -> float:
    """Rule evaluations per hour per SLO, from the groups (older runs did not record it)."""
    return sum(g["rules"] * 3600 / g["interval_s"] for g in s["groups"].values()) / s["slos"]


def _spread(s: dict) -> str:
    if "cpu_s_per_hour_per_slo_q1" not in s:
        return ""
    return f"{s['cpu_s_per_hour_per_slo_q1']:.3f}..{s['cpu_s_per_hour_per_slo_q3']:.3f}"


def _load(e: dict) -> str:
    return ", ".join(f"{v:.1f}" for v in e["load_average"]) if "load_average" in e else "not recorded"


def _shape(case: dict) -> str:
    services = len(case.get("services", [1]))
    layout = "global" if case.get("share") == "global" else "service"
    slos = f"{case['size']} SLO{'s' if case['size'] > 1 else ''}"
    return f"fan-out {case['replicas']}, {slos} per service, {layout}" + (f" ({services} services)" if services > 1 else "")


def _met(v: dict) -> str:
    if v["met"] == "busy":
        return BUSY
    if v["met"] is None:
        return "no peer measured"
    return "**met**" if v["met"] else "**not met**"


def targets_table(e: dict) -> list[str]:
    """One row per shape: slogen's cost per SLO, the cheaper peer, the target, the floor, exactness."""
    lines = [
        "| fan-out | SLOs / service | layout | services | rule evaluations / h / SLO | **slogen CPU-s / h / SLO** | q1..q3 | "
        "cheaper peer, CPU-s / h / SLO | **÷ cheaper peer** | target | verdict | floor CPU-s / h / SLO | floor q1..q3 | **× floor** | "
        "period SLI rel. error, worst | within 0.1% |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for case in e["cases"].values():
        s, floor, v = case["tools"]["slogen"], case["tools"]["floor"], case["verdict"]
        peer = f"{v['cheaper_peer']} {v['cheaper_peer_cpu_s_per_hour_per_slo']:.3f}" if v["cheaper_peer"] else ""
        ratio = f"**{v['over_cheaper_peer']:.3f}**" if v["over_cheaper_peer"] is not None else ""
        worst = v["period_sli_worst"]
        over_floor = "" if v["over_floor"] is None else f"**{v['over_floor']:.1f}**"
        lines.append(
            f"| {case['replicas']} | {case['size']} | {case['share']} | {len(case['services'])} | {_rule_evaluations(s):,.0f} | "
            f"**{s['cpu_s_per_hour_per_slo']:.3f}** | {_spread(s)} | {peer} | {ratio} | {v['target']} | {_met(v)} | "
            f"{floor['cpu_s_per_hour_per_slo']:.4f} | {_spread(floor)} | {over_floor} | "
            f"{worst:.4%} | {'**met**' if v['exact'] else '**missed**'} |"
        )
    return lines + [""]


def peers_table(e: dict) -> list[str]:
    """Sloth and Pyrra, one row per fan-out and tool."""
    lines = [
        "| fan-out | tool | SLOs | rule evaluations / h / SLO | **CPU-s / h / SLO** | q1..q3 | same, from query timings | "
        "period SLI rel. error, worst: ratio | latency |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case in e["cases"].values():
        for tool in ("sloth", "pyrra"):
            if tool in case["tools"]:
                s = case["tools"][tool]
                lines.append(
                    f"| {case['replicas']} | {tool} | {s['slos']} | {_rule_evaluations(s):,.0f} | **{s['cpu_s_per_hour_per_slo']:.3f}** | "
                    f"{_spread(s)} | {_query_cpu_hour(s):.3f} | {_worst(s, 'ratio'):+.4%} | {_worst(s, 'latency'):+.4%} |"
                )
    return lines + [""]


def _loads_text(e: dict) -> str:
    points = "; ".join(f"{p['at']} {p['load1']:.1f}/{p['load5']:.1f}/{p['load15']:.1f}" for p in e.get("loads", []))
    sampling = e.get("load_while_sampling")
    during = (f" While sampling, the 1-minute load at every poll: median {sampling['median']:.2f}, "
              f"{sampling['min']:.2f}..{sampling['max']:.2f} over {sampling['n']} polls.") if isinstance(sampling, dict) else ""
    return f"Load average (1/5/15 minutes) on {e.get('cpus') or os.cpu_count()} CPUs shared with other work: {points}.{during}"


def measured_text(e: dict) -> list[str]:
    """What the run measured, from its JSON: the shapes, the rule sets, the machine."""
    cases = list(e["cases"].values())
    shapes = ", ".join(
        f"{len(c['services'])} services of {c['size']}" for c in cases
        if c["replicas"] == cases[0]["replicas"] and c["share"] == "global")
    busy = e.get("busy")
    return [
        f"{e['prometheus']}; {e['days']:g} days of history at one sample per {e['step_s']}s ({e['history_samples']:,} samples), "
        "backfilled with promtool; every rule set loaded side by side in this one Prometheus, group evaluation times sampled "
        f"from `/api/v1/rules` for {e['measure_s']:.0f} s. Shapes: fan-out (raw series per SLI counter) "
        f"{' and '.join(sorted({str(c['replicas']) for c in cases}, key=int))}; services of "
        f"{', '.join(map(str, e.get('sizes', [])))} SLOs (ratio and latency in turn, 99.9% over 30d) in slogen's default "
        "layout (`--share-rules service`: one service, its own file)"
        + (f" and under `--share-rules global` ({shapes}: one `_shared` file holding every rule of the shape's services, one group per part)" if shapes else "")
        + ". Every SLO of a shape reads its own series (shapes of one fan-out read the same ones: the first n of them); "
        "diurnal traffic (10%..190% of the mean) with a one-hour 50%-error outage in the quiet hour 3 days ago. "
        f"Sloth and Pyrra, whose groups hold one SLO each so that their cost per SLO depends on neither n nor the layout, "
        f"run with the {e.get('compare_size', 4)}-SLO service of each fan-out; the cheaper of the two at the same fan-out "
        "is the peer every shape of that fan-out is divided by.",
        "",
        "The floor of a shape: slogen's two per-SLO 5m base-rate rules (`slo:sli_events:rate5m`, `slo:sli_errors:rate5m`) "
        "alone, in the same groups at the same interval, recorded as `floor:sli_events:rate5m` and `floor:sli_errors:rate5m` "
        "(the errors rule's `or on () 0 * ...` reads the floor's events). No SLO can cost less than reading its counters; "
        "× floor is how far each shape stays above that. Under `global` the rules shared by SLOs select `slo_id!=\"\"`, "
        "which Prometheus reads as the union of the postings of every `slo_id` value it holds: in a Prometheus holding only "
        "the shape, its SLOs'. Here each such selector lists the shape's SLO ids instead (`slo_id=~\"a|b\"`, a set of "
        "literals: the union of exactly those postings), so that it reads that shape's SLOs alone, as in a Prometheus "
        "holding only it (until 2026-12-07 23:30 UTC it kept `slo_id!=\"\"` and added `slo_service=~\"a|b\"`: that unions "
        "every shape's ids, about ten times a shape's; the two measured within 6% of each other, inside the spread). "
        "Selecting many values costs more than one: the same 10 SLOs' shared rules run 1.3 to 1.6 times slower under "
        "`global` than in their service's file, which selects `slo_service=\"x\"`.",
        "",
        _loads_text(e)
        + (f" **Busy machine** (1-minute load above half the CPUs as sampling began or at a poll during it): every verdict "
           f"reads \"{BUSY}\"; the rule sets ran side by side, so their ratios hold better than their absolute costs, "
           "but none is a quiet-machine figure." if busy else " Quiet: no load above half the CPUs while sampling."),
        "",
        "CPU-seconds per hour per SLO = sum over a rule set's groups of (median group evaluation time x evaluations per hour "
        "at the group's native interval) / its SLOs (a global shape: the groups of its one file); q1..q3 "
        "is the same sum over every group's lower and upper quartile evaluation time, the spread within the run. Targets "
        f"(issue #27): at most {e.get('targets', {}).get('service', 0.2)} of the cheaper peer in the default layout, "
        f"{e.get('targets', {}).get('global', 0.12)} under `global`; the period SLI within {EXACT_TARGET:.1%} of the exact "
        "ratio from the traffic integrals.",
        "",
    ]


def shape_tables(key: str, case: dict) -> list[str]:
    """One shape: every rule set's summary, then every group."""
    tools = case["tools"]
    lines = [
        f"### {_shape(case)}",
        "",
        "| rule set | recording rules / SLO | output series / SLO | rule evaluations / hour / SLO | eval s / SLO (one round of every group) | "
        "samples / SLO / round | **CPU-s / hour / SLO** | q1..q3 | same, from query timings | samples / hour / SLO | "
        "period SLI rel. error, worst: ratio | latency |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for tool, s in tools.items():
        errs = [_worst(s, kind) for kind in ("ratio", "latency")]
        flag = "" if s["all_groups_measured"] else " *"
        cells = " | ".join("" if math.isnan(x) else f"{x:+.4%}" for x in errs)
        lines.append(
            f"| {tool} | {s['recording_rules_per_slo']:.1f} | {s['output_series_per_slo']:.1f} | {_rule_evaluations(s):,.0f} | "
            f"{s['eval_s_per_slo']:.4f}{flag} | {s['samples_per_eval_per_slo']:,.0f} | **{s['cpu_s_per_hour_per_slo']:.3f}** | "
            f"{_spread(s)} | {_query_cpu_hour(s):.3f} | {s['samples_per_hour_per_slo']:,.0f} | {cells} |"
        )
    exact = ", ".join(sorted({f"{v['exact']:.6f}" for v in tools["slogen"]["period_sli"].values()}))
    lines += ["", f"Exact period error ratios (from the traffic integrals): {exact}. Share of slogen's group time outside its "
              f"queries: {_overhead_share(tools['slogen']):.0%}.", "",
              "| rule set | group | rules | interval s | evaluations seen | median eval s | q1..q3 | samples / eval | CPU-s / h / SLO |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for tool, s in tools.items():
        for name, g in s["groups"].items():
            quart = f"{g['eval_s_q1']:.4f}..{g['eval_s_q3']:.4f}" if "eval_s_q1" in g else ""
            lines.append(
                f"| {tool} | `{name}` | {g['rules']} | {g['interval_s']:.0f} | {g['evaluations_seen']} | {g['eval_s_median']:.4f} | "
                f"{quart} | {g['samples']:,} | {g['eval_s_median'] * 3600 / g['interval_s'] / s['slos']:.3f} |"
            )
    return lines + [""]


def eval_section(e: dict) -> list[str]:
    """Section 2, marks included."""
    lines = [MARK_START, "## 2. Prometheus evaluation cost and exactness", "", *measured_text(e),
             "### Every shape against the targets and the floor", "", *targets_table(e),
             "### Sloth and Pyrra", "", *peers_table(e)]
    for key, case in e["cases"].items():
        lines += shape_tables(key, case)
    lines += [
        "\\* a group not evaluated during the sampling window (slogen's hourly groups) is counted with the summed query "
        "times of its rules instead.",
        "",
        "Timings of the setup (s): " + ", ".join(f"{k} {v:.0f}" for k, v in e["timings"].items()) + ".",
        "",
        MARK_END,
    ]
    return lines


def repeats_section(runs: list[dict]) -> list[str]:
    """CPU-s per hour per SLO of every evaluation run given, to show the run-to-run noise."""
    lines = [
        "### Run to run",
        "",
        "CPU-s per hour per SLO (group timings / query timings) of every full evaluation run passed to the report, at the "
        "size Sloth and Pyrra ran at; the first is the one in the tables above. The rule evaluations per hour tell which "
        "rules a run measured.",
        "",
        "| run | slogen rule evaluations / h / SLO | SLOs / service | sampled s | load | raw series | slogen | Sloth | Pyrra | slogen / cheaper |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for index, run in enumerate(runs, 1):
        for case in run["cases"].values():
            t = case["tools"]
            if "sloth" not in t:
                continue
            cells = [f"{t[k]['cpu_s_per_hour_per_slo']:.3f} / {_query_cpu_hour(t[k]):.3f}" for k in ("slogen", "sloth", "pyrra")]
            ratio = t["slogen"]["cpu_s_per_hour_per_slo"] / min(t["sloth"]["cpu_s_per_hour_per_slo"], t["pyrra"]["cpu_s_per_hour_per_slo"])
            qratio = _query_cpu_hour(t["slogen"]) / min(_query_cpu_hour(t["sloth"]), _query_cpu_hour(t["pyrra"]))
            lines.append(
                f"| {index} | {_rule_evaluations(t['slogen']):,.0f} | {case.get('size', run.get('slos_per_case', 2))} | "
                f"{run['measure_s']:.0f} | {_load(run)} | {case['replicas']} | {' | '.join(cells)} | {ratio:.2f} / {qratio:.2f} |"
            )
    return lines + [""]
