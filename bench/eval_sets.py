"""The rule sets the evaluation bench (eval_cost.py) loads side by side, one shape at a time.

A shape is a fan-out r (raw series per SLI counter), a service size n and a rule layout:
`service` (slogen's default: the rules SLOs share once per service file) or `global`
(`--share-rules global`: once, in `_shared`, for every service).  A global shape has
several services, so that its one shared file serves more than one.  Per shape:

- slogen's groups, compiled by the slogen of this checkout, now;
- the floor: only slogen's two per-SLO 5m base-rate rules, in the group and at the interval
  slogen gives them, recorded as `floor:...` so that they collide with nothing;
- at n = COMPARE_SIZE in the service layout, Sloth's and Pyrra's groups for the same SLOs.

Every SLO of a shape reads its own raw series (`slo="sN"` of the fan-out's job).  A global
shape's shared rules select `slo_id!=""`, every SLO of the Prometheus: here they also
select the shape's services, so that they read that shape's SLOs alone, as a Prometheus
holding only that shape would.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import yaml
from slogen.build.options import BuildOptions
from slogen.build.pipeline import build_tree
from slogen.plan.names import PERIOD_HISTORY

from .shapes import BenchSLO, pyrra_groups, sloth_groups
from .traffic import DAY, quiet_hour_outage

RATIO_METRIC = "bench_requests"
LATENCY_METRIC = "bench_request_duration_seconds"
OBJECTIVE = "99.9"
KINDS = (("ratio", RATIO_METRIC), ("latency", LATENCY_METRIC))
RULE_SETS = ("slogen", "floor", "sloth", "pyrra")

SIZES = (1, 4, 10)  # SLOs per service
COMPARE_SIZE = 4  # Sloth and Pyrra (whose cost per SLO does not depend on it) run at this size only
SHARES = ("service", "global")
# Services of a global shape, by their size: several, so that the shared file serves more
# than one service.  Every SLO of a shape has its own series, so this sets how many series
# a fan-out writes (max of n x services): 12 here; 2 services of 10 would make it 20 and the
# history import almost twice as long.
GLOBAL_SERVICES = {1: 10, 4: 3, 10: 1}
# The base rates the floor keeps, and what it records them as.
BASE_RATES = ("slo:sli_events:rate5m", "slo:sli_errors:rate5m")
FLOOR_PREFIX = "floor:"


def _services_of(share: str, n: int) -> int:
    return GLOBAL_SERVICES.get(n, 1) if share == "global" else 1


def cases(replicas: tuple[int, ...], now: float, sizes: tuple[int, ...] = SIZES, compare: int = COMPARE_SIZE,
          shares: tuple[str, ...] = SHARES) -> list[dict]:
    """Per fan-out, layout and size, one shape: its services ({service: [(BenchSLO, traffic)]}),
    every SLO on its own series; shapes of one fan-out read the same series (the first ones)."""
    out = []
    for r in replicas:
        need = max(n * _services_of(share, n) for share in shares for n in sizes)
        sources = []
        for index in range(need):
            kind, metric = KINDS[index % 2]
            traffic = quiet_hour_outage(now, days_ago=3, mean_rate=50.0, error_ratio=0.001, outage_ratio=0.5)
            sources.append((kind, metric, (("job", f"cost-r{r}"), ("slo", f"s{index}")), traffic))
        for share in shares:
            for n in sizes:
                k = _services_of(share, n)
                services: dict[str, list] = {}
                for i in range(k):
                    service = f"cost-r{r}-n{n}" + (f"-g{i}" if share == "global" else "")
                    services[service] = [
                        (BenchSLO(service, f"{kind}-{j // 2 + 1}", kind, matchers, OBJECTIVE, metric=metric), traffic)
                        for j, (kind, metric, matchers, traffic) in enumerate(sources[i * n:(i + 1) * n])
                    ]
                out.append({
                    "key": f"r{r}-n{n}-{share}", "replicas": r, "size": n, "share": share, "services": services,
                    "slos": [pair for pairs in services.values() for pair in pairs],
                    "compare": share == "service" and n == compare,
                })
    return out


def exclusions_text(service: str, now: float) -> str:
    """Three exclusions, one of each kind (#28): a one-off a day ago (inside any history the
    bench writes, so the long windows' corrections read it), a weekly window in a zone with
    DST, and a signal gauge."""
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - DAY))
    end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - DAY + 2 * 3600))
    return (f"exclusions:\n  - reason: upgrade\n    from: {start}\n    to: {end}\n"
            "  - reason: weekly\n    every: {weekday: sunday, at: \"02:00\", for: 2h, time_zone: Europe/Berlin}\n"
            f"  - reason: deploys\n    when: maintenance_mode{{service=\"{service}\"}} == 1\n")


def slogen_spec(service: str, slos: list, exclusions: bool = False) -> str:
    """slogen's spec for a service's SLOs ([(BenchSLO, traffic)]; with `exclusions`, three for every SLO)."""
    sel = lambda slo: ", ".join(f'{k}="{v}"' for k, v in slo.matchers)  # noqa: E731
    text = f"service: {service}\n" + (exclusions_text(service, time.time()) if exclusions else "") + "slos:\n"
    for slo, _ in slos:
        text += f"  - name: {slo.name}\n    objective: {OBJECTIVE}\n    window: 30d\n    sli:\n"
        if slo.kind == "ratio":
            text += (f"      ratio:\n        errors: {slo.metric}_total{{{sel(slo)}, code=~\"5..\"}}\n"
                     f"        total: {slo.metric}_total{{{sel(slo)}}}\n")
        else:
            text += f"      latency:\n        histogram: {slo.metric}{{{sel(slo)}}}\n        threshold: {slo.threshold}\n"
    return text


def compile_tree(specs: dict[str, str], folder: Path, share: str = "service") -> dict[str, list[dict]]:
    """Rule groups per rule file stem ({service: spec text} in; `_shared` too under `global`)."""
    folder.mkdir(parents=True, exist_ok=True)
    for service, text in specs.items():
        (folder / f"{service}.yaml").write_text(text)
    tree, problems = build_tree([folder], BuildOptions(share_rules=share))
    if problems:
        raise RuntimeError(f"slogen rejected the bench specs: {problems}")
    return {rel[len("rules/"):].rsplit(".", 1)[0]: yaml.safe_load(text)["groups"]
            for rel, text in tree.files.items() if rel.startswith("rules/")}


def compile_slogen(specs: dict[str, str], workdir: Path) -> dict[str, list[dict]]:
    """slogen's rule groups per service ({service: spec text}), compiled by the slogen of this checkout, now."""
    files = compile_tree(specs, workdir / "slogen-specs")
    return {service: files[service] for service in specs}


def narrowed(groups: list[dict], services: list[str], key: str) -> list[dict]:
    """The groups of one global shape: named after it, and reading its SLOs only.

    Deployed, the rules shared by SLOs select `slo_id!=""`: Prometheus reads that as the
    union of the postings of every `slo_id` value it holds, which in a Prometheus holding
    only this shape are its SLOs' ids.  The bench Prometheus holds every shape's, so each
    such selector gets those ids instead (`slo_id=~"a|b"`, a set of literals: the union of
    exactly those postings), not the whole bench's.  `services` must be the shape's: the ids
    are checked against them.  Ids are plain (`[a-z0-9-]`), nothing to escape."""
    ids = sorted({r["labels"]["slo_id"] for g in groups for r in g["rules"] if "slo_id" in r.get("labels", {})})
    assert ids and all(re.fullmatch(r"[a-z0-9-]+", i) and any(i.startswith(s + "-") for s in services) for i in ids), ids
    matcher = f'slo_id=~"{"|".join(ids)}"'
    return [
        {**g, "name": g["name"].replace("slogen-_shared-", f"slogen-_shared-{key}-"),
         "rules": [{**r, "expr": r["expr"].replace('slo_id!=""', matcher)} for r in g["rules"]]}
        for g in groups
    ]


def slogen_sets(all_cases: list[dict], workdir: Path, exclusions: bool = False) -> None:
    """Compile every case's slogen rules into it: `service_groups` ({service: groups}, each
    service's own file; a global shape's one `_shared`, narrowed) and `shared_groups` ([]: kept
    for the rule sets of before, whose shared file held the shared rules alone)."""
    plain = [c for c in all_cases if c["share"] == "service"]
    specs = {s: slogen_spec(s, slos, exclusions) for c in plain for s, slos in c["services"].items()}
    files = compile_tree(specs, workdir / "slogen-service") if specs else {}
    for case in all_cases:
        if case["share"] == "service":
            case["service_groups"] = {s: files[s] for s in case["services"]}
            case["shared_groups"] = []
            continue
        own = compile_tree({s: slogen_spec(s, slos, exclusions) for s, slos in case["services"].items()},
                           workdir / f"slogen-{case['key']}", "global")
        # Every service's rules are in `_shared` (its SLOs' own ones, then the shared ones).
        case["service_groups"] = {"_shared": narrowed(own["_shared"], list(case["services"]), case["key"])}
        case["shared_groups"] = []


def floor_groups(service_groups: dict[str, list[dict]]) -> list[dict]:
    """The floor: each service's two 5m base-rate rules per SLO, alone in a group at the
    interval slogen gives them, recorded (and read back) as `floor:...`."""
    pattern = re.compile(r"(?<![\w:])slo:(sli_(?:events|errors):rate5m)(?![\w:])")
    out = []
    for groups in service_groups.values():
        for group in groups:
            rules = [{**r, "record": FLOOR_PREFIX + r["record"][len("slo:"):], "expr": pattern.sub(FLOOR_PREFIX + r"\1", r["expr"])}
                     for r in group["rules"] if r.get("record") in BASE_RATES]
            if rules:
                out.append({"name": "floor-" + group["name"].removeprefix("slogen-"), "interval": group["interval"], "rules": rules})
    return out


def rule_sets(case: dict) -> dict[str, list[dict]]:
    """Every rule set of a compiled case, by name (RULE_SETS; Sloth and Pyrra at the compare size only)."""
    sets = {
        "slogen": [g for gs in case["service_groups"].values() for g in gs] + case["shared_groups"],
        "floor": floor_groups(case["service_groups"]),
    }
    if case["compare"]:
        sets["sloth"] = [g for slo, _ in case["slos"] for g in sloth_groups(slo)]
        sets["pyrra"] = [g for slo, _ in case["slos"] for g in pyrra_groups(slo)]
    return sets


# ---- what the backfill evaluates over history ---------------------------------------------

def inline_events(groups: list[dict]) -> list[dict]:
    """slogen's base-rate rules for backfilling: the errors rule reads the recorded events
    rate, which does not exist yet in history, so it gets the events expression inlined."""
    short = next(g for g in groups if g["name"].endswith("-sli-short"))
    # An SLO's exclusion state (#28) gates both rates: inlined the same way.
    states = {r["labels"]["slo_id"]: r["expr"] for r in short["rules"] if r.get("record") == "slo:exclusion:state"}

    def inline_state(rule: dict) -> dict:
        sid = rule["labels"]["slo_id"]
        ref = f'slo:exclusion:state{{slo_id="{sid}"}}'
        return {**rule, "expr": rule["expr"].replace(ref, f"({states[sid]})")} if sid in states else rule

    events = {r["labels"]["slo_id"]: inline_state(r)["expr"] for r in short["rules"] if r.get("record") == "slo:sli_events:rate5m"}
    out = []
    for rule in short["rules"]:
        if rule.get("record") == "slo:sli_events:rate5m":
            out.append(inline_state(rule))
        elif rule.get("record") == "slo:sli_errors:rate5m":
            sid = rule["labels"]["slo_id"]
            ref = f'slo:sli_events:rate5m{{slo_id="{sid}"}}'
            out.append(inline_state({**rule, "expr": rule["expr"].replace(ref, f"({events[sid]})")}))
    return out


def with_labels(expr: str, labels: dict[str, str]) -> str:
    """`expr` with a recording rule's static labels set by label_replace, as the rule would set them."""
    for key, value in sorted(labels.items()):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$")
        expr = f'label_replace({expr}, "{key}", "{escaped}", "", "")'
    return expr


def merged_for_backfill(rules: list[dict]) -> list[dict]:
    """One rule per recorded name, joining every SLO's own expression (labels set inline) with `or`.

    promtool 2.42 writes one block per rule and 2h of history, so 30 days of 24 rules are
    8,928 blocks that Prometheus then has to open and compact (several minutes); merged,
    the same series with the same values come from a few rules.  SLOs of several shapes
    that read the same series have the same expression: it is evaluated once and given
    each SLO's labels by a join on nothing (`+ on () group_right ()` with zeros).
    """
    merged: dict[str, dict[str, list[dict]]] = {}
    for rule in rules:
        merged.setdefault(rule["record"], {}).setdefault(rule["expr"], []).append(rule.get("labels", {}))
    out = []
    for name, exprs in merged.items():
        parts = []
        for expr, label_sets in exprs.items():
            if len(label_sets) == 1:
                parts.append(with_labels(f"({expr})", label_sets[0]))
            else:
                zeros = " or ".join(with_labels("vector(0)", labels) for labels in label_sets)
                parts.append(f"({expr}) + on () group_right () ({zeros})")
        out.append({"record": name, "expr": "\nor\n".join(parts)})
    return out


def backfill_stages(all_cases: list[dict]) -> tuple[list[dict], list[dict], list[dict], str]:
    """The three backfill rule lists (base rates with Sloth's 5m ratios; slogen's hourly points;
    the history count that reads them) and the hourly groups' interval."""
    base = [r for c in all_cases for groups in c["service_groups"].values() for r in inline_events(groups)]
    base += [sloth_groups(slo)[0]["rules"][0] for c in all_cases if c["compare"] for slo, _ in c["slos"]]
    hourly_groups = [g for c in all_cases for g in [*[g for gs in c["service_groups"].values() for g in gs], *c["shared_groups"]]
                     if g["name"].endswith("-sli-hourly")]
    merged = merged_for_backfill([r for g in hourly_groups for r in g["rules"]])
    points = [r for r in merged if r["record"] != PERIOD_HISTORY]
    history = [r for r in merged if r["record"] == PERIOD_HISTORY]
    return merged_for_backfill(base), points, history, hourly_groups[0]["interval"]
