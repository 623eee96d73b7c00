"""The real Sloth: `sloth generate` (v0.16.0, built by `make test` into .tools/bin/sloth from
tools/engines/sloth) on a spec file, and its rules renamed to sit beside slogen's in one
promtool run.  The reference for the differential tests (tests/spec/test_sloth_binary.py)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from engines import tool


@dataclass(frozen=True)
class SlothRun:
    """What `sloth generate` did with one file: its exit status, stderr, and rule groups."""

    returncode: int
    stderr: str
    groups: tuple[dict, ...]
    kinds: tuple[str, ...]  # "groups" (a rules file) or "PrometheusRule" (the Kubernetes form), per document


def binary() -> str:
    """The built sloth binary, failing the test when `make test` has not built it."""
    return tool("sloth", "sloth")


@cache
def generate(path: Path, args: tuple[str, ...] = ()) -> SlothRun:
    """`sloth generate -i PATH ARGS` (to stdout), its documents parsed (PrometheusRule objects unwrapped)."""
    result = subprocess.run([binary(), "generate", "-i", str(path), *args], capture_output=True, text=True, timeout=120)
    groups, kinds = [], []
    if result.returncode == 0:
        for doc in yaml.safe_load_all(result.stdout):
            if not doc:
                continue
            kind = doc.get("kind", "groups")
            kinds.append(kind)
            groups += doc["spec"]["groups"] if kind == "PrometheusRule" else doc["groups"]
    return SlothRun(result.returncode, result.stderr, tuple(groups), tuple(kinds))


def renamed(groups: tuple[dict, ...] | list[dict]) -> str:
    """Sloth's rules as a rules file whose series cannot collide with slogen's: `slo:*` records
    become `sloth:slo:*` (and every read of them), alert names get a `Sloth` prefix."""
    out = []
    for group in groups:
        rules = []
        for rule in group["rules"]:
            rule = dict(rule)
            if rule.get("record", "").startswith("slo:"):
                rule["record"] = "sloth:" + rule["record"]
            if "alert" in rule:
                rule["alert"] = "Sloth" + rule["alert"]
            rule["expr"] = re.sub(r"(?<![\w:])slo:", "sloth:slo:", rule["expr"])
            rules.append(rule)
        out.append({**group, "rules": rules})
    return yaml.safe_dump({"groups": out}, sort_keys=False, width=1 << 20)
