"""Prometheus Operator: one `monitoring.coreos.com/v1` PrometheusRule per service.

The object is named `slogen-<service>` (underscores become dashes: Kubernetes names
are DNS subdomains) and labelled `app.kubernetes.io/managed-by: slogen` plus the
`--operator-label`s, which is what a Prometheus' `ruleSelector` matches. Without
`--operator-namespace` the object has none, so `kubectl apply -n NS` decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from slogen.emit.rules.recording import Group, rule_file_data
from slogen.emit.text.documents import render_yaml
from slogen.emit.targets.base import Flag, ServiceGroups, Target, TargetError, header

FOLDER = "prometheus-operator"
EXTENSION = "yaml"
API_VERSION = "monitoring.coreos.com/v1"
KIND = "PrometheusRule"
MANAGED_BY = ("app.kubernetes.io/managed-by", "slogen")
# The operator packs rules into ConfigMaps of at most half a Secret's 1 MiB and
# rejects a PrometheusRule that cannot fit in one.
MAX_BYTES = 512 * 1024

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_LABEL_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")


@dataclass(frozen=True)
class OperatorOptions:
    """Where each PrometheusRule goes and what selects it."""

    namespace: str | None = None
    labels: tuple[tuple[str, str], ...] = ()


def object_name(service: str) -> str:
    """The PrometheusRule's metadata.name for a service."""
    return f"slogen-{service.replace('_', '-')}"


def parse_namespace(text: str) -> str:
    """A Kubernetes namespace name, or a TargetError saying what is wrong with it."""
    if len(text) > 63 or not _DNS_LABEL.match(text):
        raise TargetError(f"--operator-namespace {text!r}: not a Kubernetes namespace name (lowercase letters, digits and '-', at most 63)")
    return text


def parse_label(text: str) -> tuple[str, str]:
    """`key=value` as a Kubernetes label, or a TargetError saying what is wrong with it."""
    key, sep, value = text.partition("=")
    if not sep:
        raise TargetError(f"--operator-label {text!r}: expected key=value")
    prefix, slash, name = key.rpartition("/")
    if (slash and (len(prefix) > 253 or not _LABEL_PREFIX.match(prefix))) or len(name) > 63 or not _LABEL_NAME.match(name):
        raise TargetError(f"--operator-label {text!r}: {key!r} is not a Kubernetes label key")
    if len(value) > 63 or not _LABEL_VALUE.match(value):
        raise TargetError(f"--operator-label {text!r}: {value!r} is not a Kubernetes label value (at most 63 of letters, digits, '-', '_', '.')")
    return key, value


def check_services(services: Sequence[ServiceGroups], options: OperatorOptions | None = None) -> None:
    """Refuse two files (services, or a service's --split leaf) whose PrometheusRules would get the same name."""
    seen: dict[str, ServiceGroups] = {}
    for file in sorted(services, key=lambda s: (object_name(s.name), s.service, s.side)):
        name = object_name(file.name)
        if name in seen:
            raise TargetError(f"{_both(seen[name], file)} would both be PrometheusRule {name!r}; rename one")
        seen[name] = file


def _both(first: ServiceGroups, second: ServiceGroups) -> str:
    if not (first.side or second.side):
        return f"services {first.service!r} and {second.service!r}"
    return " and ".join(f"service {f.service!r}" + (f" ({f.side} rules of --split)" if f.side else "") for f in (first, second))


def manifest(service: str, groups: tuple[Group, ...], options: OperatorOptions) -> dict:
    """The PrometheusRule object as data."""
    metadata: dict = {"name": object_name(service)}
    if options.namespace:
        metadata["namespace"] = options.namespace
    metadata["labels"] = dict(sorted(dict((MANAGED_BY, *options.labels)).items()))
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata, "spec": rule_file_data(groups)}


def render(service: str, source: str, groups: tuple[Group, ...], options: OperatorOptions = OperatorOptions()) -> str:
    """The PrometheusRule manifest for `kubectl apply -f`, refused when too big for the operator."""
    text = render_yaml(manifest(service, groups, options), header(source))
    size = len(text.encode())
    if size > MAX_BYTES:
        raise TargetError(
            f"service {service!r}: its PrometheusRule is {size // 1024} KiB, over the operator's 512 KiB limit; split its SLOs into several specs"
        )
    return text


TARGET = Target(
    "prometheus-operator", FOLDER, EXTENSION, render, OperatorOptions,
    (
        Flag("--operator-namespace", "namespace", "metadata.namespace of each PrometheusRule", parse_namespace, metavar="NAMESPACE"),
        Flag("--operator-label", "labels", "key=value label on each PrometheusRule (for ruleSelector); repeatable", parse_label, True, "KEY=VALUE"),
    ),
    check_services,
)
