"""Run one command and report its wall time, CPU time and peak RSS, as JSON on stdout.

A child's peak RSS is only available as the maximum over all children a process has
waited for (RUSAGE_CHILDREN), so each measured command gets this fresh wrapper as
its only parent.

    python -m bench.measure -- slogen generate specs --out out
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def measure(argv: list[str], cwd: Path, pythonpath: Path | None = None) -> dict:
    """Run argv under a fresh wrapper; wall_s, cpu_s (user + sys) and peak_rss_mib of argv.

    `pythonpath`: a directory to import first (compile_speed.py's way to run another checkout)."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.measure", "--", *argv], cwd=cwd, capture_output=True, text=True, env=_env(pythonpath)
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _env(first: Path | None = None) -> dict:
    # The wrapper runs from the benchmark's temp dir: point it at this checkout.
    paths = [str(first)] if first is not None else []
    paths.append(str(Path(__file__).resolve().parent.parent))
    if os.environ.get("PYTHONPATH"):
        paths.append(os.environ["PYTHONPATH"])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def main() -> None:
    """Wrapper entry point: run the command after `--`, print its usage as JSON."""
    argv = sys.argv[sys.argv.index("--") + 1:]
    start = time.perf_counter()
    child = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    if child.returncode != 0:
        sys.stderr.buffer.write(child.stderr)
        sys.exit(child.returncode)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mib": usage.ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
