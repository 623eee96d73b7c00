"""pydantic's validation errors -> the messages a spec's author reads.

pydantic speaks of `extra_forbidden` and regular expressions, and reports a failure for
every alternative of a union; the user wants "unknown key 'objectve': did you mean
'objective'?", once, at the key they wrote.
"""

from __future__ import annotations

import difflib

from pydantic import BaseModel, ValidationError
from slogen.spec.errors import Problem
from slogen.spec.fields import ALERT_NAME_PATTERN, NAME_PATTERN
from slogen.spec.type_messages import TYPE_ERRORS, SpecPath, shown, spec_path, type_message


def validation_problems(err: ValidationError) -> list[Problem]:
    """Pydantic errors as located problems, without the noise of union alternatives."""
    errors = err.errors(include_url=False)
    paths = [spec_path(tuple(e["loc"])) for e in errors]
    kept = [i for i in range(len(errors)) if not _failed_alternative(i, errors, paths)]
    problems = []
    for i in kept:
        e, path = errors[i], paths[i]
        loc = tuple(e["loc"])
        if e["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}" + _did_you_mean(loc)
            problems.append(Problem(loc, message, at_key=True))
            continue
        union = _whole_union(i, errors, paths)
        if union is not None:
            # Every alternative failed on the value's kind: one message naming them all.
            index, written = union
            union_path = spec_path(loc[:index])
            problems.append(Problem(written, type_message(union_path.members, union_path.field, e["input"])))
            continue
        # The written path: a model check's error ends in the union member's name (`function-after[...]`).
        problems.append(Problem(path.written, _message(e, path)))
    return list(dict.fromkeys(problems))


def _message(error: dict, path: SpecPath) -> str:
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return "required key is missing"
    if kind == "string_pattern_mismatch":
        return _pattern_message(error)
    if kind == "string_too_short" and (error.get("ctx") or {}).get("min_length") == 1:
        return "must not be empty"
    if kind in TYPE_ERRORS:
        return type_message(path.members, path.field, value)
    if kind == "too_short":
        least = (error.get("ctx") or {}).get("min_length")
        return "must not be empty" if least == 1 else f"needs at least {least} items, got {len(value)}"
    if kind == "string_too_long":
        return f"must be at most {(error.get('ctx') or {}).get('max_length')} characters long, got {len(value)}"
    if kind == "too_long":
        return f"must have at most {(error.get('ctx') or {}).get('max_length')} items, got {len(value)}"
    message = _clean_message(error["msg"])
    if message.startswith("Input should be "):  # a bound: `must be greater than 0, got -1`
        return f"must be {message[len('Input should be '):]}, got {shown(value)}"
    return message


def _failed_alternative(i: int, errors: list[dict], paths: list[SpecPath]) -> bool:
    """Whether error `i` only says a union member did not take the value, while another member
    took it and failed inside (`alerting: {windw: 1}` is not `false`, but say only 'unknown key')."""
    loc = tuple(errors[i]["loc"])
    for index, _ in paths[i].unions:
        if len(loc) != index + 1 or errors[i]["type"] not in TYPE_ERRORS:
            continue
        if any(_went_deeper(o, loc, index) for o in errors):
            return True
    return False


def _went_deeper(other: dict, loc: tuple, index: int) -> bool:
    """Whether `other` comes from another member of the union at `loc[index]` that took the value."""
    theirs = tuple(other["loc"])
    return (
        len(theirs) > index and theirs[:index] == loc[:index] and theirs[index] != loc[index]
        and (len(theirs) > index + 1 or other["type"] not in TYPE_ERRORS)
    )


def _whole_union(i: int, errors: list[dict], paths: list[SpecPath]) -> tuple[int, tuple] | None:
    """(index of the union member in the path, the written path) when error `i` is one of a union's
    members refusing the value's kind (and, `_failed_alternative` having run, so did every other)."""
    loc = tuple(errors[i]["loc"])
    if not paths[i].unions or errors[i]["type"] not in TYPE_ERRORS:
        return None
    index, written = paths[i].unions[-1]
    return (index, written) if len(loc) == index + 1 else None


def known_keys(loc: tuple) -> list[str]:
    """The keys the native spec allows in the mapping at `loc` (a pydantic error's path)."""
    models = [m for m in spec_path(loc[:-1]).members if isinstance(m, type) and issubclass(m, BaseModel)]
    return sorted({f.alias or name for model in models for name, f in model.model_fields.items()})


def closest(word: str, choices, cutoff: float = 0.6) -> str | None:
    """The choice a misspelt key most likely meant, if any is at least `cutoff` alike."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return close[0] if close else None


def _did_you_mean(loc: tuple) -> str:
    close = closest(str(loc[-1]), known_keys(loc))
    return f": did you mean {close!r}?" if close else ""


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
    if pattern == ALERT_NAME_PATTERN and value == "":
        return "the alert name is empty: give one (letters, digits, '_' and '-'), or turn the alerts off"
    if pattern == ALERT_NAME_PATTERN:
        return f"{value!r} is not a valid alert name: use letters, digits, '_' and '-', starting with a letter or '_'"
    return _clean_message(error["msg"])
