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


@dataclass(frozen=True)
class BuildOptions:
    """Spec options, jsonnet variables, targets with their options, rule sharing and release gates."""

    spec: SpecOptions = field(default_factory=SpecOptions)
    jsonnet: JsonnetOptions = field(default_factory=JsonnetOptions)
    targets: Targets = field(default_factory=Targets)
    share_rules: str = "service"
    gates: GateOptions = field(default_factory=GateOptions)

    def __post_init__(self) -> None:
        if self.share_rules not in SHARE_RULES:
            raise ValueError(f"--share-rules {self.share_rules!r}: choose from {', '.join(SHARE_RULES)}")

    @property
    def share_globally(self) -> bool:
        """Whether the rules SLOs share go to one file for every service."""
        return self.share_rules == "global"

    def record_text(self) -> str:
        """A stable text of every option, for the no-change record."""
        return repr((self.spec, sorted(self.jsonnet.ext_vars.items()), sorted(self.jsonnet.ext_codes.items()), self.targets, self.share_rules, self.gates))
