"""Foreign spec formats, detected from a document's keys and converted to native SLOs.

Each module knows one format and nothing of the others; all of them produce native
SLO dicts (see source.py) that the loader validates like a native spec, so every
native feature and check applies to them.
"""

from __future__ import annotations

from typing import Any

from slogen.spec.formats import budget_adjustment, openslo, pyrra, sloth
from slogen.spec.formats.source import Conversion, written

NATIVE = "native"
# Not SLOs: exclusions for SLOs of other documents, joined once every spec has loaded.
ADJUSTMENT = "budget-adjustment"

# Format name -> (detector, human description) in the order they are tried.
_DETECTORS = (
    ("sloth", sloth.is_sloth),
    ("sloth-k8s", sloth.is_sloth_k8s),
    ("openslo", openslo.is_openslo),
    ("pyrra", pyrra.is_pyrra),
    (ADJUSTMENT, budget_adjustment.is_budget_adjustment),
)

NOT_A_SPEC = (
    "not a slogen spec: expected a mapping with `service:` and `slos:`, or a Sloth, OpenSLO or "
    "Pyrra document (recognised by its version, apiVersion and kind)"
)


def detect_format(data: Any) -> str | None:
    """Which spec format a document is in, judged from its keys, never from the file name."""
    for name, matches in _DETECTORS:
        if matches(data):
            return name
    if isinstance(data, dict) and ("service" in data or "slos" in data) and data.get("version", 1) == 1:
        return NATIVE
    return None


def unknown_format_hint(data: Any) -> str | None:
    """Why a document with a familiar header is still not loadable, if it is one of those."""
    if isinstance(data, list):
        # A list of objects slogen does not read (OpenSLO v2alpha): the first one's reason.
        hint = next(((i, unknown_format_hint(item)) for i, item in enumerate(data) if isinstance(item, dict) and unknown_format_hint(item)), None)
        if hint is not None and all(detect_format(item) in (NATIVE, None) for item in data):
            return f"item [{hint[0]}]: {hint[1]}"
    if isinstance(data, list) and any(detect_format(item) not in (NATIVE, None) for item in data):
        index = next(i for i, item in enumerate(data) if detect_format(item) in (NATIVE, None))
        return (
            f"a YAML list is read as OpenSLO, Pyrra or Sloth objects, but item [{index}] is not one "
            "(recognised by its apiVersion and kind)"
        )
    if not isinstance(data, dict):
        return None
    version, api, kind = data.get("version"), data.get("apiVersion"), data.get("kind")
    if isinstance(version, str) and version.startswith("prometheus/"):
        return f"unsupported Sloth spec version {written(version)}: expected \"prometheus/v1\""
    if api == "sloth.slok.dev/v1" and kind == "AlertWindows":
        return (
            "a Sloth AlertWindows catalog is not an SLO spec: slogen's tiers are set per SLO "
            "(alerting.page.tiers / alerting.ticket.tiers)"
        )
    if isinstance(api, str) and api.startswith(("openslo/v2", "openslo.com/v2")):
        return (
            f"OpenSLO {api} is not supported: v2alpha is a draft that still changes (`sli`/`sliRef`, `dataSourceRef`); "
            "slogen reads openslo/v1 (or openslo.com/v1) objects: write this one as v1"
        )
    if isinstance(api, str) and api.startswith(("openslo/", "openslo.com/")):
        return f"unsupported OpenSLO document {api}, kind {written(kind)}: slogen reads openslo/v1 (or openslo.com/v1) objects and openslo/v1alpha SLOs"
    if isinstance(api, str) and api.startswith("pyrra.dev/"):
        return f"unsupported Pyrra object {api}, kind {written(kind)}: slogen reads pyrra.dev/v1alpha1 ServiceLevelObjective"
    return None


def convert_all(documents: list[tuple[tuple[str, int], str, Any]]) -> Conversion:
    """Convert every foreign document; OpenSLO objects may refer to each other across files."""
    out = Conversion()
    open_slo = []
    for key, fmt, data in documents:
        if fmt == "sloth":
            part = sloth.convert_sloth(key, data)
        elif fmt == "sloth-k8s":
            part = sloth.convert_sloth_k8s(key, data)
        elif fmt == "pyrra":
            part = pyrra.convert_pyrra(key, data)
        else:
            open_slo.append((key, data))
            continue
        out.slos += part.slos
        out.problems += part.problems
        out.warnings += part.warnings
    if open_slo:
        part = openslo.convert_openslo(open_slo)
        out.slos += part.slos
        out.problems += part.problems
        out.warnings += part.warnings
    return out
