"""Deployment targets: thin wrappers that put one rule-group model into each ruler's file format.

| target              | file                                  |
|---------------------|---------------------------------------|
| prometheus          | rules/<service>.yml                   |
| prometheus-operator | prometheus-operator/<service>.yaml    |
| mimir, cortex       | mimir/<service>.yaml, cortex/<service>.yaml |
| thanos              | thanos/<service>.yml                  |
| vmalert             | vmalert/<service>.yml                 |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from slogen.emit.rules.recording import Group
from slogen.emit.targets import mimir, operator, prometheus, thanos, vmalert
from slogen.emit.targets.base import HEADER, TargetError, TargetOptions

__all__ = ["DEFAULT_TARGETS", "HEADER", "TARGETS", "TargetError", "TargetOptions", "parse_targets", "target_files"]

Render = Callable[[str, str, tuple[Group, ...], TargetOptions], str]


@dataclass(frozen=True)
class Target:
    """Where a target's files go and how one service's file is rendered."""

    folder: str
    extension: str
    render: Render


TARGETS: dict[str, Target] = {
    "prometheus": Target(prometheus.FOLDER, prometheus.EXTENSION, prometheus.render),
    "prometheus-operator": Target(operator.FOLDER, operator.EXTENSION, operator.render),
    "mimir": Target(mimir.FOLDER, mimir.EXTENSION, mimir.render),
    # Cortex's ruler and cortextool take the same namespace file as Mimir's.
    "cortex": Target("cortex", mimir.EXTENSION, mimir.render_cortex),
    "thanos": Target(thanos.FOLDER, thanos.EXTENSION, thanos.render),
    "vmalert": Target(vmalert.FOLDER, vmalert.EXTENSION, vmalert.render),
}
DEFAULT_TARGETS = ("prometheus",)


def parse_targets(values: list[str] | None) -> tuple[str, ...]:
    """Target names from repeated and/or comma-separated options, in registry order, deduplicated."""
    names = [part.strip() for value in values or [] for part in value.split(",") if part.strip()]
    unknown = [name for name in names if name not in TARGETS]
    if unknown:
        raise TargetError(f"unknown target {unknown[0]!r}; choose from {', '.join(TARGETS)}")
    if values and not names:
        raise TargetError("--target needs a target name; choose from " + ", ".join(TARGETS))
    return tuple(name for name in TARGETS if name in names) or DEFAULT_TARGETS


def check_options(targets: tuple[str, ...], options: TargetOptions) -> None:
    """Refuse operator settings when no PrometheusRule is produced: they would silently do nothing."""
    if "prometheus-operator" not in targets and (options.operator_namespace or options.operator_labels):
        raise TargetError("--operator-namespace/--operator-label need --target prometheus-operator")


def target_files(services: list[tuple[str, str, tuple[Group, ...]]], targets: tuple[str, ...], options: TargetOptions) -> dict[str, str]:
    """Each target's file for each (service, source, groups), by path under the output directory."""
    check_options(targets, options)
    if "prometheus-operator" in targets:
        operator.check_services([service for service, _, _ in services])
    files: dict[str, str] = {}
    for name in targets:
        target = TARGETS[name]
        for service, source, groups in sorted(services, key=lambda item: item[0]):
            files[f"{target.folder}/{service}.{target.extension}"] = target.render(service, source, groups, options)
    return files
