"""Honest timing on a shared machine: interleaved runs, the load each was taken at, medians with their spread.

A comparison measured one tool after the other credits whichever ran while the
machine was quieter; run in turn (A B A B ...), both see the same conditions.  A
sample taken while the load average is above half the CPUs is a busy-machine figure:
`busy` marks it, and every summary says so, rather than passing it off as a quiet one.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from pathlib import Path
from typing import Callable

# How long a sample waits for the load to fall; the smoke tests set it to 0.
SETTLE_S = float(os.environ.get("BENCH_SETTLE_S", "150"))

# The machine figures: each summary key and the sample key `timed` records it under.  A
# new figure is added here (and recorded by `timed`); the benches that tell a sample's
# measurements from its machine figures read SAMPLE_KEYS and SUMMARY_KEYS.
_FIGURES = {"load": "load_before", "load_after": "load_after", "other_cores": "other_cores"}
SAMPLE_KEYS = tuple(_FIGURES.values())
SUMMARY_KEYS = (*_FIGURES, "busy", "cpus")


def cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def load_now() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]


def settle(max_wait: float | None = None, poll: float = 5.0) -> float:
    """Wait (at most max_wait, by default SETTLE_S, seconds) for the load to fall to half the CPUs; the load then."""
    deadline = time.monotonic() + (SETTLE_S if max_wait is None else max_wait)
    load = load_now()
    while busy(load, cpus()) and time.monotonic() < deadline:
        time.sleep(poll)
        load = load_now()
    return load


def _machine_cpu_s() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (None off Linux)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(run: Callable[[], dict]) -> dict:
    """One sample: settle, run, and record the load before and after and the cores other work took meanwhile."""
    load = settle()
    machine, own, start = _machine_cpu_s(), _own_cpu_s(), time.monotonic()
    result = run()
    wall = time.monotonic() - start
    after = _machine_cpu_s()
    sample = {**result, "load_before": load, "load_after": load_now()}
    if machine is not None and after is not None and wall > 0:
        sample["other_cores"] = max(0.0, (after - machine) - (_own_cpu_s() - own)) / wall
    return sample


def busy(load: float, cpu_count: int) -> bool:
    """Whether a load average means other work competed for the CPUs (above half of them)."""
    return load > cpu_count / 2


def spread(values: list[float]) -> dict:
    """Median, min, max and quartiles of samples (one sample: all the same)."""
    ordered = sorted(values)
    q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive") if len(ordered) > 1 else ordered * 3
    return {"median": statistics.median(ordered), "min": ordered[0], "max": ordered[-1], "q1": q1, "q3": q3, "n": len(ordered)}


def interleaved(runs: dict[str, Callable[[], dict]], rounds: int) -> dict[str, list[dict]]:
    """Each run `rounds` times, in turn (A B A B ...); each sample gets the load it started at (timed)."""
    samples: dict[str, list[dict]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            samples[name].append(timed(run))
    return samples


def summary(samples: list[dict], keys: tuple[str, ...] = ("wall_s", "cpu_s")) -> dict:
    """Per key the median and spread of the samples, the loads they were taken at, and whether any was busy.

    Busy means a run started at a load above half the CPUs, or other work took more
    than half of them while it ran.  The load after a run counts the run itself, so
    it is reported (`load_after`) but judges nothing.
    """
    cpu_count = cpus()
    seen = {figure: [s[key] for s in samples if key in s] for figure, key in _FIGURES.items()}
    out: dict = {key: spread([s[key] for s in samples]) for key in keys if all(key in s for s in samples)}
    out.update({figure: spread(values) if values else None for figure, values in seen.items()})
    out["cpus"] = cpu_count
    out["busy"] = any(busy(x, cpu_count) for x in seen["load"] + seen["other_cores"])
    out["samples"] = samples
    return out


def describe(name: str, s: dict, key: str, unit: str = "s") -> str:
    """One line: median [min..max] of a key, n, load range, and BUSY when the machine was."""
    v, load = s[key], s["load"]
    text = f"{name}: {key} {v['median']:.2f}{unit} [{v['min']:.2f}..{v['max']:.2f}] n={v['n']}"
    if load is not None:
        text += f", load {load['min']:.1f}..{load['max']:.1f} at start on {s['cpus']} CPUs"
    if s.get("other_cores") is not None:
        text += f", others took {s['other_cores']['max']:.2f} cores at most"
    return text + (" BUSY: not a quiet-machine figure" if s["busy"] else "")
