"""Helpers shared by the core tests (a plain module: `conftest` is not unique under tests/)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from slogen.build.compile import compile_all, output_files
from slogen.spec.load import load_specs

ROOT = Path(__file__).resolve().parent.parent


# One small ratio SLO, the spec most CLI tests start from.
API_SPEC = """
service: api
slos:
  - name: availability
    objective: 99.9
    sli:
      ratio:
        errors: http_requests_total{job="api", code=~"5.."}
        total: http_requests_total{job="api"}
"""




def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under a directory with its bytes."""
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def run_slogen(*args: str, cwd: Path = ROOT, timeout: float | None = 120) -> subprocess.CompletedProcess:
    """The CLI in a fresh interpreter (`python -m slogen`), as users run it; wide columns for rich."""
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "slogen", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=timeout)


def example_services():
    """The compiled services of the repository's own slo_specs/ (no diagnostics allowed)."""
    loaded, diagnostics = load_specs([ROOT / "slo_specs"])
    assert not diagnostics
    services, diagnostics = compile_all(loaded)
    assert not diagnostics
    return services


def run_promtool(promtool: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run promtool, capturing its output as text."""
    return subprocess.run([promtool, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def write_spec(directory: Path, text: str, name: str = "spec.yaml") -> Path:
    """Write a dedented spec file and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def compile_files(paths: list[Path]) -> dict[str, str]:
    """Compile spec files to output files, failing the test on any diagnostic."""
    loaded, diagnostics = load_specs(paths)
    services, more = compile_all(loaded)
    diagnostics += more
    assert not diagnostics, "\n".join(map(str, diagnostics))
    return output_files(services)


def diagnostics_of(paths: list[Path]) -> list[str]:
    """All diagnostics for the given spec files, as printed lines."""
    loaded, diagnostics = load_specs(paths)
    _, more = compile_all(loaded)
    return [str(d) for d in sorted(diagnostics + more)]


def golden_tree(root: Path, files: dict[str, str]) -> dict[str, str]:
    """The expected files under `root`; with SLOGEN_UPDATE_GOLDEN=1 they are first rewritten to `files`."""
    if os.environ.get("SLOGEN_UPDATE_GOLDEN") == "1":
        for old in root.rglob("*") if root.exists() else []:
            if old.is_file() and old.relative_to(root).as_posix() not in files:
                old.unlink()
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}
