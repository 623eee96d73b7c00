"""Honest timing on a shared machine: interleaved runs, the load each was taken at, medians with their spread.

A comparison measured one tool after the other credits whichever ran while the
machine was quieter; run in turn (A B A B ...), both see the same conditions.  A
sample taken while the load average is above half the CPUs is a busy-machine figure:
`busy` marks it, and every summary says so, rather than passing it off as a quiet one.
"""

from __future__ import annotations

import os
import statistics
from typing import Callable


def cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def load_now() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]


def busy(load: float, cpu_count: int) -> bool:
    """Whether a load average means other work competed for the CPUs (above half of them)."""
    return load > cpu_count / 2


def spread(values: list[float]) -> dict:
    """Median, min, max and quartiles of samples (one sample: all the same)."""
    ordered = sorted(values)
    q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive") if len(ordered) > 1 else ordered * 3
    return {"median": statistics.median(ordered), "min": ordered[0], "max": ordered[-1], "q1": q1, "q3": q3, "n": len(ordered)}


def interleaved(runs: dict[str, Callable[[], dict]], rounds: int) -> dict[str, list[dict]]:
    """Each run `rounds` times, in turn (A B A B ...); each sample gets the load it started at."""
    samples: dict[str, list[dict]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            load = load_now()
            samples[name].append({**run(), "load_before": load, "load_after": load_now()})
    return samples


def summary(samples: list[dict], keys: tuple[str, ...] = ("wall_s", "cpu_s")) -> dict:
    """Per key the median and spread of the samples, the loads they were taken at, and whether any was busy."""
    cpu_count = cpus()
    loads = [s[k] for s in samples for k in ("load_before", "load_after") if k in s]
    out: dict = {key: spread([s[key] for s in samples]) for key in keys if all(key in s for s in samples)}
    out["load"] = spread(loads) if loads else None
    out["cpus"] = cpu_count
    out["busy"] = any(busy(load, cpu_count) for load in loads)
    out["samples"] = samples
    return out


def describe(name: str, s: dict, key: str, unit: str = "s") -> str:
    """One line: median [min..max] of a key, n, load range, and BUSY when the machine was."""
    v, load = s[key], s["load"]
    text = f"{name}: {key} {v['median']:.2f}{unit} [{v['min']:.2f}..{v['max']:.2f}] n={v['n']}"
    if load is not None:
        text += f", load {load['min']:.1f}..{load['max']:.1f} on {s['cpus']} CPUs"
    return text + (" BUSY: not a quiet-machine figure" if s["busy"] else "")
