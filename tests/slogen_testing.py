"""Helpers shared by the core tests (a plain module: `conftest` is not unique under tests/)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from slogen.build.compile import CompiledService
from slogen.build.options import BuildOptions
from slogen.build.pipeline import build_tree
from slogen.emit.targets import Targets
from slogen.spec.errors import Diagnostic

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


def build_options(targets: tuple[str, ...] = ("prometheus",), share_rules: str = "service", flags: dict | None = None) -> BuildOptions:
    """The options object a command line would build: targets with their flag values by
    target name and field (e.g. {"mimir": {"max_groups": "1000"}}), and rule sharing."""
    return BuildOptions(targets=Targets.of(list(targets), flags), share_rules=share_rules)


def compile_paths(paths: list[Path], options: BuildOptions = BuildOptions()) -> tuple[list[CompiledService], list[Diagnostic]]:
    """The services the one pipeline compiles from spec paths (those without problems), and every problem."""
    tree, diagnostics = build_tree(paths, options, detail=True)
    return [s.compiled for s in tree.services if s.compiled is not None], diagnostics


def warnings_of(paths: list[Path]) -> list[Diagnostic]:
    """What the pipeline warns of for these spec files (compile.spec_warnings), services in order."""
    tree, _ = build_tree(paths)
    return [warning for service in tree.services for warning in service.warnings]


def example_services():
    """The compiled services of the repository's own slo_specs/ (no diagnostics allowed)."""
    services, diagnostics = compile_paths([ROOT / "slo_specs"])
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


def compile_files(paths: list[Path], options: BuildOptions = BuildOptions()) -> dict[str, str]:
    """Compile spec files to output files, failing the test on any diagnostic."""
    tree, diagnostics = build_tree(paths, options)
    assert not diagnostics, "\n".join(map(str, diagnostics))
    return tree.files


def diagnostics_of(paths: list[Path]) -> list[str]:
    """All diagnostics for the given spec files, as printed lines."""
    return [str(d) for d in sorted(build_tree(paths)[1])]


def updating_golden() -> bool:
    """Whether this run rewrites the golden files instead of comparing (`pytest --update-golden`, conftest.py)."""
    # An environment variable, so SLOGEN_UPDATE_GOLDEN=1 (the older spelling) works too.
    return os.environ.get("SLOGEN_UPDATE_GOLDEN") == "1"


# Examples per property test in the fast tier (`pytest --fast`, make test-fast).
FAST_EXAMPLES = 20


def examples(full: int) -> int:
    """A property test's hypothesis budget: `full`, or at most FAST_EXAMPLES under --fast (conftest.py)."""
    return min(full, FAST_EXAMPLES) if os.environ.get("SLOGEN_FAST_TESTS") == "1" else full


def golden_tree(root: Path, files: dict[str, str]) -> dict[str, str]:
    """The expected files under `root`; with --update-golden they are first rewritten to `files`."""
    if updating_golden():
        for old in root.rglob("*") if root.exists() else []:
            if old.is_file() and old.relative_to(root).as_posix() not in files:
                old.unlink()
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


# The README's calendar windows and timeslices example: rule shapes no spec tree has
# (calendar period sums, UTC-offset PromQL, slice counts).
CALENDAR_SPEC = """
service: shop
slos:
  - name: availability
    objective: 99.9
    window: {calendar: month, time_zone: Europe/Berlin}
    sli:
      ratio: {errors: 'http_requests_total{code=~"5.."}', total: http_requests_total}
  - name: good-minutes
    objective: 99
    window: {calendar: month, time_zone: Europe/Berlin}
    sli:
      timeslices:
        slice: 1m
        good_when:
          latency: {histogram: http_request_duration_seconds, quantile: 0.99}
          op: lt
          threshold: 300ms
"""


def spec_trees() -> dict[str, list[Path]]:
    """The repository's examples and every test data tree's specs (not its expected/ files), by tree name."""
    trees = {"slo_specs": [ROOT / "slo_specs"]}
    for tree in sorted((ROOT / "tests" / "data").iterdir()):
        if specs := sorted(tree.glob("*.yaml")):
            trees[tree.name] = specs
    return trees


def emitted_rule_files(directory: Path, target: str, share_rules: str = "service") -> list[Path]:
    """Every rule file of `target` that slogen writes for spec_trees() and CALENDAR_SPEC, written under `directory`/<tree>/."""
    trees = {**spec_trees(), "calendar": [write_spec(directory / "calendar-spec", CALENDAR_SPEC, "shop.yaml")]}
    written = []
    for name, specs in trees.items():
        for rel, text in compile_files(specs, build_options((target,), share_rules)).items():
            if rel.startswith(f"{target}/"):
                path = directory / name / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                written.append(path)
    return written


def broken_rule_file(directory: Path, target: str, old: str, new: str) -> Path:
    """The first rule file of `target` emitted for slo_specs/, with its first `old` replaced by `new`."""
    (good, *_) = emitted_rule_files(directory, target)
    text = good.read_text()
    assert old in text
    path = directory / f"broken{good.suffix}"
    path.write_text(text.replace(old, new, 1))
    return path


def document_paths(value, prefix: tuple = ()):
    """Every path (keys and list indexes) into a parsed YAML document, the root's () first."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from document_paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from document_paths(child, prefix + (index,))
