"""The rule engines the tests run on: Debian's Prometheus 2.42 and a pinned 3.x built from Go modules.

`make test` installs the first (apt) and builds the second into .tools/bin/ (tools/engines.mk),
with the other Go-built checkers (`tool`: Thanos' and Cortex's rule checks).
A missing engine fails the run; it is never skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS_BIN = Path(os.environ.get("SLOGEN_TOOLS_BIN", ROOT / ".tools" / "bin"))


@dataclass(frozen=True)
class Engine:
    """One Prometheus line: its promtool and server binaries."""

    name: str
    promtool: str
    prometheus: str

    @property
    def major(self) -> int:
        """2 or 3: the rule semantics that differ (range selectors, `le` text, UTF-8 names)."""
        return int(self.name.split("-")[1].split(".")[0])


PROMETHEUS_2 = "prometheus-2.42"
PROMETHEUS_3 = "prometheus-3"
NAMES = (PROMETHEUS_2, PROMETHEUS_3)


def _require(path: str | None, what: str, how: str) -> str:
    if not path or not Path(path).exists():
        pytest.fail(f"{what} is missing: {how}")
    return str(path)


@cache
def engine(name: str) -> Engine:
    """The engine of that name, failing the test when its binaries are missing."""
    if name == PROMETHEUS_2:
        how = "run `make test`, which installs Debian's prometheus package"
        return Engine(name, _require(shutil.which("promtool"), "promtool 2.42", how), _require(shutil.which("prometheus"), "prometheus 2.42", how))
    how = "run `make test`, which builds it from tools/engines/prometheus (make engines)"
    return Engine(name, _require(str(TOOLS_BIN / "promtool3"), "promtool 3", how), _require(str(TOOLS_BIN / "prometheus3"), "prometheus 3", how))


@cache
def version(binary: str) -> str:
    """`promtool --version`'s first line (to name the engine in a failure)."""
    return subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60).stdout.splitlines()[0]


def tool(name: str, module: str) -> str:
    """A binary `make test` builds into .tools/bin/ from tools/engines/<module>, failing the test when it is missing."""
    return _require(str(TOOLS_BIN / name), name, f"run `make test`, which builds it from tools/engines/{module} (make engines)")


def pinned(module: str, path: str) -> str:
    """The version of Go module `path` pinned in tools/engines/<module>/go.mod (to check a binary says it)."""
    for line in (ROOT / "tools" / "engines" / module / "go.mod").read_text().splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0] == path:
            return fields[1]
    raise AssertionError(f"{path} is not pinned in tools/engines/{module}/go.mod")
