"""Synthetic spec trees: many services, every SLI kind, labels, as `make generate` sees them.

The metric names are shared with eval_cost.py, which backfills series under them.
"""

from __future__ import annotations

from pathlib import Path

# One of each SLI kind, rotated through a service's SLOs, so every code path is timed.
KINDS = ("ratio", "latency", "query")
OBJECTIVES = ("99.9", "99.5", "99", "99.95", "95")
LATENCY_THRESHOLD = 0.3


def service_name(index: int) -> str:
    """Name of the index-th synthetic service."""
    return f"svc{index:04d}"


def slo_kind(slo_index: int) -> str:
    """SLI kind of a service's slo_index-th SLO."""
    return KINDS[slo_index % len(KINDS)]


def _sli(kind: str, service: str, slo_index: int) -> list[str]:
    job = f'job="{service}", slo="s{slo_index}"'
    if kind == "ratio":
        return [
            "      ratio:",
            f"        errors: bench_requests_total{{{job}, code=~\"5..\"}}",
            f"        total: bench_requests_total{{{job}}}",
        ]
    if kind == "latency":
        return [
            "      latency:",
            f"        histogram: bench_request_duration_seconds{{{job}}}",
            f"        threshold: {LATENCY_THRESHOLD}",
        ]
    return [
        "      query:",
        f"        errors: sum(rate(bench_requests_total{{{job}, code=~\"5..\"}}[{{{{window}}}}]))",
        f"        total: sum(rate(bench_requests_total{{{job}}}[{{{{window}}}}]))",
    ]


def service_spec(index: int, slos: int) -> str:
    """YAML text of one synthetic service with `slos` SLOs."""
    service = service_name(index)
    lines = [
        f"# Synthetic service {index} for slogen's benchmarks.",
        f"service: {service}",
        "labels:",
        f"  team: team{index % 37}",
        f'  tier: "{1 + index % 3}"',
        "slos:",
    ]
    for j in range(slos):
        kind = slo_kind(j)
        lines += [
            f"  - name: {kind}-{j}",
            f"    objective: {OBJECTIVES[(index + j) % len(OBJECTIVES)]}",
            "    window: 30d",
            f"    description: Synthetic {kind} SLO {j} of {service}.",
            "    labels:",
            f"      owner: {service}-owner",
            "    sli:",
            *_sli(kind, service, j),
            "    alerting:",
            "      annotations:",
            f"        runbook_url: https://runbooks.example.com/{service}/{j}",
        ]
    return "\n".join(lines) + "\n"


def write_spec_tree(root: Path, services: int, slos: int) -> list[Path]:
    """Write `services` spec files under root (in a few subdirectories, like teams do)."""
    paths = []
    for i in range(services):
        path = root / f"team{i % 10}" / f"{service_name(i)}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(service_spec(i, slos))
        paths.append(path)
    return paths
