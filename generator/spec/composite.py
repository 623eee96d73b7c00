"""The `composite:` SLI: a user journey made of other SLOs (`service/slo`) and how they combine."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator
from slogen.spec.fields import Strict

# `service/slo`, or a bare `slo` of the composite's own service: the native name patterns.
_REFERENCE = re.compile(r"^(?:([a-z0-9][a-z0-9_-]*)/)?([a-z0-9][a-z0-9_-]*)$")
METHODS = ("events", "weighted", "worst")


def split_reference(text: str) -> tuple[str | None, str]:
    """(service or None for the composite's own, slo name) of a member reference."""
    match = _REFERENCE.match(text)
    if match is None:
        raise ValueError(f"member {text!r} must name an SLO as `service/slo` (or `slo` of this service)")
    return match.group(1), match.group(2)


class CompositeMember(Strict):
    """One member SLO of a composite, with its weight."""

    slo: str = Field(description="The member SLO: `service/slo`, or `slo` of this service")
    weight: float = Field(
        1,
        gt=0,
        description="weighted: the member's share of the journey's error ratio (OpenSLO compositeWeight); "
        "events: a multiplier of its events (2 counts each of its requests twice)",
    )

    @field_validator("slo")
    @classmethod
    def _reference(cls, value: str) -> str:
        split_reference(value)
        return value

    @field_validator("weight")
    @classmethod
    def _finite(cls, value: float) -> float:
        if value != value or value == float("inf"):
            raise ValueError("weight must be a finite number greater than 0")
        return value


class CompositeSLI(Strict):
    """A journey SLO read from its members' recorded 5m base rates."""

    method: Literal["events", "weighted", "worst"] = Field(
        description="events: good and total pooled across members; weighted: the weighted mean of the members' "
        "error ratios; worst: per window, the worst member's error ratio"
    )
    of: list[str | CompositeMember] = Field(
        min_length=1,
        # No examples: a member names another spec's SLO, which a one-file example cannot hold.
        description="The member SLOs: `service/slo`, or {slo: service/slo, weight: 2}",
    )

    @field_validator("of", mode="before")
    @classmethod
    def _strings_first(cls, value: object) -> object:
        # A plain string is a member of weight 1; checked here so its message names the reference.
        if isinstance(value, list):
            for item in value:
                if isinstance(item, str):
                    split_reference(item)
        return value

    @model_validator(mode="after")
    def _distinct(self) -> CompositeSLI:
        seen: set[str] = set()
        for member in self.members:
            if member.slo in seen:
                raise ValueError(f"member {member.slo!r} is listed twice; give it one entry with a weight instead")
            seen.add(member.slo)
        if self.method == "worst" and any(m.weight != 1 for m in self.members):
            raise ValueError("method worst takes no weights: the worst member counts whatever its weight")
        return self

    @property
    def members(self) -> tuple[CompositeMember, ...]:
        """Every member as a `CompositeMember` (a plain string has weight 1)."""
        return tuple(CompositeMember(slo=m) if isinstance(m, str) else m for m in self.of)
