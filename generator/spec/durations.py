"""Prometheus-style durations: parse to whole seconds, print canonically."""

from __future__ import annotations

import re
from functools import lru_cache

_UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+)(y|w|d|h|m|s)")
_WHOLE = re.compile(r"^(?:\d+(?:y|w|d|h|m|s))+$")


def parse_duration(text: str) -> int:
    """Parse `30d`, `1h30m`, `5m` into seconds; raise ValueError on anything else.

    Units must come largest first, as Prometheus requires; sub-second units are
    not accepted because no SLO window or alert window is that short.
    """
    if isinstance(text, str) and text.strip().isdigit() and int(text) > 0:
        number = text.strip()
        raise ValueError(f"invalid duration {text!r}: a duration needs a unit, e.g. {number}d, {number}h or {number}m")
    if not isinstance(text, str) or not _WHOLE.match(text):
        raise ValueError(f"invalid duration {text!r}: expected e.g. 30d, 6h, 5m")
    total = 0
    last_rank = None
    order = list(_UNITS)
    for number, unit in _PART.findall(text):
        rank = order.index(unit)
        if last_rank is not None and rank <= last_rank:
            raise ValueError(f"invalid duration {text!r}: units must be in descending order")
        last_rank = rank
        total += int(number) * _UNITS[unit]
    if total <= 0:
        raise ValueError(f"invalid duration {text!r}: must be greater than zero")
    return total


@lru_cache(maxsize=1024)  # a handful of windows, printed for every rule of every SLO
def format_duration(seconds: int) -> str:
    """Print seconds in the single largest unit that divides them (`30d`, `90m`).

    A single unit keeps metric names readable (`ratio_rate30d`, not `ratio_rate4w2d`).
    """
    if seconds <= 0:
        raise ValueError("duration must be positive")
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    raise AssertionError("unreachable")


def just_under(seconds: int) -> str:
    """A range 1ms short of `seconds` (`59m59s999ms`): it holds one point of a series
    recorded every `seconds`, whatever the recording's phase, never two."""
    whole = format_duration(seconds - 1) if seconds > 1 else ""
    if seconds > 60 and (seconds - 1) % 60:
        minutes, rest = divmod(seconds - 1, 60)
        whole = f"{format_duration(minutes * 60)}{rest}s"
    return f"{whole}999ms"


def humanize_duration(seconds: float) -> str:
    """Short human text for a time span: `51.8s`, `2.2min`, `1h 59m`, `3.6d`."""
    if seconds < 90:
        return f"{seconds:.1f}s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.1f}min"
    if seconds < 48 * 3600:
        hours, rest = divmod(round(seconds / 60), 60)
        return f"{hours}h {rest:02d}m"
    return f"{seconds / 86400:.1f}d"
