"""Emitted dashboards as strict TypeScript against Grafana's published types (@grafana/schema).

Grafana cannot run here, but its dashboard model and each panel plugin's options and
field config are published as TypeScript types. Each dashboard becomes a `.ts` file whose
object literals are typed by those declarations, so `tsc --strict` rejects unknown keys
(TypeScript's excess-property check), wrong enum strings and wrong value types. Override
properties are strings in the model (`"custom.hidden"`), so each one is also written as a
typed constant (`const o: PanelFieldConfig["hidden"] = true`) to check its name and value.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[3] / "tools" / "grafana-schema"
VERSIONS = {"11": "11.6.16", "12": "12.4.11", "13": "13.2.3"}

# Grafana's panel plugin ids -> the folder of their generated types.
_PLUGIN_FOLDER = {"state-timeline": "statetimeline"}


def package(major: str) -> Path:
    """The installed @grafana/schema of one Grafana line."""
    return TOOLS / "node_modules" / f"grafana-schema-{major}"


def _declaration(root: Path, pattern: str) -> str:
    # The layout of dist/ moved between releases (esm/ in 11, types/ from 12); the
    # declarations themselves are what is checked, so find them wherever they are.
    found = sorted(root.glob(f"dist/**/{pattern}"), key=lambda p: ("/types/" not in str(p), str(p)))
    if not found:
        raise FileNotFoundError(f"{pattern} not in {root}")
    return str(found[0].with_suffix("").with_suffix(""))


def panel_types(root: Path, plugin: str) -> str:
    """Import path (no extension) of a panel plugin's generated Options/FieldConfig."""
    folder = _PLUGIN_FOLDER.get(plugin, plugin)
    return _declaration(root, f"raw/composable/{folder}/panelcfg/x/*PanelCfg_types.gen.d.ts")


def _has_field_config(root: Path, plugin: str) -> bool:
    # Plugins without per-field options (stat, gauge) publish no FieldConfig: their
    # `custom` must then stay empty.
    text = Path(panel_types(root, plugin) + ".d.ts").read_text()
    return "export interface FieldConfig" in text


def _literal(value) -> str:
    return json.dumps(value, indent=1, sort_keys=True)


def dashboard_ts(dashboard: dict, root: Path) -> str:
    """A TypeScript module that type-checks only if `dashboard` fits this Grafana line's types."""
    veneer = _declaration(root, "veneer/dashboard.types.d.ts")
    lines = [
        f'import type {{ AnnotationQuery, Dashboard, FieldConfig, MatcherConfig, Panel, RowPanel }} from "{veneer}";',
        # Grafana publishes no type for the Prometheus data source's query, so an annotation's
        # Prometheus parts are held to the fields its annotation support reads (the query in
        # `target`, title, text and tags at the top level); everything else to AnnotationQuery.
        "type PromAnnotation = Top<Omit<AnnotationQuery, 'target'>> & {"
        " target?: { refId: string; expr: string; interval?: string };"
        " titleFormat?: string; textFormat?: string; tagKeys?: string; useValueForTime?: boolean };",
        # A panel whose options and field config are its plugin's own types (the
        # published Panel leaves them open as Record<string, unknown>).
        # JSON holds an enum's string value, not the TypeScript enum: map every string
        # enum to the union of its values (`${E}`), recursively; numbers, booleans and
        # plain strings are unchanged, and object types keep their exact keys (so
        # unknown keys still fail). Below the top level every key is optional: the
        # generated types mark options "required" that Grafana fills with defaults on load.
        "type Json<T> = T extends string ? `${T}` : T extends number | boolean | null | undefined ? T"
        " : T extends Array<infer U> ? Array<Json<U>> : T extends object ? { [K in keyof T]?: Json<T[K]> } : T;",
        "type Top<T> = { [K in keyof T]: Json<T[K]> };",
        "type StrictPanel<O, C> = Top<Omit<Panel, 'options' | 'fieldConfig'>> & {",
        "  options?: Json<O>;",
        "  fieldConfig?: {",
        "    defaults: Json<Omit<FieldConfig, 'custom'>> & { custom?: Json<C> };",
        "    overrides: Array<{ matcher: Json<MatcherConfig>; properties: Array<{ id: string; value?: unknown }> }>;",
        "  };",
        "};",
    ]
    plugins: dict[str, str] = {}
    body: list[str] = []

    def panel(p: dict, name: str) -> None:
        kind = p["type"]
        if kind == "row":
            inner = p.get("panels", [])
            for i, child in enumerate(inner):
                panel(child, f"{name}_{i}")
            row = {k: v for k, v in p.items() if k != "panels"}
            body.append(f"const {name}: Top<Omit<RowPanel, 'panels'>> = {_literal(row)};")
            return
        alias = plugins.setdefault(kind, f"P{len(plugins)}")
        custom = f"{alias}.FieldConfig" if _has_field_config(root, kind) else "Record<string, never>"
        body.append(f"const {name}: StrictPanel<{alias}.Options, {custom}> = {_literal(p)};")
        for j, override in enumerate((p.get("fieldConfig") or {}).get("overrides", [])):
            for k, prop in enumerate(override["properties"]):
                key, _, custom = prop["id"].partition(".")
                target = f'Json<{alias}.FieldConfig["{custom}"]>' if key == "custom" else f'Json<FieldConfig["{key}"]>'
                value = _literal(prop.get("value")) if "value" in prop else "undefined"
                body.append(f"const {name}_o{j}_{k}: {target} = {value};")

    panels = dashboard.get("panels", [])
    for i, p in enumerate(panels):
        panel(p, f"panel_{i}")
    top = {k: v for k, v in dashboard.items() if k != "panels"}
    annotations = (top.get("annotations") or {}).get("list", [])
    for i, annotation in enumerate(annotations):
        body.append(f"const annotation_{i}: PromAnnotation = {_literal(annotation)};")
    if annotations:
        top = {**top, "annotations": {**top["annotations"], "list": []}}
    body.append(f"const dashboard: Top<Omit<Dashboard, 'panels'>> = {_literal(top)};")
    for kind, alias in plugins.items():
        lines.append(f'import type * as {alias} from "{panel_types(root, kind)}";')
    return "\n".join(lines + body) + "\nexport {};\n"


def typecheck(files: dict[str, dict], major: str, workdir: Path) -> subprocess.CompletedProcess:
    """Run `tsc --strict --noEmit` over the dashboards (name -> JSON) against one Grafana line."""
    root = package(major)
    names = []
    for name, dashboard in files.items():
        path = workdir / f"{Path(name).stem}.ts"
        path.write_text(dashboard_ts(dashboard, root))
        names.append(str(path))
    tsc = TOOLS / "node_modules" / "typescript" / "bin" / "tsc"
    args = ["node", str(tsc), "--strict", "--noEmit", "--skipLibCheck", "--noUnusedLocals", "false",
            "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler", *names]
    return subprocess.run(args, capture_output=True, text=True, timeout=600)
