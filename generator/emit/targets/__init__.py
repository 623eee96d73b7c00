"""Deployment targets: thin wrappers that put one rule-group model into each ruler's file format.

| target              | file                                  |
|---------------------|---------------------------------------|
| prometheus          | rules/<service>.yml                   |
| prometheus-operator | prometheus-operator/<service>.yaml    |
| mimir, cortex       | mimir/<service>.yaml, cortex/<service>.yaml |
| thanos              | thanos/<service>.yml                  |
| vmalert             | vmalert/<service>.yml                 |

A dialect is one module with a `Target` (base.py), registered in `TARGETS` below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from slogen.emit.rules.recording import Group
from slogen.emit.targets import mimir, operator, prometheus, thanos, vmalert
from slogen.emit.targets.base import HEADER, LEAF_SIDE, SHARED, Flag, ServiceGroups, Target, TargetError, side_name
from slogen.spec.errors import Problem

__all__ = [
    "DEFAULT_TARGETS", "HEADER", "LEAF_SIDE", "PROMTOOL", "SHARED", "TARGETS", "Flag", "ServiceGroups", "Target", "TargetError",
    "Targets", "parse_targets", "side_name",
]

TARGETS: dict[str, Target] = {
    target.name: target for target in (prometheus.TARGET, operator.TARGET, mimir.TARGET, mimir.CORTEX, thanos.TARGET, vmalert.TARGET)
}
DEFAULT_TARGETS = (prometheus.TARGET.name,)
# The dialect `promtool test rules` loads: the generated tests read its files.
PROMTOOL = prometheus.TARGET


def parse_targets(values: list[str] | None) -> tuple[str, ...]:
    """Target names from repeated and/or comma-separated options, in registry order, deduplicated."""
    names = [part.strip() for value in values or [] for part in value.split(",") if part.strip()]
    unknown = [name for name in names if name not in TARGETS]
    if unknown:
        raise TargetError(f"unknown target {unknown[0]!r}; choose from {', '.join(TARGETS)}")
    if values and not names:
        raise TargetError("--target needs a target name; choose from " + ", ".join(TARGETS))
    return tuple(name for name in TARGETS if name in names) or DEFAULT_TARGETS


def all_flags() -> tuple[tuple[Target, Flag], ...]:
    """Every target's command-line options, in registry order."""
    return tuple((target, flag) for target in TARGETS.values() for flag in target.flags)


@dataclass(frozen=True)
class Targets:
    """The dialects a run writes, each with its own options (frozen, comparable, in registry order)."""

    chosen: tuple[tuple[str, Any], ...] = ((prometheus.TARGET.name, prometheus.TARGET.options()),)

    @classmethod
    def of(cls, names: list[str] | None = None, given: dict[str, dict[str, Any]] | None = None) -> "Targets":
        """The targets named (`--target` values) with the flag values given per target name.

        A flag of a target that is not written would silently do nothing: refused."""
        chosen = parse_targets(names)
        for name, values in (given or {}).items():
            if values and name not in chosen:
                flags = "/".join(flag.name for flag in TARGETS[name].flags)
                raise TargetError(f"{flags} need --target {name}")
        return cls(tuple((name, TARGETS[name].configure((given or {}).get(name, {}))) for name in chosen))

    @property
    def names(self) -> tuple[str, ...]:
        """The target names, in registry order."""
        return tuple(name for name, _ in self.chosen)

    @property
    def read_groups(self) -> bool:
        """Whether a chosen target's run-wide check reads the groups' sizes."""
        return any(TARGETS[name].reads_groups for name in self.names)

    def reads_groups(self, split: Sequence[str] = ()) -> bool:
        """Whether a run-wide check reads the groups' sizes: a chosen target's, or a `split` side's dialect's."""
        return self.read_groups or any(TARGETS[name].reads_groups for name in split)

    def including(self, target: Target) -> "Targets":
        """These targets and `target` (with its default options) if it is not among them."""
        if target.name in self.names:
            return self
        return Targets(tuple(sorted((*self.chosen, (target.name, target.options())), key=lambda c: list(TARGETS).index(c[0]))))

    def render(
        self, service: str, source: str, groups: Callable[[], tuple[Group, ...]], text: Callable[[str], str] | None = None
    ) -> dict[str, str]:
        """Each chosen target's file of one rule file, by path under the output directory.

        `groups` is called only by a dialect that needs them; `text` is the rule file's
        own text where a dialect can take it (base.Target.from_text)."""
        files = {}
        built: list[tuple[Group, ...]] = []

        def once() -> tuple[Group, ...]:
            if not built:
                built.append(groups())
            return built[0]

        for name, options in self.chosen:
            target = TARGETS[name]
            files[target.path(service)] = target.render_file(service, source, once, options, text)
        return files

    def render_split(self, service: str, source: str, sides: Sequence[tuple[str, str, tuple[Group, ...]]]) -> dict[str, str]:
        """The files of a split service (emit/rules/split.py), by path: per (side, dialect, groups),
        `<dialect folder>/<side>/<service>.<ext>` with this run's options for that dialect, and
        promtool's dialect's file of each side, which the generated tests load."""
        files = {}
        given = dict(self.chosen)
        for side, name, groups in sides:
            for target in dict.fromkeys((TARGETS[name], PROMTOOL)):
                options = given.get(target.name, target.options())
                files[target.path(f"{side}/{service}")] = target.render_file(side_name(service, side), source, groups, options)
        return files

    def refusals(self, spec: Any) -> list[Problem]:
        """What the chosen targets' engines cannot evaluate in one spec, located in it."""
        return [problem for name in self.names if TARGETS[name].refuse is not None for problem in TARGETS[name].refuse(spec)]

    def check(self, services: Sequence[ServiceGroups], split: Sequence[tuple[str, str]] = ()) -> None:
        """Every run-wide check (TargetError), once per run, over the files each dialect is written:
        a chosen target's unsplit files, and under --split each (side, dialect)'s side files."""
        given = dict(self.chosen)
        written: dict[str, list[ServiceGroups]] = {name: list(services) for name in self.names}
        for side, name in split:
            written.setdefault(name, []).extend(part for s in services for part in s.split if part.side == side)
        for name, files in written.items():
            TARGETS[name].check(files, given.get(name, TARGETS[name].options()))
