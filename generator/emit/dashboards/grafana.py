"""Grafana dashboard JSON shapes: panels, targets, variables, as plain dicts.

Knows Grafana's classic dashboard model and nothing about SLOs; dashboards.py
decides what to show.  Shapes follow what Grafana 11/12 saves on export, so an
imported dashboard is not rewritten on its first save.

Panels share the parts that do not vary (options, and field config per unit and
thresholds): a dashboard is a value to serialise, not to edit in place.  At 10,000
SLOs that is 1.6 million dicts and lists fewer for the garbage collector to walk.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# Grafana 11.6 / 12.0 save dashboards at schemaVersion 41; newer ones migrate it
# silently, older ones (>= 11.0) still render every panel kind used here.
SCHEMA_VERSION = 41
DATASOURCE_VARIABLE = "datasource"
DATASOURCE = {"type": "prometheus", "uid": f"${{{DATASOURCE_VARIABLE}}}"}
UID_MAX = 40  # Grafana rejects longer dashboard uids

Steps = tuple[tuple[float | None, str], ...]


@dataclass(frozen=True)
class Grid:
    """A panel's place on Grafana's 24-column grid."""

    x: int
    y: int
    w: int
    h: int

    def as_dict(self) -> dict:
        """Grafana's gridPos."""
        return {"h": self.h, "w": self.w, "x": self.x, "y": self.y}


def target(ref: str, expr: str, legend: str = "__auto", instant: bool = False, table: bool = False) -> dict:
    """A Prometheus query of a panel."""
    return {
        "datasource": DATASOURCE,
        "editorMode": "code",
        "expr": expr,
        "format": "table" if table else "time_series",
        "instant": instant,
        "legendFormat": legend,
        "range": not instant,
        "refId": ref,
    }


@lru_cache(maxsize=256)
def thresholds(steps: Steps) -> dict:
    """Absolute thresholds; the first step's value must be None (the base colour)."""
    return {"mode": "absolute", "steps": [{"color": color, "value": value} for value, color in steps]}


def _panel(kind: str, title: str, description: str, grid: Grid, targets: list[dict], field_config: dict, options: dict) -> dict:
    return {
        "datasource": DATASOURCE,
        "description": description,
        "fieldConfig": field_config,
        "gridPos": grid.as_dict(),
        "options": options,
        "targets": targets,
        "title": title,
        "type": kind,
    }


_REDUCE = {"calcs": ["lastNotNull"], "fields": "", "values": False}
_STAT_OPTIONS = {
    "colorMode": "value",
    "graphMode": "none",
    "justifyMode": "auto",
    "orientation": "auto",
    "reduceOptions": _REDUCE,
    "showPercentChange": False,
    "textMode": "value_and_name",
    "wideLayout": True,
}
_GAUGE_OPTIONS = {
    "minVizHeight": 75,
    "minVizWidth": 75,
    "orientation": "auto",
    "reduceOptions": _REDUCE,
    "showThresholdLabels": False,
    "showThresholdMarkers": True,
    "sizing": "auto",
}
_TIMESERIES_OPTIONS = {
    "legend": {"calcs": ["lastNotNull", "max"], "displayMode": "table", "placement": "bottom", "showLegend": True},
    "tooltip": {"mode": "multi", "sort": "desc"},
}
_STATE_TIMELINE_OPTIONS = {
    "alignValue": "left",
    "legend": {"displayMode": "list", "placement": "bottom", "showLegend": False},
    "mergeValues": True,
    "rowHeight": 0.8,
    "showValue": "never",
    "tooltip": {"mode": "single", "sort": "none"},
}


def stat_panel(title: str, description: str, grid: Grid, targets: list[dict], unit: str, steps: Steps, decimals: int | None = None) -> dict:
    """A big-number panel coloured by thresholds."""
    return _panel("stat", title, description, grid, targets, _stat_field_config(unit, steps, decimals), _STAT_OPTIONS)


@lru_cache(maxsize=256)
def _stat_field_config(unit: str, steps: Steps, decimals: int | None) -> dict:
    defaults: dict = {"color": {"mode": "thresholds"}, "mappings": [], "thresholds": thresholds(steps), "unit": unit}
    if decimals is not None:
        defaults["decimals"] = decimals
    return {"defaults": defaults, "overrides": []}


def gauge_panel(title: str, description: str, grid: Grid, targets: list[dict], unit: str, steps: Steps, low: float, high: float, decimals: int | None = None) -> dict:
    """A gauge between `low` and `high` with coloured threshold marks."""
    return _panel("gauge", title, description, grid, targets, _gauge_field_config(unit, steps, low, high, decimals), _GAUGE_OPTIONS)


@lru_cache(maxsize=256)
def _gauge_field_config(unit: str, steps: Steps, low: float, high: float, decimals: int | None) -> dict:
    defaults: dict = {
        "color": {"mode": "thresholds"},
        "mappings": [],
        "max": high,
        "min": low,
        "thresholds": thresholds(steps),
        "unit": unit,
    }
    if decimals is not None:
        defaults["decimals"] = decimals
    return {"defaults": defaults, "overrides": []}


def timeseries_panel(
    title: str,
    description: str,
    grid: Grid,
    targets: list[dict],
    unit: str,
    steps: Steps = ((None, "transparent"),),
    threshold_style: str = "off",
    overrides: list[dict] | None = None,
    time_from: str | None = None,
    minimum: float | None = None,
) -> dict:
    """A graph; `threshold_style` "dashed" draws the threshold steps as lines."""
    field_config = {"defaults": _timeseries_defaults(unit, steps, threshold_style, minimum), "overrides": overrides or []}
    panel = _panel("timeseries", title, description, grid, targets, field_config, _TIMESERIES_OPTIONS)
    if time_from:
        panel["timeFrom"] = time_from
    return panel


@lru_cache(maxsize=256)
def _timeseries_defaults(unit: str, steps: Steps, threshold_style: str, minimum: float | None) -> dict:
    defaults: dict = {
        "color": {"mode": "palette-classic"},
        "custom": {
            "drawStyle": "line",
            "fillOpacity": 0,
            "lineWidth": 1,
            "showPoints": "never",
            "spanNulls": False,
            "thresholdsStyle": {"mode": threshold_style},
        },
        "mappings": [],
        "thresholds": thresholds(steps),
        "unit": unit,
    }
    if minimum is not None:
        defaults["min"] = minimum
    return defaults


def state_timeline_panel(title: str, description: str, grid: Grid, targets: list[dict], overrides: list[dict], no_value: str) -> dict:
    """Bars showing when each series was present (e.g. when an alert was active)."""
    field_config = {"defaults": _state_timeline_defaults(no_value), "overrides": overrides}
    return _panel("state-timeline", title, description, grid, targets, field_config, _STATE_TIMELINE_OPTIONS)


@lru_cache(maxsize=16)
def _state_timeline_defaults(no_value: str) -> dict:
    return {
        "color": {"mode": "fixed", "fixedColor": "red"},
        "custom": {"fillOpacity": 80, "lineWidth": 0},
        "mappings": [{"type": "value", "options": {"1": {"index": 0, "text": "active"}}}],
        "noValue": no_value,
        "thresholds": thresholds(((None, "red"),)),
    }


def table_panel(title: str, description: str, grid: Grid, targets: list[dict], transformations: list[dict], overrides: list[dict], sort_by: list[dict]) -> dict:
    """A sortable table built from instant table queries."""
    defaults = {
        "custom": {"align": "auto", "cellOptions": {"type": "auto"}, "filterable": False, "inspect": False},
        "mappings": [],
        "thresholds": thresholds(((None, "transparent"),)),
    }
    # No `footer`: its `fields` changed type in 11 and the key is gone from 12.2 on.
    options = {"cellHeight": "sm", "showHeader": True, "sortBy": sort_by}
    panel = _panel("table", title, description, grid, targets, {"defaults": defaults, "overrides": overrides}, options)
    panel["transformations"] = transformations
    return panel


_HEATMAP_OPTIONS = {
    "calculate": False,
    "cellGap": 1,
    "color": {"mode": "scheme", "scheme": "Oranges", "steps": 64},
    "legend": {"show": True},
    "tooltip": {"mode": "single", "yHistogram": True},
    "yAxis": {"axisPlacement": "left", "unit": "s"},
}


def heatmap_panel(title: str, description: str, grid: Grid, targets: list[dict]) -> dict:
    """A heatmap of a native histogram's buckets over time (Grafana reads the histogram itself)."""
    return _panel("heatmap", title, description, grid, targets, {"defaults": {}, "overrides": []}, _HEATMAP_OPTIONS)


def row_panel(title: str, y: int) -> dict:
    """A collapsible row header spanning the grid; the panels after it belong to it."""
    return {"collapsed": False, "gridPos": Grid(0, y, 24, 1).as_dict(), "panels": [], "title": title, "type": "row"}


def override(matcher_id: str, matcher: str, properties: dict) -> dict:
    """A field override: `properties` maps property ids to values."""
    return {
        "matcher": {"id": matcher_id, "options": matcher},
        "properties": [{"id": key, "value": value} for key, value in properties.items()],
    }


def datasource_variable() -> dict:
    """The `datasource` variable every query goes through: any Prometheus data source."""
    return {
        "current": {},
        "hide": 0,
        "includeAll": False,
        "label": "Data source",
        "multi": False,
        "name": DATASOURCE_VARIABLE,
        "options": [],
        "query": "prometheus",
        "refresh": 1,
        "regex": "",
        "skipUrlSync": False,
        "type": "datasource",
    }


def label_variable(name: str, label: str, metric: str) -> dict:
    """A multi-value variable over the values `metric` has for `label` (All matches every value)."""
    query = f"label_values({metric}, {label})"
    return {
        "allValue": ".*",
        "current": {},
        "datasource": DATASOURCE,
        "hide": 0,
        "includeAll": True,
        "label": name.capitalize(),
        "multi": True,
        "name": name,
        "options": [],
        "query": {"qryType": 1, "query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "refresh": 2,
        "regex": "",
        "skipUrlSync": False,
        "sort": 1,
        "type": "query",
    }


def dashboard(
    uid: str, title: str, description: str, tags: list[str], panels: list[dict], time_from: str, links: list[dict],
    annotations: list[dict] | None = None, variables: list[dict] | None = None,
) -> dict:
    """A complete dashboard; panel ids are numbered here so they are unique by construction."""
    numbered = [{"id": index, **panel} for index, panel in enumerate(panels, start=1)]
    return {
        "annotations": {"list": annotations or []},
        "description": description,
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "id": None,
        "links": links,
        "liveNow": False,
        "panels": numbered,
        "refresh": "1m",
        "schemaVersion": SCHEMA_VERSION,
        "tags": tags,
        "templating": {"list": [datasource_variable(), *(variables or [])]},
        "time": {"from": time_from, "to": "now"},
        "timepicker": {},
        "timezone": "",
        "title": title,
        "uid": uid,
        "version": 1,
        "weekStart": "",
    }


def prometheus_annotation(name: str, expr: str, title: str, text: str) -> dict:
    """A Grafana annotation drawn where `expr` returns series (regions while it holds): the query in
    `target`, as Grafana's Prometheus annotation editor saves it; title, text and tags beside it."""
    return {
        "datasource": DATASOURCE,
        "enable": True,
        "iconColor": "rgba(128, 128, 128, 0.5)",
        "name": name,
        "tagKeys": "slo_name",
        "target": {"expr": expr, "interval": "1m", "refId": "Anno"},
        "textFormat": text,
        "titleFormat": title,
        "useValueForTime": False,
    }


def dashboards_link(title: str, tag: str) -> dict:
    """A dropdown of every dashboard with `tag`, keeping time range and variables."""
    return {
        "asDropdown": True,
        "icon": "external link",
        "includeVars": True,
        "keepTime": True,
        "tags": [tag],
        "targetBlank": False,
        "title": title,
        "tooltip": "",
        "type": "dashboards",
        "url": "",
    }
