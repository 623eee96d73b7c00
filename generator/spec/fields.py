"""The native spec's building blocks: names, labels, durations, PromQL text, strict models."""

from __future__ import annotations

import re
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo
from slogen.spec.promql import NUMBER_WORDS
from slogen.spec.promql_names import number_name_problem, utf8_name_invalid, utf8_name_problem

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
LABEL_NAME_PATTERN = r"^[a-zA-Z_][a-zA-Z0-9_]*$"
# Prometheus takes any alert name (it is a label value); Sloth and Pyrra users write '-' in
# them.  Letters, digits, '_' and '-' keep names readable in Alertmanager matchers.
ALERT_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]*$"

# The context key of `ServiceSpec.model_validate` saying which names the target engine takes
# (promql_names.NAME_VALIDATIONS); without it, legacy: rules that also load on Prometheus 2.
NAME_VALIDATION = "name_validation"


def utf8_names(info: ValidationInfo) -> bool:
    """Whether this validation is for an engine that takes UTF-8 names (Prometheus 3, `--name-validation utf8`)."""
    return bool(info.context) and info.context.get(NAME_VALIDATION) == "utf8"


_LEGACY_LABEL = re.compile(LABEL_NAME_PATTERN)


def _label_name(value: str, info: ValidationInfo) -> str:
    if utf8_names(info):
        problem = utf8_name_invalid("label", value)
        if problem:
            raise ValueError(problem)
    elif not _LEGACY_LABEL.match(value):
        if not value:
            raise ValueError(f"{value!r} is not a valid label name: use letters, digits and '_', not starting with a digit")
        raise ValueError(utf8_name_problem("label", value))  # Prometheus 3 would take it quoted: say so
    elif value.lower() in NUMBER_WORDS:
        raise ValueError(number_name_problem(value))
    return value


Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=63)]
LabelName = Annotated[
    str,
    StringConstraints(max_length=128),
    AfterValidator(_label_name),
    Field(description="letters, digits and '_', not starting with a digit; any UTF-8 text with --name-validation utf8"),
]
LabelValue = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
Labels = dict[LabelName, LabelValue]
Annotations = dict[LabelName, str]
# No examples here: a duration valid for one field (a 30d window) is not for another (a 1m slice);
# each field gives its own, and tests/spec/test_schema_examples.py validates them in a spec.
Duration = Annotated[str, Field(description="Prometheus duration, e.g. 30d, 6h, 5m")]
PromQL = Annotated[str, StringConstraints(min_length=1, max_length=16384)]

# The labels slogen writes on its series, alerts and dashboard queries (plan/names.py, the
# info series, the overview table); a spec may not set them, or series would collide.  Other
# `slo_*` names (a team's `slo_version`) are the user's: tests/spec/test_reserved_labels.py
# checks this list against every label the emitted files carry.
RESERVED_LABELS = (
    "slo_action", "slo_dashboard", "slo_description", "slo_id", "slo_name", "slo_objective", "slo_period",
    "slo_service", "slo_sli_kind", "slo_tier", "slo_window",
)


class Strict(BaseModel):
    """Unknown keys are errors; specs are values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        # A value's copy is the value: pydantic deep-copies a model given as a field's
        # default (`page: Severity = Severity()`) for every instance it validates.
        return self


def reserved_label_problem(name: str) -> str | None:
    """Why a label name may not be set by a spec, if it may not."""
    if name.startswith("__"):
        return f"label name {name!r} is reserved for Prometheus internals"
    if name in RESERVED_LABELS:
        return f"label name {name!r} is reserved: slogen writes it itself (its labels: {', '.join(RESERVED_LABELS)})"
    return None
