"""Every example `slogen schema` gives is valid: for the JSON Schema and for slogen.

An editor offers a schema's examples as completions; `slice: 30d` (once offered for a
timeslice's slice) was refused by `slogen validate`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import jsonschema
import pytest
import yaml

from slogen_testing import diagnostics_of, run_slogen, write_spec

RATIO = {"errors": 'http_requests_total{job="api", code=~"5.."}', "total": 'http_requests_total{job="api"}'}
HISTOGRAM = 'http_request_duration_seconds{job="api"}'


def _spec(slo: dict | None = None, **service: Any) -> dict:
    """A minimal valid spec, with `slo`'s keys set on its one SLO and `service`'s on the service."""
    return {"service": "api", **service, "slos": [{"name": "availability", "objective": 99.9, "sli": {"ratio": RATIO}, **(slo or {})}]}


# Where a property of each model can be set in a minimal spec: (property, value) -> spec.
# A model whose properties get examples needs an entry here, or the test below fails.
PLACES: dict[str, Callable[[str, Any], dict]] = {
    "slogen service spec": lambda key, value: _spec(**{key: value}),
    "SLO": lambda key, value: _spec({key: value}),
    "Alerting": lambda key, value: _spec({"alerting": {key: value}}),
    "Severity": lambda key, value: _spec({"alerting": {"page": {key: value}}}),
    "Tier": lambda key, value: _spec({"alerting": {"page": {"tiers": [{"budget_percent": 2, "long_window": "1h", key: value}]}}}),
    "NoData": lambda key, value: _spec({"alerting": {"no_data": {key: value}}}),
    "CalendarWindow": lambda key, value: _spec({"window": {"calendar": "month", key: value}}),
    "LatencySLI": lambda key, value: _spec({"sli": {"latency": {"histogram": HISTOGRAM, "threshold": 0.25, key: value}}}),
    "TimeslicesSLI": lambda key, value: _spec({"sli": {"timeslices": {"ratio_of": RATIO, key: value}}}),
    "Exclusion": lambda key, value: _spec(exclusions=[{"reason": "r", "when": "up == 0", key: value} if key != "when" else {"reason": "r", key: value}]),
    "Every": lambda key, value: _spec(exclusions=[{"reason": "r", "every": {"weekday": "sunday", "at": "02:00", "for": "2h", key: value}}]),
}


@pytest.fixture(scope="module")
def schema() -> dict:
    result = run_slogen("schema")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def examples_of(schema: dict) -> Iterator[tuple[str, str, dict, Any]]:
    """(model title, property, the schema the example is for, example) for every example in the schema,
    including those inside a property's alternatives (anyOf) and items."""
    models = [schema, *schema["$defs"].values()]
    for model in models:
        for key, prop in model.get("properties", {}).items():
            stack = [prop]
            while stack:
                part = stack.pop()
                for example in part.get("examples", []):
                    yield model["title"], key, part, example
                stack += part.get("anyOf", []) + ([part["items"]] if isinstance(part.get("items"), dict) else [])


def test_the_schema_has_examples_where_the_bug_was(schema):
    found = {(model, key) for model, key, _, _ in examples_of(schema)}
    assert ("TimeslicesSLI", "slice") in found and ("SLO", "window") in found and ("LatencySLI", "buckets") in found


def test_every_example_validates_against_its_own_schema(schema):
    for model, key, part, example in examples_of(schema):
        validator = jsonschema.Draft202012Validator({"$defs": schema["$defs"], **part})
        errors = [e.message for e in validator.iter_errors(example)]
        assert not errors, f"{model}.{key} example {example!r}: {errors}"


def test_every_example_is_a_valid_spec_for_slogen(schema, tmp_path):
    examples = list(examples_of(schema))
    missing = sorted({model for model, _, _, _ in examples} - set(PLACES))
    assert not missing, f"add a placement in PLACES for the examples of {missing}"
    for i, (model, key, _, example) in enumerate(examples):
        spec = PLACES[model](key, example)
        jsonschema.validate(spec, schema)
        path = write_spec(tmp_path, yaml.safe_dump(spec, sort_keys=False), f"example{i}.yaml")
        assert diagnostics_of([path]) == [], f"{model}.{key} example {example!r}"


def test_the_placements_can_fail(tmp_path):
    # The examples every duration once shared ("30d", "1h"), placed as the test above places them.
    for model, key, bad, expected in (
        ("TimeslicesSLI", "slice", "30d", "slos[0].sli.timeslices.slice: slice 30d must be a whole number of minutes that divides 1h"),
        ("SLO", "window", "1h", "slos[0].window: SLO window 1h must be between 1d and 366d"),
    ):
        path = write_spec(tmp_path, yaml.safe_dump(PLACES[model](key, bad)))
        messages = diagnostics_of([path])
        assert any(expected in message for message in messages), messages
