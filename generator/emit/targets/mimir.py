"""Grafana Mimir and Cortex rulers: the file `mimirtool rules load` (or cortextool) takes.

One namespace per service, named after it, so `mimirtool rules sync --namespaces`
can manage exactly one service. The groups carry only `name`, `interval` and
`rules`: all three are accepted by both rulers, and the options only they know
(`source_tenants`, `query_offset`, `evaluation_delay`) change evaluation semantics a
spec does not ask for.

Mimir's ruler refuses a group of more than 20 rules and a tenant with more than 70
groups by default (`ruler_max_rules_per_rule_group`, `ruler_max_rule_groups_per_tenant`;
`--mimir-max-rules-per-group` and `--mimir-max-groups` follow a tenant's own limits).
A larger group is cut into parts `<name>-part<N>` of consecutive rules at the same
interval. A ruler evaluates each group on its own schedule, so a rule reading a series
recorded by an earlier part sees it up to one interval old (1m for the 5m ratio);
the file says which parts read which, and how old their input can be. Cortex's
defaults are unlimited, so its files are never cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from slogen.emit.rules.recording import Group, Rule, rule_file_data
from slogen.emit.text.documents import render_yaml
from slogen.emit.targets.base import Flag, ServiceGroups, Target, TargetError, header, positive_int
from slogen.spec.durations import format_duration

FOLDER = "mimir"
EXTENSION = "yaml"
DEFAULT_MAX_RULES_PER_GROUP = 20
DEFAULT_MAX_GROUPS = 70


@dataclass(frozen=True)
class MimirOptions:
    """The tenant's ruler limits (0 = no limit): groups are cut to the first, the tenant checked against the second."""

    max_rules_per_group: int = DEFAULT_MAX_RULES_PER_GROUP
    max_groups: int = DEFAULT_MAX_GROUPS


def _reads(rule: Rule, name: str) -> bool:
    # Recorded names contain ':' and are never a prefix of another slogen name
    # followed by a name character, so a textual match is a real read.
    at = rule.expr.find(name)
    while at >= 0:
        end = at + len(name)
        before = rule.expr[at - 1] if at else " "
        after = rule.expr[end] if end < len(rule.expr) else " "
        if not (before.isalnum() or before in "_:") and not (after.isalnum() or after in "_:"):
            return True
        at = rule.expr.find(name, end)
    return False


def split_group(group: Group, limit: int) -> tuple[list[Group], list[str]]:
    """`group` in parts of at most `limit` rules, and a note per part that reads an earlier part."""
    if limit <= 0 or len(group.rules) <= limit:
        return [group], []
    chunks = [group.rules[i : i + limit] for i in range(0, len(group.rules), limit)]
    parts = [Group(f"{group.name}-part{n}", group.interval, chunk) for n, chunk in enumerate(chunks, 1)]
    notes = []
    for n, part in enumerate(parts[1:], 2):
        earlier = {rule.record for chunk in chunks[: n - 1] for rule in chunk if rule.record}
        read = sorted(name for name in earlier if any(_reads(rule, name) for rule in part.rules))
        if read:
            notes.append(f"# {part.name} reads {', '.join(read)} from earlier parts: up to {format_duration(group.interval)} old.")
    return parts, notes


def ruler_groups(groups: tuple[Group, ...], options: MimirOptions) -> tuple[list[Group], list[str]]:
    """The groups as Mimir's ruler gets them (cut to its rules-per-group limit), with notes."""
    out: list[Group] = []
    notes: list[str] = []
    for group in groups:
        parts, more = split_group(group, options.max_rules_per_group)
        out += parts
        notes += more
    return out, notes


def parts(rules: int, limit: int) -> int:
    """How many groups `split_group` makes of a group of `rules` rules."""
    return 1 if limit <= 0 or rules <= limit else -(-rules // limit)


def check_tenant(services: Sequence[ServiceGroups], options: MimirOptions) -> None:
    """Refuse output that a tenant with these limits would reject: too many groups in all."""
    if options.max_groups <= 0:
        return
    # The unsplit files and a --split side's are alternatives for one tenant (the global file's
    # namespace is the unsplit one's): each set must fit on its own.
    for side in sorted({s.side for s in services}):
        files = [s for s in services if s.side == side]
        total = sum(parts(count, options.max_rules_per_group) for s in files for count in s.rule_counts)
        if total > options.max_groups:
            which = f"'s {side} files of --split" if side else ""
            raise TargetError(
                f"the mimir target{which} needs {total} rule groups for {len(files)} services, more than the tenant limit of "
                f"{options.max_groups} (ruler_max_rule_groups_per_tenant); raise the tenant's limit and pass "
                "--mimir-max-groups, or split the services across tenants"
            )


def render(service: str, source: str, groups: tuple[Group, ...], options: MimirOptions = MimirOptions()) -> str:
    """A mimirtool rule file: `namespace: <service>` and the groups, cut to the ruler's limits."""
    parts, notes = ruler_groups(groups, options)
    comment = "".join(note + "\n" for note in notes)
    return render_yaml({"namespace": service, **rule_file_data(tuple(parts))}, header(source) + comment)


def render_cortex(service: str, source: str, groups: tuple[Group, ...], options: object = None) -> str:
    """A cortextool rule file: as Mimir's, never cut (Cortex's limits are off by default)."""
    return render_yaml({"namespace": service, **rule_file_data(groups)}, header(source))


TARGET = Target(
    "mimir", FOLDER, EXTENSION, render, MimirOptions,
    (
        Flag("--mimir-max-rules-per-group", "max_rules_per_group", "The tenant's ruler_max_rules_per_rule_group: larger groups are cut into parts (0: no limit)",
             positive_int("--mimir-max-rules-per-group"), metavar="N"),
        Flag("--mimir-max-groups", "max_groups", "The tenant's ruler_max_rule_groups_per_tenant: more groups in all are refused (0: no limit)",
             positive_int("--mimir-max-groups"), metavar="N"),
    ),
    check_tenant,
    reads_groups=True,
)
# Cortex's ruler and cortextool take the same namespace file as Mimir's, never cut.
CORTEX = Target("cortex", "cortex", EXTENSION, render_cortex)
