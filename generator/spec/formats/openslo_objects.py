"""The OpenSLO v1 objects of a spec tree, by kind and name, and the references between them.

OpenSLO objects refer to each other by name across files (`indicatorRef`,
`alertPolicyRef`, `conditionRef`, `metricSourceRef`); a reference to nothing is a
problem where the reference is written.
"""

from __future__ import annotations

from typing import Any

from slogen.spec.formats.source import Conversion, Reader, written

V1 = "openslo/v1"
# The API group of OpenSLO's Kubernetes CRDs, which vendors write: the same v1 objects.
V1_K8S = "openslo.com/v1"
V1ALPHA = "openslo/v1alpha"
ENVELOPE = ("apiVersion", "kind", "metadata", "spec")

Key = tuple[str, int]  # a document: (path, index)


def object_name(data: dict) -> Any:
    """An object's `metadata.name`, whatever it is; None without one."""
    meta = data.get("metadata")
    return meta.get("name") if isinstance(meta, dict) else None


class Objects:
    """Every v1 object of the spec tree by (kind, name), and the conversion their problems go to."""

    def __init__(self, documents: list[tuple[Key, dict]], out: Conversion):
        self.out = out
        self.by_name: dict[tuple[str, str], tuple[Key, dict]] = {}
        for key, data in documents:
            if data.get("apiVersion") != V1:
                continue
            name = object_name(data)
            if not isinstance(name, str) or not name:
                Reader(key, out).problem(("metadata",), "metadata.name is required")
                continue
            if not isinstance(data.get("kind"), str):
                continue
            if (data["kind"], name) in self.by_name:
                first = self.by_name[(data["kind"], name)][0]
                Reader(key, out).problem(("metadata", "name"), f"{data['kind']} {written(name)} is already defined in {first[0]}")
                continue
            self.by_name[(data["kind"], name)] = (key, data)

    def get(self, kind: str, name: Any) -> tuple[Key, dict] | None:
        """The object of this kind and name, if the spec tree has one."""
        return self.by_name.get((kind, name)) if isinstance(name, str) else None

    def lookup(self, reader: Reader, kind: str, ref: Any, loc: tuple) -> tuple[Key, dict] | None:
        """The object a reference names, or a problem where the reference is written."""
        if not isinstance(ref, str) or not ref:
            reader.problem(loc, f"expected the name of a {kind}")
            return None
        hit = self.by_name.get((kind, ref))
        if hit is None:
            reader.problem(loc, f"no {kind} named {written(ref)} in the spec files")
        return hit

    def inline_or_ref(self, reader: Reader, item: Any, loc: tuple, kind: str, ref_key: str) -> tuple[Reader, tuple, dict] | None:
        """(reader, loc, object) of an inline object, or of the one `ref_key` names; None when unknown."""
        if isinstance(item, dict) and ref_key in item:
            hit = self.lookup(reader, kind, item[ref_key], loc + (ref_key,))
            if hit is None:
                return None
            return Reader(hit[0], self.out), (), hit[1]
        if not isinstance(item, dict):
            shown = f"{written(item)}" if isinstance(item, str) else "a name"
            reader.problem(loc, f"expected an inline {kind} or a reference `{ref_key}: {shown}`")
            return None
        return reader, loc, item
