"""`slogen exclude`: one one-off exclusion written into a native YAML spec, the rest of the file kept. Pure.

The file's text is edited, not re-dumped: the new entry is inserted as block YAML after
the last entry of the service's (or the SLO's) `exclusions:` list, or under a new
`exclusions:` key (the service's before its `slos:`, an SLO's after its last key), so a
reviewer sees exactly the lines it adds in `git diff`.  What it cannot edit that way (a
foreign format, several documents, flow-style YAML) is refused with the reason.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import yaml

from slogen.spec.formats import NATIVE, detect_format


class EditRefused(ValueError):
    """Why the file cannot take the entry."""


def entry_lines(start: datetime, end: datetime, reason: str, indent: int) -> list[str]:
    """The entry as block YAML at `indent` (the list's dash column); times in UTC."""
    pad = " " * indent

    def iso(value: datetime) -> str:
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    # JSON strings are YAML double-quoted scalars: any reason is written safely.
    return [f"{pad}- reason: {json.dumps(reason, ensure_ascii=False)}", f"{pad}  from: {iso(start)}", f"{pad}  to: {iso(end)}"]


def _key(mapping: yaml.MappingNode, name: str) -> tuple[yaml.Node, yaml.Node] | None:
    return next(((k, v) for k, v in mapping.value if isinstance(k, yaml.ScalarNode) and k.value == name), None)


def _block(node: yaml.Node, what: str) -> None:
    if node.flow_style:
        raise EditRefused(f"{what} is written in flow style ({{...}} or [...]): write it as block YAML, or add the entry by hand")


def add_exclusion(text: str, start: datetime, end: datetime, reason: str, slo: str | None = None) -> str:
    """`text` with the entry added to the service's exclusions, or to SLO `slo`'s."""
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        data = list(yaml.safe_load_all(text))
    except yaml.YAMLError as err:
        raise EditRefused(f"not YAML slogen can edit: {str(err).splitlines()[0]}") from None
    if len(nodes) != 1 or not isinstance(nodes[0], yaml.MappingNode):
        raise EditRefused("slogen exclude edits a file holding one native spec (one YAML document with service: and slos:)")
    fmt = detect_format(data[0])
    if fmt != NATIVE:
        raise EditRefused(
            f"not a native slogen spec ({fmt or 'unknown format'}): slogen exclude writes native specs only; "
            "convert it with `slogen convert` first, or record the exclusion in the tool that owns this file"
        )
    root = nodes[0]
    _block(root, "the spec")
    owner = root
    if slo is not None:
        slos = _key(root, "slos")
        found = [n for n in (slos[1].value if slos and isinstance(slos[1], yaml.SequenceNode) else []) if isinstance(n, yaml.MappingNode) and (_key(n, "name") or (None, None))[1].value == slo]
        if not found:
            raise EditRefused(f"no SLO named {slo!r} in this file")
        owner = found[0]
        _block(owner, f"SLO {slo!r}")
    lines = text.split("\n")
    existing = _key(owner, "exclusions")
    if existing is not None:
        items = existing[1]
        if not isinstance(items, yaml.SequenceNode):
            raise EditRefused("exclusions is not a list")
        _block(items, "exclusions")
        if not items.value:
            raise EditRefused("exclusions is an empty list: write `exclusions:` with no value, or add the entry by hand")
        indent = items.value[0].start_mark.column - 2
        at = _end_line(items.value[-1], lines)
        return "\n".join(lines[:at] + entry_lines(start, end, reason, indent) + lines[at:])
    key_column = owner.value[0][0].start_mark.column
    if owner is root:
        slos_key = _key(root, "slos")
        at = slos_key[0].start_mark.line if slos_key else len(lines)
    else:
        at = _end_line(owner.value[-1][1], lines)
    new = [" " * key_column + "exclusions:"] + entry_lines(start, end, reason, key_column + 2)
    return "\n".join(lines[:at] + new + lines[at:])


def _end_line(node: yaml.Node, lines: list[str]) -> int:
    """The index of the line after `node`'s last line of content (trailing blank or comment lines stay after)."""
    end = node.end_mark.line if node.end_mark.column == 0 else node.end_mark.line + 1
    while end > node.start_mark.line + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end
