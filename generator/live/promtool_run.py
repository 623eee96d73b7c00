"""Run `promtool test rules` on generated test files: the I/O edge of `slogen test`."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from slogen.errors import PromtoolMissing


@dataclass(frozen=True)
class PromtoolResult:
    """The outcome of one test file."""

    path: Path
    passed: bool
    output: str
    seconds: float


def find_promtool() -> str:
    """The promtool to run: $SLOGEN_PROMTOOL, else the one on PATH."""
    configured = os.environ.get("SLOGEN_PROMTOOL")
    found = shutil.which(configured or "promtool")
    if not found:
        where = f"SLOGEN_PROMTOOL={configured}" if configured else "promtool on PATH"
        raise PromtoolMissing(f"{where} not found: install it with `make promtool`")
    return found


# Native histogram input series, which promtool 2 cannot parse ("unexpected character in
# series sequence: '{'"); emit/promtool writes them for `format: native` latency SLOs.
NATIVE_NOTATION = "{{schema:"


def promtool_major(promtool: str) -> int:
    """The major version `promtool --version` reports (0 when it does not say)."""
    proc = subprocess.run([promtool, "--version"], capture_output=True, text=True, check=False)
    words = (proc.stdout + proc.stderr).split()
    version = words[words.index("version") + 1] if "version" in words[:-1] else ""
    head = version.split(".")[0]
    return int(head) if head.isdigit() else 0


def _run_one(promtool: str, path: Path, major: int = 3) -> PromtoolResult:
    started = time.monotonic()
    if major < 3 and NATIVE_NOTATION in path.read_text(encoding="utf-8"):
        message = f"{path}: native histogram input series need promtool 3 ({promtool} is {major}.x): set SLOGEN_PROMTOOL to a promtool 3\n"
        return PromtoolResult(path, False, message, 0.0)
    # promtool resolves rule_files against the test file's directory, so the cwd is irrelevant.
    proc = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True, check=False)
    return PromtoolResult(path, proc.returncode == 0, proc.stdout + proc.stderr, time.monotonic() - started)


def run_promtool_tests(paths: list[Path], jobs: int | None = None) -> list[PromtoolResult]:
    """Run every test file, several at once (promtool uses one core per file), in input order."""
    promtool = find_promtool()
    major = promtool_major(promtool)
    workers = max(1, min(len(paths), jobs or os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda p: _run_one(promtool, p, major), paths))


def run_generated_tests(
    out: Path, files: dict[str, str], loads: dict[str, tuple[str, ...]], compiled_only: set[str], jobs: int | None = None
) -> list[PromtoolResult]:
    """Run every generated test file (`loads`: test file -> the rule files it loads, relative to tests/).

    A test file that loads a rule file in `compiled_only` (one no chosen target writes to
    `out`) runs from a temporary folder holding it and its rule files, from `files`;
    every other one runs from `out`, as CI would.  Results name the files in `out`.
    """
    tests = [rel for rel in sorted(files) if rel in loads]
    with tempfile.TemporaryDirectory(prefix="slogen-test-") as tmp:
        paths = []
        for rel in tests:
            rules = [os.path.normpath(f"tests/{path}") for path in loads[rel]]
            if any(path in compiled_only for path in rules):
                for path in rules:
                    _materialize(Path(tmp), path, files[path])
                paths.append(_materialize(Path(tmp), rel, files[rel]))
            else:
                paths.append(out / rel)
        results = run_promtool_tests(paths, jobs)
    return [replace(result, path=out / rel) for rel, result in zip(tests, results)]


def _materialize(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
