"""Compile throughput: `slogen generate` end to end on a synthetic tree, against the YAML floor.

Each round, in one temp dir: a full generate (no output, no record) and a no-change
re-run; medians are reported.  Then, once, the floor (bench/yaml_floor.py: the same
spec files through CSafeLoader, every output document through CSafeDumper).  A cProfile of the in-process
compile says where the time goes.

    python -m bench.compile_speed --services 1000 --slos 10 --rounds 3 --json out.json
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from .measure import measure
from .synthetic import write_spec_tree

ROOT = Path(__file__).resolve().parent.parent


def _slogen(*args: str) -> list[str]:
    return [sys.executable, "-m", "slogen.cli", *args]


def _clear(work: Path) -> None:
    """Remove the output and slogen's record of it, so the next run starts cold."""
    shutil.rmtree(work / "out", ignore_errors=True)
    (work / ".out.slogen-inputs.json").unlink(missing_ok=True)


def _floor(work: Path) -> dict:
    shutil.rmtree(work / "floor", ignore_errors=True)
    result = subprocess.run(
        [sys.executable, "-m", "bench.yaml_floor", "specs", "out", "floor"],
        cwd=work, capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    data = json.loads(result.stdout)
    data["wall_s"] = data["load_wall_s"] + data["dump_wall_s"]
    data["cpu_s"] = data["load_cpu_s"] + data["dump_cpu_s"]
    return data


def profile_compile(work: Path, top: int = 15) -> list[dict]:
    """Top cumulative entries of the whole per-file pipeline in one process (no disk writes)."""
    from slogen.build.pipeline import build_tree

    profiler = cProfile.Profile()
    cwd = os.getcwd()
    os.chdir(work)
    try:
        profiler.enable()
        build_tree([Path("specs")])
        profiler.disable()
    finally:
        os.chdir(cwd)
    stats = pstats.Stats(profiler)
    total = max(stats.total_tt, 1e-9)  # type: ignore[attr-defined]
    rows = []
    for (path, line, func), (_, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = Path(path).name if "site-packages" not in path else "/".join(Path(path).parts[-2:])
        rows.append({"function": f"{where}:{line}({func})", "calls": calls, "tottime_s": tottime, "cumtime_s": cumtime,
                     "cum_share": cumtime / total})
    rows.sort(key=lambda r: -r["cumtime_s"])
    # Entries that are just the call chain (each ~100%) say nothing; keep the informative ones.
    return [r for r in rows if r["cum_share"] < 0.99][:top]


def run(services: int, slos: int, rounds: int, profile: bool = True) -> dict:
    """Measure full runs, no-change re-runs and the floor; medians and every raw sample."""
    work = Path(tempfile.mkdtemp(prefix="slogen-bench-compile-"))
    try:
        write_spec_tree(work / "specs", services, slos)
        full, rerun = [], []
        for _ in range(rounds):
            _clear(work)
            full.append(measure(_slogen("generate", "specs", "--out", "out"), work))
            rerun.append(measure(_slogen("generate", "specs", "--out", "out"), work))
        # The floor is the same work every time, and minutes of it (hundreds of MB
        # through CSafeDumper): measured once.
        floor = [_floor(work)]
        output_bytes = sum(p.stat().st_size for p in (work / "out").rglob("*") if p.is_file())
        spec_bytes = sum(p.stat().st_size for p in (work / "specs").rglob("*") if p.is_file())
        result = {
            "services": services,
            "slos": services * slos,
            "rounds": rounds,
            "spec_bytes": spec_bytes,
            "output_bytes": output_bytes,
            "full": _summary(full),
            "rerun": _summary(rerun),
            "floor": _summary(floor),
            "cpu_count": os.cpu_count(),
            "loadavg_at_end": os.getloadavg(),
        }
        result["full_over_floor_wall"] = result["full"]["wall_s"] / result["floor"]["wall_s"]
        result["full_over_floor_cpu"] = result["full"]["cpu_s"] / result["floor"]["cpu_s"]
        result["rerun_over_full_wall"] = result["rerun"]["wall_s"] / result["full"]["wall_s"]
        if profile:
            result["profile"] = profile_compile(work)
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _summary(samples: list[dict]) -> dict:
    keys = [k for k in samples[0] if isinstance(samples[0][k], (int, float))]
    out = {k: statistics.median(s[k] for s in samples) for k in keys}
    out["samples"] = samples
    return out


def main() -> None:
    """Command line: run, print a short summary, optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--slos", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.services, args.slos, args.rounds)
    for key in ("full", "rerun", "floor"):
        r = result[key]
        print(f"{key:6s} wall {r['wall_s']:6.2f}s  cpu {r['cpu_s']:6.2f}s" + (f"  peak {r['peak_rss_mib']:.0f} MiB" if "peak_rss_mib" in r else ""))
    print(f"full/floor: wall {result['full_over_floor_wall']:.2f}x cpu {result['full_over_floor_cpu']:.2f}x; rerun/full {result['rerun_over_full_wall']:.3f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
