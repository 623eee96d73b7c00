"""Which names the rules' engine takes: Prometheus 2's legacy names, or Prometheus 3's quoted
UTF-8 names, and why a user's selector or query needs the latter."""

from __future__ import annotations

import re
from functools import lru_cache

from slogen.spec.promql import (
    _LEGACY_LABEL,
    _LEGACY_METRIC,
    BASE,
    Selector,
    _parse_query,
    _parse_selector,
    _printed_query,
    substitute_window,
)

ENGINE = "Prometheus 2 (2.42)"
# What the engine the rules are written for takes as names, spelt as Prometheus 3's
# `metric_name_validation_scheme` spells it.  legacy (the default): rules that load on
# 2.42 and on 3.x whatever its scheme; utf8: Prometheus 3 with the utf8 scheme (its default).
NAME_VALIDATIONS = ("legacy", "utf8")
NAME_OPTION = "--name-validation utf8"


def utf8_name_problem(kind: str, name: str) -> str:
    """Why a quoted UTF-8 name cannot be used here: the rules are written for Prometheus 2 (legacy names)."""
    allowed = "letters, digits, '_' and ':'" if kind == "metric" else "letters, digits and '_'"
    return (
        f"{kind} name {name!r} is a UTF-8 name, which only Prometheus 3 accepts; slogen writes rules that must also load on "
        f"{ENGINE}, which rejects it: use {allowed}, not starting with a digit, or give {NAME_OPTION} "
        "when every engine that loads the rules is Prometheus 3 with metric_name_validation_scheme: utf8 (its default)"
    )


def number_name_problem(name: str) -> str:
    """Why a label named like a number cannot be used with legacy names: `by (inf)` does not parse."""
    return (
        f"label name {name!r} reads as a number in PromQL's by (...) and on (...) lists, where only Prometheus 3 can "
        f"quote it; slogen writes rules that must also load on {ENGINE}: rename it, or give {NAME_OPTION} when every "
        "engine that loads the rules is Prometheus 3 with metric_name_validation_scheme: utf8 (its default)"
    )


def utf8_name_invalid(kind: str, name: str) -> str | None:
    """Why a name is no name even for Prometheus 3 (empty, or text no UTF-8 encoding holds), or None."""
    if not name:
        return f"{kind} name must not be empty"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return f"{kind} name {name!r} is not valid UTF-8 text"
    return None


@lru_cache(maxsize=1 << 12)  # every SLO's selectors are checked; many are the same text
def names_problem(text: str, kind: str) -> str | None:
    """Why a valid selector (`kind` "selector") or query ("query") needs UTF-8 names, or None: what
    `legacy` name validation refuses."""
    if kind == "selector":
        selector = _parse_selector(text)
        return _selector_utf8_problem(selector) if isinstance(selector, Selector) else None
    printed, problem = _printed_query(substitute_window(text, BASE))  # as validation printed it
    if not problem:
        return _query_utf8_problem(printed)
    parsed = _parse_query(text)
    return None if isinstance(parsed, str) else _query_utf8_problem(parsed.prettify())


def _selector_utf8_problem(selector: Selector) -> str | None:
    if selector.name is not None and not _LEGACY_METRIC.match(selector.name):
        return utf8_name_problem("metric", selector.name)
    for label, _, _ in selector.matchers:
        if not _LEGACY_LABEL.match(label):
            return utf8_name_problem("label", label)
    return None


# In re-printed PromQL (the parser quotes only names that need it): a quoted label before a
# matcher's operator, a quoted label in a by/without/on/ignoring/group_x list, a quoted metric name.
_QUOTED_MATCHER_LABEL = re.compile(r'[{,]\s*"((?:[^"\\]|\\.)*)"\s*(?:=~|!~|!=|=)')
_LABEL_LIST = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_NAME_MATCHER = re.compile(r'__name__\s*=\s*"((?:[^"\\]|\\.)*)"')


def _query_utf8_problem(text: str) -> str | None:
    for name in _NAME_MATCHER.findall(text):
        if not _LEGACY_METRIC.match(name):
            return utf8_name_problem("metric", name)
    names = _QUOTED_MATCHER_LABEL.findall(text) + [n for group in _LABEL_LIST.findall(text) for n in _QUOTED.findall(group)]
    for name in names:
        if name != "__name__" and not _LEGACY_LABEL.match(name):
            return utf8_name_problem("label", name)
    return None
