"""Options that change every spec of a run: the equivalents of Sloth's global flags, and
the label compatibility mode for teams moving from Sloth or Pyrra.

They act on the native spec data before it is validated, so a spec changed by an option
is checked (and located) like one written that way.  Only `slos[*]` entries that are
mappings are touched; anything else is left for the validation to report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slogen.spec.fields import NAME_VALIDATION

COMPAT_MODES = ("sloth", "pyrra")


@dataclass(frozen=True)
class SpecOptions:
    """What the command line asks of every spec (all off by default)."""

    # Sloth's --default-slo-period: the window of every SLO that sets none (a Sloth spec never does).
    default_window: str | None = None
    # Sloth's --extra-labels: labels on every SLO's series and alerts (the spec's own labels win).
    extra_labels: tuple[tuple[str, str], ...] = ()
    # Sloth's --disable-alerts: recording rules only.
    disable_alerts: bool = False
    # Sloth's --fs-include / --fs-exclude: regular expressions searched in the paths of
    # files found in spec directories (files named on the command line are always read).
    include: str | None = None
    exclude: str | None = None
    # Also emit the source tool's label names: "sloth" (sloth_id, sloth_service, sloth_slo,
    # sloth_severity), "pyrra" (slo).
    compat: tuple[str, ...] = ()
    # Which names the engine that loads the rules takes (promql_names.NAME_VALIDATIONS): "legacy"
    # (Prometheus 2 and 3) or "utf8" (Prometheus 3's quoted names).  Changes no spec data,
    # only what validation accepts (model.NAME_VALIDATION).
    name_validation: str = "legacy"

    @property
    def validation_context(self) -> dict[str, str]:
        """The context `ServiceSpec.model_validate` checks names with."""
        return {NAME_VALIDATION: self.name_validation}

    @property
    def changes_specs(self) -> bool:
        """Whether any option rewrites spec data."""
        return bool(self.default_window or self.extra_labels or self.disable_alerts or self.compat)

    def wanted(self, path: Path) -> bool:
        """Whether a file found in a spec directory is read (include/exclude patterns)."""
        text = path.as_posix()
        if self.include and not re.search(self.include, text):
            return False
        return not (self.exclude and re.search(self.exclude, text))

    def apply(self, data: Any) -> Any:
        """A native spec's data with the options applied (a new dict; `data` is not changed)."""
        if not self.changes_specs or not isinstance(data, dict) or not isinstance(data.get("slos"), list):
            return data
        out = dict(data)
        if self.extra_labels:
            labels = data.get("labels")
            out["labels"] = {**dict(self.extra_labels), **labels} if isinstance(labels, dict) else labels or dict(self.extra_labels)
        service = data.get("service")
        out["slos"] = [self._slo(slo, service) if isinstance(slo, dict) else slo for slo in data["slos"]]
        return out

    def _slo(self, slo: dict, service: Any) -> dict:
        out = dict(slo)
        if self.default_window and "window" not in slo:
            out["window"] = self.default_window
        if self.disable_alerts:
            out["alerting"] = False
        labels = dict(slo["labels"]) if isinstance(slo.get("labels"), dict) else None
        if self.compat and (labels is not None or "labels" not in slo):
            labels = labels or {}
            name = slo.get("name")
            if "sloth" in self.compat:
                # Sloth's sloth_id is <service>-<slo>, as is slogen's slo_id.
                labels.update(sloth_id=f"{service}-{name}", sloth_service=str(service), sloth_slo=str(name))
            if "pyrra" in self.compat:
                labels["slo"] = str(name)
            out["labels"] = labels
        alerting = out.get("alerting", {})
        if "sloth" in self.compat and isinstance(alerting, dict):
            alerting = dict(alerting)
            for key in ("page", "ticket"):
                severity = alerting.get(key, {})
                if isinstance(severity, dict):
                    sev_labels = severity.get("labels", {})
                    if isinstance(sev_labels, dict):
                        alerting[key] = {**severity, "labels": {**sev_labels, "sloth_severity": key}}
            out["alerting"] = alerting
        return out
