"""Plans in -> release gates out (opt-in, `--gate`): the delivery tools' own objects asking
Prometheus whether a service's error-budget policy lets a release through.

| tool            | file                                   | object |
|-----------------|----------------------------------------|--------|
| argo-rollouts   | gates/argo-rollouts/<service>.yaml     | AnalysisTemplate (argo.py) |
| flagger         | gates/flagger/<service>.yaml           | MetricTemplate (flagger.py) |

A flag, not a rule target: the gates read the series the rules record whichever ruler
evaluates them, so they go beside any `--target`, and they are made from the plans
(policy states, page alerts), not from rule groups. The question they ask is one
(release_query.py); a tool's module only wraps it in its object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from slogen.emit.gates import argo, flagger
from slogen.emit.gates.release_query import release_query
from slogen.emit.targets.base import header
from slogen.emit.text.documents import render_yaml
from slogen.errors import OptionError
from slogen.plan.slo import SLOPlan

Manifest = Callable[[str, dict[str, str], str, str], dict]
TOOLS: dict[str, tuple[str, Manifest]] = {"argo-rollouts": (argo.FOLDER, argo.manifest), "flagger": (flagger.FOLDER, flagger.manifest)}
MANAGED_BY = {"app.kubernetes.io/managed-by": "slogen"}
_URL = re.compile(r"^https?://[^\s{}]+$")
# metadata.name of both kinds: a DNS-1123 subdomain (a service name has no dots, so one label's rule).
_KUBERNETES_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@dataclass(frozen=True)
class GateOptions:
    """Which tools' gates to write, the Prometheus they ask, and the policy state that stops a release."""

    tools: tuple[str, ...] = ()
    prometheus: str | None = None
    fail_on: str | None = None  # None: each policy's last state (budget exhausted)


def gate_options(tools: list[str] | None, prometheus: str | None, fail_on: str | None) -> GateOptions:
    """The gate options of a command line (repeated or comma-separated `--gate`), or an OptionError."""
    names = [part.strip() for value in tools or [] for part in value.split(",") if part.strip()]
    unknown = [name for name in names if name not in TOOLS]
    if unknown:
        raise OptionError(f"--gate {unknown[0]!r}: choose from {', '.join(TOOLS)}")
    if not names:
        if prometheus is not None or fail_on is not None:
            raise OptionError("--gate-prometheus and --gate-fail-on need --gate argo-rollouts|flagger")
        return GateOptions()
    if prometheus is None:
        raise OptionError("--gate needs --gate-prometheus URL: the Prometheus the delivery tool asks (http://... or https://...)")
    if not _URL.match(prometheus):
        raise OptionError(f"--gate-prometheus {prometheus!r}: expected an http:// or https:// URL")
    return GateOptions(tuple(name for name in TOOLS if name in names), prometheus, fail_on)


def object_name(service: str) -> str:
    """The gate objects' metadata.name for a service (underscores become dashes: Kubernetes names)."""
    return f"slogen-{service.replace('_', '-')}"


def gate_files(service: str, source: str, plans: Sequence[SLOPlan], options: GateOptions) -> dict[str, str]:
    """Each chosen tool's gate object of one service, by path under the output directory."""
    if not options.tools or not plans:
        return {}
    query = release_query(service, plans, options.fail_on)
    if "{{" in query:  # both tools expand {{...}} in a query before sending it
        raise OptionError(f"service {service!r}: a page alert label holds '{{{{', which Argo Rollouts and Flagger would expand in the gate's query")
    files = {}
    for tool in options.tools:
        folder, manifest = TOOLS[tool]
        data = manifest(object_name(service), dict(MANAGED_BY), query, options.prometheus or "")
        files[f"{folder}/{service}.yaml"] = render_yaml(data, header(source))
    return files


def check_names(services: Sequence[str], options: GateOptions) -> None:
    """Refuse a gate name Kubernetes would refuse, and two services whose gate objects would get the same name."""
    if not options.tools:
        return
    seen: dict[str, str] = {}
    for service in sorted(services):
        name = object_name(service)
        if not _KUBERNETES_NAME.match(name):  # a service name may end in - or _, a Kubernetes name may not
            raise OptionError(
                f"service {service!r}: its release gate {name!r} is not a Kubernetes object name "
                "(lowercase letters, digits and '-', ending in a letter or digit); rename the service"
            )
        if name in seen:
            raise OptionError(f"services {seen[name]!r} and {service!r} would both have the release gate {name!r}; rename one")
        seen[name] = service
