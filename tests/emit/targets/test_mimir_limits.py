"""Mimir's ruler limits: at most 20 rules per group and 70 groups per tenant by default.

Mimir cannot be built here in reasonable time (tools/engines/README.md), so the files
are held to the documented defaults of `ruler_max_rules_per_rule_group` and
`ruler_max_rule_groups_per_tenant`, and every part of a cut group is checked by promtool.
(The file format itself goes through Cortex's ruler code: test_cortex_rules_check.py.)
"""

from __future__ import annotations

import textwrap
from dataclasses import replace

import pytest
import yaml
from slogen.build.options import SplitOptions
from slogen.emit.targets import TargetError
from slogen.emit.targets.mimir import DEFAULT_MAX_GROUPS, DEFAULT_MAX_RULES_PER_GROUP, MimirOptions
from slogen_testing import build_options, compile_files, run_promtool, write_spec


def _service(name: str, slos: int) -> str:
    body = "".join(
        textwrap.dedent(
            f"""
            - name: handler-{i}
              objective: 99.9
              sli:
                ratio:
                  errors: http_requests_total{{job="{name}", handler="/h{i}", code=~"5.."}}
                  total: http_requests_total{{job="{name}", handler="/h{i}"}}
            """
        ).replace("\n", "\n  ")
        for i in range(slos)
    )
    return f"service: {name}\nslos:{body}\n"


def _mimir(tmp_path, services: dict[str, int], mimir: dict | None = None) -> dict[str, dict]:
    paths = [write_spec(tmp_path / "specs", _service(name, n), f"{name}.yaml") for name, n in services.items()]
    files = compile_files(paths, build_options(("mimir", "prometheus"), flags={"mimir": mimir or {}}))
    return {rel: yaml.safe_load(text) for rel, text in files.items() if rel.startswith("mimir/")}


def test_defaults_are_mimirs():
    assert (DEFAULT_MAX_RULES_PER_GROUP, DEFAULT_MAX_GROUPS) == (20, 70)
    assert (MimirOptions().max_rules_per_group, MimirOptions().max_groups) == (20, 70)


def test_a_big_service_fits_the_rules_per_group_limit(tmp_path, promtool):
    files = _mimir(tmp_path, {"api": 40})
    (doc,) = files.values()
    sizes = [len(group["rules"]) for group in doc["groups"]]
    assert max(sizes) <= 20 and sum(sizes) > 20
    names = [group["name"] for group in doc["groups"]]
    assert len(set(names)) == len(names)
    # Every part is a valid Prometheus rule group, and nothing was lost in cutting.
    (tmp_path / "parts.yml").write_text(yaml.safe_dump({"groups": doc["groups"]}))
    result = run_promtool(promtool, "check", "rules", str(tmp_path / "parts.yml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_cut_groups_say_which_parts_read_older_series(tmp_path):
    paths = [write_spec(tmp_path / "specs", _service("api", 40), "api.yaml")]
    text = compile_files(paths, build_options(("mimir",)))["mimir/api.yaml"]
    notes = [line for line in text.splitlines() if line.startswith("# ") and "from earlier parts" in line]
    assert notes and all("old." in note for note in notes)


def _whole(doc: dict, tmp_path, name: str, slos: int) -> None:
    """Not vacuous: the groups are the Prometheus rule file's, whole, though some hold more rules than Mimir's default."""
    prometheus = yaml.safe_load(compile_files([write_spec(tmp_path / "whole", _service(name, slos), f"{name}.yaml")])[f"rules/{name}.yml"])
    got = [(group["name"], group["rules"]) for group in doc["groups"]]
    assert got == [(group["name"], group["rules"]) for group in prometheus["groups"]]
    assert max(len(rules) for _, rules in got) > DEFAULT_MAX_RULES_PER_GROUP


def test_the_limit_follows_the_tenant(tmp_path):
    files = _mimir(tmp_path, {"api": 40}, {"max_rules_per_group": "0"})
    (doc,) = files.values()
    assert not any("-part" in group["name"] for group in doc["groups"])
    _whole(doc, tmp_path, "api", 40)


def test_too_many_groups_for_a_tenant_is_refused(tmp_path):
    with pytest.raises(TargetError, match="tenant limit of 70"):
        _mimir(tmp_path, {f"svc{i}": 1 for i in range(20)})
    _mimir(tmp_path / "raised", {f"svc{i}": 1 for i in range(20)}, {"max_groups": "1000"})


def test_cortex_files_are_never_cut(tmp_path):
    paths = [write_spec(tmp_path / "specs", _service("api", 40), "api.yaml")]
    doc = yaml.safe_load(compile_files(paths, build_options(("cortex",)))["cortex/api.yaml"])
    assert not any("-part" in group["name"] for group in doc["groups"])
    _whole(doc, tmp_path, "api", 40)


def test_split_global_files_are_held_to_the_tenants_limit(tmp_path):
    # --split prometheus,mimir without --target mimir: the global files are the tenant's, counted on their own.
    paths = [write_spec(tmp_path / "specs", _service(f"svc{i}", 1), f"svc{i}.yaml") for i in range(20)]
    options = replace(build_options(("prometheus",)), split=SplitOptions("prometheus", "mimir"))
    with pytest.raises(TargetError, match="global files of --split needs .* tenant limit of 70"):
        compile_files(paths, options)
    assert compile_files(paths[:5], options)
