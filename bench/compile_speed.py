"""Compile throughput: `slogen generate` end to end on a synthetic tree, against the YAML floor.

Each round, in one temp dir: a full generate (no output, no record) and a no-change
re-run; medians with their spread and the load each run started and ended at are
reported (bench/load.py), and BUSY when the machine was.  With `--against CHECKOUT`
(another slogen checkout, e.g. a worktree of main) its runs are interleaved with
this one's, round by round (A B A B ...), so both see the same machine.  Then, once,
the floor (bench/yaml_floor.py: the same spec files through CSafeLoader, every output
document through CSafeDumper).  A cProfile of the in-process compile says where the
time goes.

    python -m bench.compile_speed --services 1000 --slos 10 --rounds 3 --json out.json
    python -m bench.compile_speed --rounds 5 --against ../main --no-floor --no-profile
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

from .load import SAMPLE_KEYS, SUMMARY_KEYS, describe, interleaved, load_now, summary, timed
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


def _importing(checkout: Path, work: Path, name: str) -> Path:
    """A directory that imports `slogen` from `checkout` (its package lives in generator/)."""
    shim = work / "import" / name
    shim.mkdir(parents=True, exist_ok=True)
    (shim / "slogen").symlink_to(checkout.resolve() / "generator")
    return shim


def run(services: int, slos: int, rounds: int, profile: bool = True, against: Path | None = None, floor: bool = True) -> dict:
    """Measure full runs, no-change re-runs (interleaved with `against`'s) and the floor; medians, spread, loads."""
    work = Path(tempfile.mkdtemp(prefix="slogen-bench-compile-"))
    try:
        write_spec_tree(work / "specs", services, slos)
        checkouts = {"this": ROOT, **({"against": against} if against is not None else {})}
        runs = {}
        for name, checkout in checkouts.items():
            imports = _importing(checkout, work, name)

            def full(imports: Path = imports) -> dict:
                _clear(work)
                return measure(_slogen("generate", "specs", "--out", "out"), work, imports)

            def rerun(imports: Path = imports) -> dict:
                return measure(_slogen("generate", "specs", "--out", "out"), work, imports)

            runs[f"{name} full"], runs[f"{name} rerun"] = full, rerun
        samples = interleaved(runs, rounds)
        output_bytes = sum(p.stat().st_size for p in (work / "out").rglob("*") if p.is_file())
        spec_bytes = sum(p.stat().st_size for p in (work / "specs").rglob("*") if p.is_file())
        result = {
            "services": services,
            "slos": services * slos,
            "rounds": rounds,
            "spec_bytes": spec_bytes,
            "output_bytes": output_bytes,
            "full": _summary(samples["this full"]),
            "rerun": _summary(samples["this rerun"]),
            "cpu_count": os.cpu_count(),
        }
        if against is not None:
            result["against"] = {"checkout": str(against), "full": _summary(samples["against full"]), "rerun": _summary(samples["against rerun"])}
            # Per round, this run over the other's taken just before or after it: the ratio's spread.
            pairs = list(zip(samples["this full"], samples["against full"]))
            result["against"]["this_over_against"] = {
                key: summary([{key: a[key] / b[key]} for a, b in pairs], (key,))[key] for key in ("wall_s", "cpu_s")
            }
        if floor:
            # The floor is the same work every time, and minutes of it (hundreds of MB
            # through CSafeDumper): measured once.
            result["floor"] = _summary([timed(lambda: _floor(work))])
            result["full_over_floor_wall"] = result["full"]["wall_s"] / result["floor"]["wall_s"]
            result["full_over_floor_cpu"] = result["full"]["cpu_s"] / result["floor"]["cpu_s"]
        result["rerun_over_full_wall"] = result["rerun"]["wall_s"] / result["full"]["wall_s"]
        result["loadavg_at_end"] = os.getloadavg()
        if profile:
            load = load_now()
            result["profile"] = profile_compile(work)
            result["profile_load"] = [load, load_now()]
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _summary(samples: list[dict]) -> dict:
    """Medians at the top level (what the report reads), and bench/load.py's spread, loads and busy mark."""
    keys = [k for k in samples[0] if isinstance(samples[0][k], (int, float)) and k not in SAMPLE_KEYS]
    out = {k: statistics.median(s[k] for s in samples) for k in keys}
    spread = summary(samples, tuple(keys))
    out["spread"] = {k: spread[k] for k in keys}
    out.update({k: spread[k] for k in SUMMARY_KEYS}, samples=samples)
    return out


def main() -> None:
    """Command line: run, print a short summary, optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--slos", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", type=Path, help="another slogen checkout, run interleaved with this one")
    parser.add_argument("--no-floor", dest="floor", action="store_false", help="skip the YAML floor (minutes)")
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.services, args.slos, args.rounds, args.profile, args.against, args.floor)
    rows = [("this", result)] + ([("against", result["against"])] if "against" in result else [])
    for who, runs in rows:
        for key in ("full", "rerun"):
            for measure_key in ("wall_s", "cpu_s"):
                print(describe(f"{who} {key}", {**runs[key]["spread"], **{k: runs[key][k] for k in SUMMARY_KEYS}}, measure_key))
    if "against" in result:
        for key, ratio in result["against"]["this_over_against"].items():
            print(f"this/against {key}: median {ratio['median']:.3f} [{ratio['min']:.3f}..{ratio['max']:.3f}] over {ratio['n']} interleaved rounds")
    if "floor" in result:
        print(f"floor wall {result['floor']['wall_s']:.2f}s cpu {result['floor']['cpu_s']:.2f}s; "
              f"full/floor: wall {result['full_over_floor_wall']:.2f}x cpu {result['full_over_floor_cpu']:.2f}x")
    print(f"rerun/full {result['rerun_over_full_wall']:.3f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
