"""The options every compiling command shares, declared once, turned into one BuildOptions.

`compiles` adds them to a command's own parameters (typer reads the signature) and hands
the command a single `options: BuildOptions`; a bad value is one line and exit 2.  The
targets' options come from their own declarations (emit/targets: `Target.flags`), so a
dialect's new option appears on every command without touching this module.
"""

from __future__ import annotations

import functools
import inspect
import re
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer
from slogen.build.options import SHARE_RULES, SPLIT_GLOBALS, SPLIT_LEAVES, BuildOptions, SplitOptions
from slogen.build.out_dir import out_dir_problem
from slogen.emit.gates import TOOLS as GATE_TOOLS, gate_options
from slogen.emit.targets import TARGETS, Targets, all_flags
from slogen.errors import OptionError
from slogen.spec.durations import parse_duration
from slogen.spec.formats.jsonnet import JsonnetOptions
from slogen.spec.fields import LABEL_NAME_PATTERN, reserved_label_problem
from slogen.spec.options import COMPAT_MODES, SpecOptions
from slogen.spec.promql_names import NAME_VALIDATIONS

SpecsArg = Annotated[
    Optional[list[Path]], typer.Argument(help="Spec files or directories (default: slo_specs/)", show_default=False)
]
def _out_dir(text: str | Path) -> Path:
    # Path("") is Path("."): an empty --out (an unset variable in CI) would silently be the
    # working directory, so it is refused while its text is still at hand.
    if str(text) == "":
        raise OptionError(f"{out_dir_problem('', [])}; nothing was written")
    return Path(text)


OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output directory", parser=_out_dir)]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", min=0, help="Worker processes for large trees (0: one per CPU)")]


def _shared() -> list[tuple[str, Any, Any]]:
    """(parameter, annotated type, default) of every shared option, in --help order."""
    params: list[tuple[str, Any, Any]] = [
        ("target", Annotated[Optional[list[str]], typer.Option(
            "--target", "-t", help=f"Rule dialect(s), repeatable or comma-separated: {', '.join(TARGETS)} [default: prometheus]", show_default=False)], None),
    ]
    for target, flag in all_flags():
        kind = Optional[list[str]] if flag.repeatable else Optional[str]
        params.append((_param(flag.name), Annotated[kind, typer.Option(flag.name, help=flag.help, metavar=flag.metavar, show_default=False)], None))
    params += [
        ("share_rules", Annotated[str, typer.Option(
            "--share-rules",
            help="service: rules shared by SLOs are written once per service; global: once for every service, in <target>/_shared "
            "(one Prometheus or one Mimir tenant evaluating every service)")], "service"),
        ("split", Annotated[Optional[str], typer.Option(
            "--split", metavar="LEAF,GLOBAL",
            help="Split each service's rules across clusters (README \"SLOs across clusters\"): leaf rules for every cluster's "
            f"Prometheus in dialect LEAF ({', '.join(SPLIT_LEAVES)}), global rules for the global ruler in dialect GLOBAL "
            f"({', '.join(SPLIT_GLOBALS)})", show_default=False)], None),
        ("cluster_label", Annotated[Optional[str], typer.Option(
            "--cluster-label", metavar="LABEL", help="With --split: the external label naming each leaf's cluster [default: cluster]",
            show_default=False)], None),
        ("gate", Annotated[Optional[list[str]], typer.Option(
            "--gate", help=f"Also write release gates (README \"Release gates\"), repeatable or comma-separated: {', '.join(GATE_TOOLS)}",
            show_default=False)], None),
        ("gate_prometheus", Annotated[Optional[str], typer.Option(
            "--gate-prometheus", metavar="URL", help="The Prometheus (query API) the release gates ask", show_default=False)], None),
        ("gate_fail_on", Annotated[Optional[str], typer.Option(
            "--gate-fail-on", metavar="STATE",
            help="Policy state at and past which a gate stops a release [default: each policy's last state, budget exhausted]",
            show_default=False)], None),
        ("ext_str", Annotated[Optional[list[str]], typer.Option("--ext-str", help="Jsonnet external variable as a string: NAME=VALUE (repeatable)")], None),
        ("ext_code", Annotated[Optional[list[str]], typer.Option("--ext-code", help="Jsonnet external variable as code: NAME=EXPR (repeatable)")], None),
        # Sloth's global flags, for every spec of the run (README: "Migrating from Sloth / Pyrra / OpenSLO").
        ("default_slo_period", Annotated[Optional[str], typer.Option(
            "--default-slo-period", help="Window of every SLO that sets none (Sloth specs never do), e.g. 28d [default: 30d]", show_default=False)], None),
        ("extra_labels", Annotated[Optional[list[str]], typer.Option(
            "--extra-labels", help="key=value label on every SLO's series and alerts; repeatable (the spec's labels win)")], None),
        ("disable_alerts", Annotated[bool, typer.Option("--disable-alerts", help="Recording rules only: no SLO alerts")], False),
        ("include", Annotated[Optional[str], typer.Option("--include", help="Read only files found in spec directories whose path matches this regex")], None),
        ("exclude", Annotated[Optional[str], typer.Option("--exclude", help="Skip files found in spec directories whose path matches this regex")], None),
        ("label_compat", Annotated[Optional[list[str]], typer.Option(
            "--label-compat", help=f"Also emit a migrated tool's label names: {', '.join(COMPAT_MODES)}; repeatable", show_default=False)], None),
        # Named after Prometheus 3's metric_name_validation_scheme, which decides what its rule files may name.
        ("name_validation", Annotated[str, typer.Option(
            "--name-validation",
            help="Names the engine loading the rules takes, as Prometheus 3's metric_name_validation_scheme: legacy "
            "(rules that load on Prometheus 2.42 and 3.x) or utf8 (Prometheus 3 with the utf8 scheme, its default: "
            'quoted names such as {"http.server.request.duration_count"} and grouping by "service.name")')], "legacy"),
    ]
    return params


def _param(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


SHARED = _shared()


def compiles(func: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command every shared option; it receives them as one `options: BuildOptions`."""
    signature = inspect.signature(func, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "options"]
    shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=kind, default=default) for name, kind, default in SHARED]

    @functools.wraps(func)
    def command(**kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name, _, _ in SHARED}
        return func(options=build_options(values), **kwargs)

    parameters = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own] + shared
    del command.__wrapped__  # typer must read the signature below, not the command's own
    command.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    return command


def build_options(values: dict[str, Any]) -> BuildOptions:
    """The one options object from the shared options' values; OptionError or TargetError."""
    spec = spec_options(values)
    jsonnet = JsonnetOptions(pairs("--ext-str", values["ext_str"]), pairs("--ext-code", values["ext_code"]))
    if values["share_rules"] not in SHARE_RULES:
        raise OptionError(f"--share-rules {values['share_rules']!r}: choose from {', '.join(SHARE_RULES)}")
    given: dict[str, dict[str, Any]] = {}
    for target, flag in all_flags():
        value = values[_param(flag.name)]
        if value is not None and value != []:
            given.setdefault(target.name, {})[flag.field] = value
    gates = gate_options(values["gate"], values["gate_prometheus"], values["gate_fail_on"])
    split = split_options(values["split"], values["cluster_label"], values["share_rules"], spec.name_validation)
    return BuildOptions(spec, jsonnet, Targets.of(values["target"], given), values["share_rules"], gates, split)


def split_options(split: str | None, cluster: str | None, share_rules: str, name_validation: str) -> SplitOptions | None:
    """`--split LEAF,GLOBAL` and `--cluster-label`, or an OptionError."""
    if split is None:
        if cluster is not None:
            raise OptionError("--cluster-label needs --split")
        return None
    sides = [part.strip() for part in split.split(",")]
    if len(sides) != 2 or not all(sides):
        raise OptionError(f"--split {split!r}: expected LEAF,GLOBAL, e.g. prometheus,thanos")
    if share_rules != "service":
        raise OptionError("--split and --share-rules global cannot be combined: each split file holds its service's shared rules")
    label = "cluster" if cluster is None else cluster
    problem = reserved_label_problem(label) or (None if label and (name_validation == "utf8" or re.match(LABEL_NAME_PATTERN, label)) else
                                                f"{label!r} is not a valid label name")
    if problem:
        raise OptionError(f"--cluster-label: {problem}")
    try:
        return SplitOptions(sides[0], sides[1], label)
    except ValueError as err:
        raise OptionError(str(err))


def spec_options(values: dict[str, Any]) -> SpecOptions:
    """The spec options of a command line, or an OptionError."""
    name_validation, default_period = values["name_validation"], values["default_slo_period"]
    if name_validation not in NAME_VALIDATIONS:
        raise OptionError(f"--name-validation {name_validation!r}: expected one of {', '.join(NAME_VALIDATIONS)}")
    if default_period is not None:
        try:
            parse_duration(default_period)
        except ValueError as err:
            raise OptionError(f"--default-slo-period: {err}")
    for option in ("include", "exclude"):
        pattern = values[option]
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as err:
                raise OptionError(f"--{option} {pattern!r}: not a regular expression: {err}")
    modes = tuple(sorted({m.strip() for value in values["label_compat"] or [] for m in value.split(",") if m.strip()}))
    unknown = [m for m in modes if m not in COMPAT_MODES]
    if unknown:
        raise OptionError(f"--label-compat {unknown[0]!r}: expected one of {', '.join(COMPAT_MODES)}")
    labels = pairs("--extra-labels", values["extra_labels"])
    return SpecOptions(default_period, tuple(sorted(labels.items())), values["disable_alerts"], values["include"], values["exclude"], modes, name_validation)


def pairs(option: str, values: Optional[list[str]]) -> dict[str, str]:
    """NAME=VALUE options as a dict, or an OptionError."""
    out: dict[str, str] = {}
    for value in values or []:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise OptionError(f"{option} {value!r}: expected NAME=VALUE")
        out[name] = text
    return out
