"""Sloth specs -> native SLOs: `prometheus/v1` files and Kubernetes `PrometheusServiceLevel` objects.

Both dialects carry the same model (snake_case in the file format, camelCase in the CRD).
Mapping, per SLO:

* `sli.events` -> a `query` SLI: error and total queries are already per-second rates
  over `{{.window}}`; an outer `sum(...) by (a, b)` makes one SLI per (a, b) in Sloth (it
  divides the two queries series by series), so it becomes `grouping: [a, b]`; the two
  queries must then keep the same labels;
* `sli.raw` (an error *ratio*) -> a `query` SLI with one event per second per series of
  the ratio and the ratio as the errors: windows become the time-weighted mean of the
  ratio, as in Sloth; a ratio cannot be traffic-weighted without its counts.  NaN ratios
  (no traffic) count as no time at all;
* `sli.plugin` and SLO plugins -> an error naming the plugin: they are Go code;
* `alerting.page_alert`/`ticket_alert` -> `page`/`ticket`, `disable: true` -> false; when
  the page and ticket alerts would carry the same labels (`severity` in `alerting.labels`),
  each gets `sloth_severity: page|ticket`, the label Sloth adds to tell them apart;
* service labels are merged under SLO labels, as Sloth does.

The SLO period is not in Sloth's spec (a CLI flag, 30d by default): slogen's default 30d.
"""

from __future__ import annotations

from typing import Any

from slogen.spec.formats.native_latency import native_latency
from slogen.spec.formats.source import SLOTH_LABELS, Conversion, ConvertedSLO, Reader, keep_alert_templates, normalise_window, raw_ratio_sli, written
from slogen.spec.promql import output_grouping

PROMETHEUS_V1 = "prometheus/v1"
K8S_API = "sloth.slok.dev/v1"
K8S_KIND = "PrometheusServiceLevel"


def is_sloth(data: Any) -> bool:
    """A Sloth `prometheus/v1` spec."""
    return isinstance(data, dict) and data.get("version") == PROMETHEUS_V1


def is_sloth_k8s(data: Any) -> bool:
    """A Sloth Kubernetes `PrometheusServiceLevel` object."""
    return isinstance(data, dict) and data.get("apiVersion") == K8S_API and data.get("kind") == K8S_KIND


_SPELLINGS = (
    ("error_query", "errorQuery"),
    ("total_query", "totalQuery"),
    ("error_ratio_query", "errorRatioQuery"),
    ("page_alert", "pageAlert"),
    ("ticket_alert", "ticketAlert"),
    ("slo_plugins", "sloPlugins"),
)


class _Keys:
    """Key spellings of one dialect, and hints for the other dialect's spelling."""

    def __init__(self, camel: bool):
        pick = dict(_SPELLINGS) if camel else {snake: snake for snake, _ in _SPELLINGS}
        self.error_query = pick["error_query"]
        self.total_query = pick["total_query"]
        self.error_ratio_query = pick["error_ratio_query"]
        self.page = pick["page_alert"]
        self.ticket = pick["ticket_alert"]
        self.slo_plugins = pick["slo_plugins"]
        # Sloth ignores a key in the other dialect's spelling; slogen says which one it means.
        dialect = "Kubernetes" if camel else "prometheus/v1"
        self.hint = {
            (snake if camel else camel_name): f"the {dialect} spelling is {camel_name if camel else snake}"
            for snake, camel_name in _SPELLINGS
        }


def convert_sloth(doc: tuple[str, int], data: dict) -> Conversion:
    """A Sloth `prometheus/v1` document -> native SLOs."""
    out = Conversion()
    reader = Reader(doc, out)
    reader.mapping(data, (), ("version", "service", "labels", "slo_plugins", "slos"), _Keys(False).hint, tool="Sloth")
    _service(reader, data, (), _Keys(False))
    return out


def convert_sloth_k8s(doc: tuple[str, int], data: dict) -> Conversion:
    """A Sloth `PrometheusServiceLevel` object -> native SLOs (metadata is for the rule object, not the rules)."""
    out = Conversion()
    reader = Reader(doc, out)
    reader.mapping(data, (), ("apiVersion", "kind", "metadata", "spec", "status"), tool="Sloth")
    spec = data.get("spec")
    if not isinstance(spec, dict):
        reader.problem(("spec",), "required key is missing" if spec is None else "expected a mapping")
        return out
    keys = _Keys(True)
    reader.mapping(spec, ("spec",), ("service", "labels", "sloPlugins", "slos"), keys.hint)
    _service(reader, spec, ("spec",), keys)
    return out


def _plugins(reader: Reader, value: Any, loc: tuple) -> None:
    """SLO plugins are Go code run by Sloth: name each one that a spec asks for."""
    if value is None:
        return
    chain = reader.mapping(value, loc, ("overridePrevious", "chain")).get("chain")
    for index, plugin in enumerate(reader.sequence(chain, loc + ("chain",))):
        plugin_id = plugin.get("id") if isinstance(plugin, dict) else None
        reader.problem(
            loc + ("chain", index, "id"),
            f"Sloth SLO plugin {written(plugin_id)} is not supported: slogen does not run Sloth's Go plugins; "
            "express what it adds in the spec (labels, tiers) instead",
        )


def _service(reader: Reader, spec: dict, base: tuple, keys: _Keys) -> None:
    service = reader.text(spec.get("service"), base + ("service",))
    labels = reader.string_map(spec.get("labels"), base + ("labels",))
    _plugins(reader, spec.get(keys.slo_plugins), base + (keys.slo_plugins,))
    slos = spec.get("slos")
    if not isinstance(slos, list) or not slos:
        reader.problem(base + ("slos",), "at least one SLO is required")
        return
    for index, slo in enumerate(slos):
        loc = base + ("slos", index)
        if not isinstance(slo, dict):
            reader.problem(loc, "expected a mapping")
            continue
        converted = _slo(reader, slo, loc, labels, keys)
        if converted is not None and service is not None:
            slo_dict, origins = converted
            reader.out.slos.append(ConvertedSLO(service, slo_dict, origins, reader.at(base + ("service",))))


def _slo(reader: Reader, slo: dict, loc: tuple, service_labels: dict, keys: _Keys):
    reader.mapping(slo, loc, ("name", "description", "objective", "labels", "sli", "alerting", "plugins"), keys.hint, tool="Sloth", nested=True)
    _plugins(reader, slo.get("plugins"), loc + ("plugins",))
    out: dict[str, Any] = {"name": slo.get("name"), "objective": slo.get("objective")}
    origins = {(): reader.at(loc), ("name",): reader.at(loc + ("name",)), ("objective",): reader.at(loc + ("objective",))}
    if slo.get("description"):
        out["description"] = slo["description"]
        origins[("description",)] = reader.at(loc + ("description",))
    labels = {**service_labels, **reader.string_map(slo.get("labels"), loc + ("labels",))}
    if labels:
        out["labels"] = labels
        origins[("labels",)] = reader.at(loc + ("labels",) if "labels" in slo else loc[:-2] + ("labels",))
    sli = _sli(reader, slo.get("sli"), loc + ("sli",), keys, origins)
    alerting = _alerting(reader, slo.get("alerting"), loc + ("alerting",), keys, origins)
    if sli is None:
        return None
    out["sli"], grouping = sli
    if grouping:
        out["grouping"] = list(grouping)
    out["alerting"] = alerting
    return out, origins


def _sli(reader: Reader, sli: Any, loc: tuple, keys: _Keys, origins: dict):
    if not isinstance(sli, dict):
        reader.problem(loc, "required key is missing" if sli is None else "expected a mapping")
        return None
    reader.mapping(sli, loc, ("events", "raw", "plugin"), keys.hint, tool="Sloth", nested=True)
    given = [k for k in ("events", "raw", "plugin") if sli.get(k) is not None]
    if len(given) != 1:
        reader.problem(loc, "an SLI needs exactly one of events, raw or plugin" + (f" (got {', '.join(given)})" if given else ""))
        return None
    origins[("sli",)] = reader.at(loc)
    if given == ["plugin"]:
        plugin = sli["plugin"]
        plugin_id = plugin.get("id") if isinstance(plugin, dict) else None
        reader.problem(
            loc + ("plugin", "id") if plugin_id else loc + ("plugin",),
            f"Sloth SLI plugin {written(plugin_id)} is not supported: slogen does not run Sloth's Go plugins; "
            "paste the query the plugin would generate as sli.events or sli.raw",
        )
        return None
    if given == ["events"]:
        events = reader.mapping(sli["events"], loc + ("events",), (keys.error_query, keys.total_query), keys.hint, tool="Sloth", nested=True)
        errors = reader.text(events.get(keys.error_query), loc + ("events", keys.error_query))
        total = reader.text(events.get(keys.total_query), loc + ("events", keys.total_query))
        if errors is None or total is None:
            return None
        origins[("sli", "query")] = reader.at(loc + ("events",))
        origins[("sli", "query", "errors")] = reader.at(loc + ("events", keys.error_query))
        origins[("sli", "query", "total")] = reader.at(loc + ("events", keys.total_query))
        errors, total = normalise_window(errors), normalise_window(total)
        by_errors, by_total = output_grouping(errors), output_grouping(total)
        grouping = by_errors or by_total or ()
        if by_errors is not None and by_total is not None and set(by_errors) != set(by_total):
            reader.problem(
                loc + ("events", keys.error_query),
                f"{keys.error_query} keeps the labels ({', '.join(by_errors)}) but {keys.total_query} keeps ({', '.join(by_total)}): "
                "Sloth divides the two series by series, so they would never match; give both the same `by (...)`",
            )
            return None
        if grouping:
            origins[("grouping",)] = reader.at(loc + ("events", keys.error_query))
        return native_latency(errors, total, good=False) or {"query": {"errors": errors, "total": total}}, grouping
    raw = reader.mapping(sli["raw"], loc + ("raw",), (keys.error_ratio_query,), keys.hint, tool="Sloth", nested=True)
    ratio = reader.text(raw.get(keys.error_ratio_query), loc + ("raw", keys.error_ratio_query))
    if ratio is None:
        return None
    origins[("sli", "query")] = reader.at(loc + ("raw", keys.error_ratio_query))
    grouping = output_grouping(normalise_window(ratio)) or ()
    if grouping:
        origins[("grouping",)] = reader.at(loc + ("raw", keys.error_ratio_query))
    return {"query": raw_ratio_sli(ratio, grouping=grouping)}, grouping


def _alerting(reader: Reader, alerting: Any, loc: tuple, keys: _Keys, origins: dict):
    alerting = reader.mapping(alerting, loc, ("name", "labels", "annotations", keys.page, keys.ticket), keys.hint, tool="Sloth", nested=True)
    origins[("alerting",)] = reader.at(loc)
    out: dict[str, Any] = {}
    if "name" in alerting:  # an empty name is an error, as in Sloth, not a default
        out["name"] = alerting["name"]
        origins[("alerting", "name")] = reader.at(loc + ("name",))
    for key in ("labels", "annotations"):
        if alerting.get(key):
            out[key] = reader.string_map(alerting[key], loc + (key,))
            origins[("alerting", key)] = reader.at(loc + (key,))
    enabled = 0
    for key, native in ((keys.page, "page"), (keys.ticket, "ticket")):
        alert = reader.mapping(alerting.get(key), loc + (key,), ("disable", "labels", "annotations"), tool="Sloth", nested=True)
        if alert.get("disable") is True:
            out[native] = False
            continue
        enabled += 1
        severity: dict[str, Any] = {}
        for sub in ("labels", "annotations"):
            if alert.get(sub):
                severity[sub] = reader.string_map(alert[sub], loc + (key, sub))
                origins[("alerting", native, sub)] = reader.at(loc + (key, sub))
        out[native] = severity
        origins[("alerting", native)] = reader.at(loc + (key,))
    if enabled == 2 and _same_labels(out):
        # Sloth tells its two alerts apart by the label it always adds; so does slogen here.
        for native in ("page", "ticket"):
            out[native]["labels"] = {**out[native].get("labels", {}), "sloth_severity": native}
    return keep_alert_templates(out, SLOTH_LABELS) if enabled else False


def _same_labels(alerting: dict) -> bool:
    """Whether the page and ticket alerts would carry the same labels (slogen's default severity included)."""
    shared = alerting.get("labels", {})
    page, ticket = ({"severity": key, **shared, **alerting[key].get("labels", {})} for key in ("page", "ticket"))
    return page == ticket
