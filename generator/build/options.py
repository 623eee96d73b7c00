"""The one options object: everything on the command line that changes what a run writes.

The CLI builds it once per command; every command compiles through
`pipeline.build_tree` with it, so `generate`, `check`, `test`, `validate` and the rest
can never disagree about the output.  Frozen and compared by value: its text is part of
the no-change record (fingerprint.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slogen.emit.gates import GateOptions
from slogen.emit.targets import Targets
from slogen.spec.formats.jsonnet import JsonnetOptions
from slogen.spec.options import SpecOptions

# "service": the rules SLOs share are written once per service file; "global": once for
# every service, in the `_shared` file beside them (one Prometheus or Mimir tenant for all).
SHARE_RULES = ("service", "global")
# `--split LEAF,GLOBAL` (emit/rules/split.py): the dialects each side may take.  A leaf is
# one cluster's Prometheus; the global is a ruler reading every cluster (or a Prometheus
# federating them).
SPLIT_LEAVES = ("prometheus", "prometheus-operator")
SPLIT_GLOBALS = ("thanos", "mimir", "cortex", "prometheus")


@dataclass(frozen=True)
class SplitOptions:
    """Each service's rules split across clusters: the leaf's and the global's dialects, and the
    external label naming a leaf's cluster."""

    leaf: str = "prometheus"
    global_: str = "thanos"
    cluster_label: str = "cluster"

    def __post_init__(self) -> None:
        if self.leaf not in SPLIT_LEAVES:
            raise ValueError(f"--split leaf dialect {self.leaf!r}: choose from {', '.join(SPLIT_LEAVES)}")
        if self.global_ not in SPLIT_GLOBALS:
            raise ValueError(f"--split global dialect {self.global_!r}: choose from {', '.join(SPLIT_GLOBALS)}")


@dataclass(frozen=True)
class BuildOptions:
    """Spec options, jsonnet variables, targets with their options, rule sharing and release gates."""

    spec: SpecOptions = field(default_factory=SpecOptions)
    jsonnet: JsonnetOptions = field(default_factory=JsonnetOptions)
    targets: Targets = field(default_factory=Targets)
    share_rules: str = "service"
    gates: GateOptions = field(default_factory=GateOptions)
    split: SplitOptions | None = None  # None: one rule file per service and target, unsplit

    def __post_init__(self) -> None:
        if self.share_rules not in SHARE_RULES:
            raise ValueError(f"--share-rules {self.share_rules!r}: choose from {', '.join(SHARE_RULES)}")

    @property
    def share_globally(self) -> bool:
        """Whether the rules SLOs share go to one file for every service."""
        return self.share_rules == "global"

    def record_text(self) -> str:
        """A stable text of every option, for the no-change record."""
        text = repr((self.spec, sorted(self.jsonnet.ext_vars.items()), sorted(self.jsonnet.ext_codes.items()), self.targets, self.share_rules, self.gates))
        return text if self.split is None else f"{text} {self.split!r}"
