"""A value of the wrong type -> what the field expects, what was written, and how to fix it.

pydantic says "Input should be a valid decimal" to the author of `objective: 99.9%`, and
"Input should be a valid dictionary or instance of CalendarWindow" to the author of
`window: 30`.  Here the field's type is looked up in the native spec's models along the
error's path, and the message says "expected a number, got '99.9%': drop the %" or
"expected a duration such as 30d or a mapping, got 30: a duration needs a unit, e.g. 30d".
"""

from __future__ import annotations

import datetime
import difflib
import re
import typing
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from slogen.spec.durations import parse_duration
from slogen.spec.indicators import SLICE_OPS
from slogen.spec.model import ServiceSpec

# pydantic's error types for a value of the wrong kind (text for a number, a list for a mapping...).
TYPE_ERRORS = frozenset({
    "string_type", "model_type", "model_attributes_type", "dict_type", "list_type", "float_type", "float_parsing",
    "int_type", "int_parsing", "int_parsing_size", "int_from_float", "decimal_type", "decimal_parsing", "bool_type",
    "bool_parsing", "literal_error", "iterable_type", "string_unicode",
})
_NUMBER_AND_UNIT = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*(\S.*?)\s*$")
_BOOLEAN_WORDS = ("true", "false", "yes", "no", "on", "off")


@dataclass(frozen=True)
class SpecPath:
    """A pydantic error path read against the native spec's types.

    `written` is the path as the user wrote it (keys and indices); `unions` holds, for every
    union the path went through, the index in the pydantic path of the member pydantic named
    and the written path up to the union's field; `annotation` and `field` are the type and
    field declaration at the end of the path (None where the path leaves the spec's models).
    """

    written: tuple[str | int, ...]
    unions: tuple[tuple[int, tuple[str | int, ...]], ...]
    annotation: Any
    field: FieldInfo | None

    @property
    def members(self) -> list[Any]:
        """The types a value here may have (a union's members, Optional's None left out)."""
        return _members(self.annotation)


def spec_path(loc: tuple) -> SpecPath:
    """Walk a pydantic error path down the native spec's types."""
    annotation: Any = ServiceSpec
    field: FieldInfo | None = None
    written: list[str | int] = []
    unions: list[tuple[int, tuple[str | int, ...]]] = []
    for index, part in enumerate(loc):
        members = _members(annotation)
        if len(members) > 1:
            member = next((m for m in members if _names_member(m, part)), None)
            if member is not None:  # pydantic names the union member it tried
                unions.append((index, tuple(written)))
                annotation = member
                continue
        annotation, field = _step(members, part, field)
        written.append(part)
    return SpecPath(tuple(written), tuple(unions), annotation, field)


def _members(annotation: Any) -> list[Any]:
    """A type's alternatives: a union's members without None, Annotated unwrapped."""
    if annotation is None:
        return []
    if typing.get_origin(annotation) is Annotated:
        return _members(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, type(int | None)):
        return [m for arg in typing.get_args(annotation) if arg is not type(None) for m in _members(arg)]
    return [annotation]


def _names_member(member: Any, part: Any) -> bool:
    """Whether pydantic's name for a union member (`CalendarWindow`, `function-after[_starts(), CalendarWindow]`,
    `literal[False]`, `str`, `float`) is this member's."""
    if not isinstance(part, str):
        return False
    if isinstance(member, type) and issubclass(member, BaseModel):
        return part == member.__name__ or part.endswith(f", {member.__name__}]")
    if typing.get_origin(member) is Literal:
        return part.startswith("literal[")
    name = getattr(typing.get_origin(member) or member, "__name__", "").lower()
    return bool(name) and (part == name or part.startswith(name + "["))


def _step(members: list[Any], part: Any, field: FieldInfo | None) -> tuple[Any, FieldInfo | None]:
    """The type one key, index or `[key]` further down."""
    for member in members:
        origin, args = typing.get_origin(member), typing.get_args(member)
        if isinstance(part, int) and origin is list:
            return args[0], field
        if part == "[key]" and origin is dict:
            return args[0], None
        if isinstance(part, str) and origin is dict:
            return args[1], None
        if isinstance(part, str) and isinstance(member, type) and issubclass(member, BaseModel):
            for name, info in member.model_fields.items():
                if part in (name, info.alias):
                    return info.annotation, info
    return None, None


def type_message(members: list[Any], field: FieldInfo | None, value: Any) -> str:
    """`expected <what the field takes>, got <what was written>` and, for a likely slip, how to fix it."""
    expected = _join(_expected(members, field)) or "another value"
    return f"expected {expected}, got {shown(value)}{_hint(members, field, value)}"


def shown(value: Any) -> str:
    """A value as the user wrote it in YAML, never as a Python repr."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, float):
        return ".nan" if value != value else ".inf" if value == float("inf") else "-.inf" if value == float("-inf") else str(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"the date {value.isoformat()}"
    if isinstance(value, list):
        return "an empty list" if not value else "a list"
    if isinstance(value, dict):
        return "an empty mapping" if not value else "a mapping"
    return "a value of another kind"


def _expected(members: list[Any], field: FieldInfo | None) -> list[str]:
    """What each alternative takes, in words: `a duration such as 30d`, `a mapping`, `false`."""
    words: list[str] = []
    for member in members:
        origin = typing.get_origin(member)
        if isinstance(member, type) and issubclass(member, BaseModel) or origin is dict:
            words.append("a mapping")
        elif origin is list:
            words.append("a list")
        elif origin is Literal:
            words += [shown(v) if not isinstance(v, str) else v for v in typing.get_args(member)]
        elif member is bool:
            words += ["true", "false"]
        elif member is int:
            words.append("a whole number")
        elif member in (float, Decimal):
            words.append("a number")
        else:
            example = _duration_example(member, field)
            words.append(f"a duration such as {example}" if example else "text")
    return list(dict.fromkeys(words))


def _duration_example(member: Any, field: FieldInfo | None) -> str | None:
    """The field's first example, when the field is a duration (its examples say so)."""
    if member is not str or field is None or not field.examples:
        return None
    example = field.examples[0]
    try:
        parse_duration(example)
    except ValueError:
        return None
    return example


def _hint(members: list[Any], field: FieldInfo | None, value: Any) -> str:
    """How to fix a likely slip, after a colon; empty when the value looks like no known slip."""
    kinds = set(_expected(members, field))
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if value is None:
        return ": give a value, or leave the key out"
    duration = next((_duration_example(m, field) for m in members if _duration_example(m, field)), None)
    if duration and number:
        whole = isinstance(value, int) or (value == value and float(value).is_integer())
        example = f"{int(value)}{duration[-1]}" if whole and 0 < value < 10_000 else duration
        return f": a duration needs a unit, e.g. {example}"
    if isinstance(value, str) and kinds & {"a number", "a whole number"}:
        return _number_hint(value)
    if isinstance(value, str) and "true" in kinds and value.strip().lower() in _BOOLEAN_WORDS:
        return ": write true or false without quotes"
    if isinstance(value, list) and "a mapping" in kinds and value and all(isinstance(v, dict) for v in value):
        return ": write the keys without '- ' before them"
    if isinstance(value, dict) and "a list" in kinds:
        return ": start each item with '- '"
    if isinstance(value, str) and value and any(_list_of_scalars(m) for m in members):
        return f": write a list, e.g. [{value}]"
    if "text" in kinds and (number or isinstance(value, bool)):
        return f": quote it, e.g. '{shown(value)}'"
    if "text" in kinds and isinstance(value, (datetime.date, datetime.datetime)):
        return ": quote it, or YAML reads it as a date"
    return _literal_hint(members, value)


def _list_of_scalars(member: Any) -> bool:
    """Whether a type is a list of text or numbers (`grouping`), where `[value]` is what was meant."""
    if typing.get_origin(member) is not list:
        return False
    item = _members(typing.get_args(member)[0])
    return bool(item) and all(m in (str, int, float) for m in item)


def _number_hint(value: str) -> str:
    text = value.strip()
    try:
        float(text)
        return ""  # a number after all (1e3 for a whole number): the expected kind says enough
    except ValueError:
        pass
    match = _NUMBER_AND_UNIT.match(text)
    if match is None:
        return ""
    return ": drop the %" if match.group(2) == "%" else f": drop {match.group(2)!r}, write {match.group(1)}"


def _literal_hint(members: list[Any], value: Any) -> str:
    if not isinstance(value, str):
        return ""
    words = [v for m in members if typing.get_origin(m) is Literal for v in typing.get_args(m) if isinstance(v, str)]
    names = {symbol: name for name, symbol in SLICE_OPS.items()}
    if value.strip() in names and names[value.strip()] in words:
        return f": write {names[value.strip()]} for {value.strip()}"
    close = difflib.get_close_matches(value.strip().lower(), words, n=1, cutoff=0.6)
    return f": did you mean {close[0]}?" if close else ""


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1] if words else ""
