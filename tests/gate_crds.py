"""The Argo Rollouts and Flagger CRD schemas, from the tools' own pinned module zips
(`make test` copies them to .tools/crds/: tools/engines.mk, tools/engines/gates/go.mod),
as JSON-schema validators that refuse what the API server would.

A CRD's openAPIV3Schema is JSON schema (draft 4 keywords) plus Kubernetes' `x-kubernetes-*`
markers, which the validator ignores, except one: an object without
`x-kubernetes-preserve-unknown-fields` takes no field its schema does not name. kubectl
(`--validate=strict`, its default) refuses such a field; the validator is made to as well.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CRDS = ROOT / ".tools" / "crds"
FILES = {"AnalysisTemplate": "argo-rollouts-analysis-template.yaml", "MetricTemplate": "flagger.yaml", "Canary": "flagger.yaml"}


def _strict(schema):
    if isinstance(schema, dict):
        out = {key: _strict(value) for key, value in schema.items()}
        if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out \
                and not out.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


@cache
def crd(kind: str) -> dict:
    """The CustomResourceDefinition of `kind`, failing the test when `make test` has not fetched it."""
    path = CRDS / FILES[kind]
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make test`, which copies it from the module pinned in tools/engines/gates (make engines)")
    found = [doc for doc in yaml.safe_load_all(path.read_text()) if doc and doc["spec"]["names"]["kind"] == kind]
    assert len(found) == 1, f"{kind} in {path}"
    return found[0]


@cache
def validator(api_version: str, kind: str) -> jsonschema.Draft4Validator:
    """A validator for objects of `kind` at `api_version` (a version the CRD serves)."""
    definition = crd(kind)
    group, _, version = api_version.partition("/")
    assert definition["spec"]["group"] == group, api_version
    (served,) = [v for v in definition["spec"]["versions"] if v["name"] == version and v.get("served")]
    return jsonschema.Draft4Validator(_strict(served["schema"]["openAPIV3Schema"]))


def problems(document: dict) -> list[str]:
    """What the CRD of the document's kind and apiVersion refuses in it, one line each."""
    check = validator(document["apiVersion"], document["kind"])
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in check.iter_errors(document))
