"""pydantic's validation errors -> the messages a spec's author reads.

pydantic speaks of `extra_forbidden` and regular expressions, and reports a failure for
every alternative of a union; the user wants "unknown key 'objectve': did you mean
'objective'?", once, at the key they wrote.
"""

from __future__ import annotations

import difflib
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from slogen.spec.errors import Problem
from slogen.spec.fields import ALERT_NAME_PATTERN, NAME_PATTERN
from slogen.spec.locate import union_member
from slogen.spec.model import ServiceSpec


def validation_problems(err: ValidationError) -> list[Problem]:
    """Pydantic errors as located problems, without the noise of union alternatives."""
    errors = err.errors(include_url=False)
    problems = []
    for e in errors:
        loc = tuple(e["loc"])
        # `x: Model | False` reports a failure for each alternative; keep the model's.
        literal_at = next((i for i, p in enumerate(loc) if _literal(p)), None)
        if literal_at is not None and any(
            tuple(o["loc"][:literal_at]) == loc[:literal_at] and o is not e and not any(_literal(p) for p in o["loc"])
            for o in errors
        ):
            continue
        message = _clean_message(e["msg"])
        if e["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}" + _did_you_mean(loc)
            problems.append(Problem(loc, message, at_key=True))
            continue
        if e["type"] == "missing":
            message = "required key is missing"
        elif e["type"] == "string_pattern_mismatch":
            message = _pattern_message(e)
        elif e["type"] == "string_too_short" and (e.get("ctx") or {}).get("min_length") == 1:
            message = "must not be empty"
        problems.append(Problem(loc, message))
    unique = list(dict.fromkeys(problems))
    return unique


def _literal(part: Any) -> bool:
    """Whether an error path part is the `Literal` alternative of a union (`literal[False]`)."""
    return isinstance(part, str) and part.startswith("literal[")


def known_keys(loc: tuple) -> list[str]:
    """The keys the native spec allows in the mapping at `loc` (a pydantic error's path)."""
    models: list[type[BaseModel]] = [ServiceSpec]
    for part in loc[:-1]:
        if not isinstance(part, str) or union_member(part):
            continue  # list indices and union-member names stay on the same models
        fields = [f for model in models for name, f in model.model_fields.items() if part in (name, f.alias)]
        models = [m for f in fields for m in _models_in(f.annotation)]
    return sorted({f.alias or name for model in models for name, f in model.model_fields.items()})


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation may hold (through lists, unions, dicts)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in typing.get_args(annotation) for model in _models_in(arg)]


def _did_you_mean(loc: tuple) -> str:
    close = difflib.get_close_matches(str(loc[-1]), known_keys(loc), n=1, cutoff=0.6)
    return f": did you mean {close[0]!r}?" if close else ""


def _clean_message(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message


def _pattern_message(error: dict) -> str:
    value = error.get("input")
    pattern = (error.get("ctx") or {}).get("pattern")
    if pattern == NAME_PATTERN:
        return f"{value!r} is not a valid name: use lowercase letters, digits, '-' and '_', starting with a letter or digit"
    if pattern == ALERT_NAME_PATTERN:
        return f"{value!r} is not a valid alert name: use letters, digits and '_', not starting with a digit"
    return _clean_message(error["msg"])
