"""What every foreign-format converter shares: converted SLOs that remember their source.

A converter turns plain data from one document (or, for OpenSLO references, several)
into native SLO dicts.  Each native SLO keeps a map from places inside it to the
document node it came from, so a problem found later by the native validation or
the planner is reported at the line the user wrote, in the user's own format.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml

from slogen.spec.errors import Loc, Problem
from slogen.spec.promql import _WINDOW_VAR
from slogen.spec.validation_messages import closest

# A key a reader might take for a setting the tool has elsewhere: the warning says where it is.
IGNORED_NOTES = {
    "period": "the window is not a key of the file: Sloth takes it from `--slo-period`, slogen from "
    "`--default-slo-period` or a native spec's `window`",
}


@dataclass(frozen=True)
class Origin:
    """A place in a source document: the document's key (path, index) and a path in it."""

    doc: tuple[str, int]
    loc: Loc


@dataclass(frozen=True)
class LocatedProblem:
    """A converter's complaint about a source document, in that document's terms."""

    origin: Origin
    message: str
    at_key: bool = False

    @property
    def problem(self) -> Problem:
        """As a plain problem inside its document."""
        return Problem(self.origin.loc, self.message, self.at_key)


@dataclass
class ConvertedSLO:
    """One native SLO dict, the service it belongs to, and where its parts came from."""

    service: str
    slo: dict[str, Any]
    # Native path relative to the SLO -> where it came from; () is the SLO as a whole.
    origins: dict[Loc, Origin]
    service_origin: Origin
    # What the conversion changed or left out that the user should know, without failing.
    warnings: list[LocatedProblem] = field(default_factory=list)
    # The OpenSLO SLI it reads, by name (an OpenSLO BudgetAdjustment's indicatorRef names it).
    indicator: str | None = None

    def origin_of(self, loc: Loc) -> Origin:
        """The source of the longest mapped prefix of a native path inside this SLO."""
        for end in range(len(loc), -1, -1):
            hit = self.origins.get(tuple(loc[:end]))
            if hit is not None:
                return hit
        return self.service_origin


@dataclass
class Conversion:
    """What a converter made of its documents: native SLOs and problems."""

    slos: list[ConvertedSLO] = field(default_factory=list)
    problems: list[LocatedProblem] = field(default_factory=list)
    # Warnings about a document rather than one SLO (keys its tool ignores); the loader gives
    # them to the services whose SLOs read that document.
    warnings: list[LocatedProblem] = field(default_factory=list)


class Reader:
    """Walks one source document, collecting problems instead of raising."""

    def __init__(self, doc: tuple[str, int], conversion: Conversion):
        self.doc = doc
        self.out = conversion

    def at(self, loc: Loc) -> Origin:
        """An origin in this document."""
        return Origin(self.doc, tuple(loc))

    def problem(self, loc: Loc, message: str, at_key: bool = False) -> None:
        """Record a problem at a path of this document."""
        self.out.problems.append(LocatedProblem(self.at(loc), message, at_key))

    def warning(self, loc: Loc, message: str) -> LocatedProblem:
        """A warning at a path of this document, for the SLO it concerns."""
        return LocatedProblem(self.at(loc), message)

    def mapping(
        self, value: Any, loc: Loc, allowed: tuple[str, ...], hint: dict[str, str] | None = None,
        tool: str | None = None, nested: bool = False,
    ) -> dict:
        """A mapping whose keys are all known: unknown keys are reported, never dropped silently
        (at a document's top with its `tool` named, or anywhere with `nested` too, keys that tool
        ignores are warnings: `ignored`)."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(loc, "expected a mapping")
            return {}
        if tool and (nested or not loc):
            self.ignored(value, loc, allowed, tool, hint)
            return value
        for key in value:
            if key not in allowed:
                extra = f" ({hint[key]})" if hint and key in hint else ""
                self.problem(tuple(loc) + (str(key),), f"unknown key {written(key)}{extra}", at_key=True)
        return value

    def ignored(self, value: dict, loc: Loc, allowed: tuple[str, ...], tool: str, hint: dict[str, str] | None = None) -> None:
        """Keys its tool ignores (`x-*` keys, blocks holding YAML anchors, a team's own catalogue
        keys inside an SLO) are warnings, as the tool reads the file anyway; a known key in another
        spelling, or one a letter or two from a known key, stays an error: its writer meant that key."""
        for key in value:
            if key in allowed:
                continue
            at = tuple(loc) + (str(key),)
            # Stricter than a native spec's 0.6: a foreign key less alike is taken as the
            # team's own extension, which the tool ignores, and only warned about.
            close = closest(str(key), allowed, cutoff=0.8)
            if hint and key in hint:
                self.problem(at, f"unknown key {written(key)} ({hint[key]})", at_key=True)
            elif close:
                self.problem(at, f"unknown key {written(key)}: did you mean {written(close)}? ({tool} would ignore it)", at_key=True)
            else:
                note = f" ({IGNORED_NOTES[key]})" if key in IGNORED_NOTES else ""
                self.out.warnings.append(LocatedProblem(self.at(at), f"unknown key {written(key)} is ignored, as {tool} ignores it{note}", True))

    def sequence(self, value: Any, loc: Loc) -> list:
        """A list (None: empty), or a problem and an empty list."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(loc, "expected a list")
            return []
        return value

    def text(self, value: Any, loc: Loc, required: bool = True) -> str | None:
        """A non-empty string, or a problem."""
        if value is None or value == "":
            if required:
                self.problem(loc, "required key is missing")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.problem(loc, "expected a string")
            return None
        return str(value)

    def string_map(self, value: Any, loc: Loc) -> dict[str, str]:
        """A string -> string map such as labels or annotations."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(loc, "expected a mapping of names to strings")
            return {}
        return {str(k): v if isinstance(v, str) else str(v) for k, v in value.items()}


def raw_ratio_sli(ratio: str, success: bool = False, grouping: tuple[str, ...] = ()) -> dict[str, str]:
    """A native query SLI from a ratio query: one event per second per ratio series.

    A ratio cannot be traffic-weighted without its counts, so windows over it are the
    time-weighted mean of the ratio (as Sloth's raw SLIs are); NaN ratios (no traffic)
    are left out instead of poisoning every window.
    """
    text = _WINDOW_VAR.sub("{{window}}", ratio).strip()
    valid = f"(1 - ({text})) >= 0" if success else f"({text}) >= 0"
    by = f" by ({', '.join(grouping)})" if grouping else ""
    return {"errors": valid, "total": f"count{by}({valid})"}


def good_total_errors(good: str, total: str) -> str:
    """The errors of a good/total pair of rate queries: a missing good series means every
    event was bad (as native `ratio.good`), never a perfect SLI."""
    return f"({total}) - (({good}) or 0 * ({total}))"


def normalise_window(query: str) -> str:
    """Sloth's `{{.window}}` spelled the native way, `{{window}}`."""
    return _WINDOW_VAR.sub("{{window}}", query).strip()


# The labels a source tool's series carry, by the label slogen writes for the same value.
SLOTH_LABELS = {"sloth_id": "slo_id", "sloth_service": "slo_service", "sloth_slo": "slo_name"}
PYRRA_LABELS = {"slo": "slo_name"}


def keep_alert_templates(alerting: dict, renames: dict[str, str], constants: dict[str, str] | None = None) -> dict:
    """A converted `alerting` whose labels and annotations stay Prometheus templates, as Sloth and
    Pyrra leave them: `templates: true` when any holds one, each reading the label slogen writes
    where it read the source tool's (`$labels.sloth_service` -> `$labels.slo_service`), so it
    expands to the same value with or without --label-compat.  `constants`: labels the source
    tool's series carry with one value per SLO that slogen's do not, read as that value."""
    constants = constants or {}
    renames = {**renames, **{name: json.dumps(value) for name, value in constants.items()}}
    names = "|".join(map(re.escape, sorted(renames, key=len, reverse=True)))
    # `$labels.x`, `.Labels.x` and `index $labels "x"`; a longer name (`sloth_slo_x`) is not x.
    pattern = re.compile(rf'(\$labels\.|\.Labels\.)({names})\b|(index\s+(?:\$labels|\.Labels)\s+)"({names})"')

    def rename(match: re.Match) -> str:
        name = match.group(2) or match.group(4)
        if name in constants:
            return renames[name]  # a Go string literal: `{{ "monitoring" }}` prints it
        return match.group(1) + renames[name] if match.group(1) else f'{match.group(3)}"{renames[name]}"'

    found = False
    for part in [alerting] + [alerting[key] for key in ("page", "ticket") if isinstance(alerting.get(key), dict)]:
        for key in ("labels", "annotations"):
            values = part.get(key)
            if isinstance(values, dict) and any("{{" in str(v) for v in values.values()):
                found = True
                part[key] = {k: pattern.sub(rename, v) if isinstance(v, str) else v for k, v in values.items()}
    if found:
        alerting["templates"] = True
    return alerting
def written(value: Any) -> str:
    """A value for a message, as the user wrote it in YAML, never as a Python repr: text is
    quoted, anything else (a date, true, null, a list) is written as YAML writes it."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, Decimal)):
        return str(value)
    if isinstance(value, (list, dict)):
        # JSON is YAML's flow style with double quotes: ["0"] cannot be mistaken for a
        # Python repr, where YAML's own ['0'] can.
        return json.dumps(value, ensure_ascii=False, default=str)
    return yaml.safe_dump(value, default_flow_style=True, width=1_000_000, allow_unicode=True).strip().removesuffix("\n...").strip()


def written_text(value: Any) -> str:
    """A scalar as the text it stands for in YAML (true, 1.5, a date), '' for null or a collection."""
    if value is None or isinstance(value, (list, dict)):
        return ""
    return value if isinstance(value, str) else written(value)
