"""Every Sloth and Pyrra example spec loads, or fails with its documented, deliberate error.

tests/conformance/expected.yaml is the record (reviewed by hand, see its README): a file
either yields so many services and SLOs, or exactly these diagnostics.  Converting an
input to native YAML and compiling that must give the very same rules.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from slogen_testing import compile_paths, warnings_of
from slogen.emit.native_yaml import render_native
from slogen.spec.load import display_path, load_specs

from slogen_testing import compile_files

ROOT = Path(__file__).resolve().parents[1] / "conformance"
EXPECTED = yaml.safe_load((ROOT / "expected.yaml").read_text())
INPUTS = sorted(
    p.relative_to(ROOT).as_posix()
    for p in ROOT.rglob("*")
    if p.suffix in (".yml", ".yaml") and not p.name.endswith(".expected.yml") and p.name != "expected.yaml"
    # Sloth's alert-window definitions (`sloth generate --slo-period-windows-path`), not specs.
    and "windows-7d" not in p.parts
)


def test_every_corpus_input_has_a_recorded_outcome():
    assert INPUTS and sorted(EXPECTED) == INPUTS
    assert len([i for i in INPUTS if i.startswith("sloth/")]) == 64
    assert len([i for i in INPUTS if i.startswith("pyrra/")]) == 43
    assert len([i for i in INPUTS if i.startswith("openslo/")]) == 19


def _outcome(path: Path):
    services, diagnostics = compile_paths([path])
    diagnostics = sorted(diagnostics)
    if diagnostics:
        return {"errors": [str(d).replace(display_path(path), "FILE") for d in diagnostics]}, services
    outcome = {"services": len(services), "slos": sum(len(s.plans) for s in services)}
    warnings = sorted(str(w).replace(display_path(path), "FILE") for w in warnings_of([path]))
    if warnings:
        outcome["warnings"] = warnings
    return outcome, services


@pytest.mark.parametrize("name", INPUTS)
def test_corpus_input(name):
    got, _ = _outcome(ROOT / name)
    assert got == EXPECTED[name]


# The deliberate refusals, by cause: a change that makes one of them load must update this list.
DELIBERATE = {
    "Sloth SLI plugin": 4,  # Go code slogen does not run
    "Sloth SLO plugin": 7,
    "unknown key 'pageAlert'": 9,  # camelCase keys Sloth silently drops from prometheus/v1 files
    "unknown function with name 'histogram_share'": 1,  # MetricsQL, not PromQL
    "unsupported Sloth spec version": 1,
    "objective must be a percentage": 3,  # Sloth's own bad fixtures
    "the alert name is empty": 1,  # Sloth requires it too
    "required key is missing": 1,
    "an SLI needs exactly one of events, raw or plugin": 1,
    # Real files: OpenSLO objects that refer to files not given (validated alone, as here).
    "in the spec files": 5,
    "metric source type 'BigQuery' is not supported": 1,  # slogen reads Prometheus sources  # counters without rate() (or no window)
    "ranges only allowed for vector selectors": 3,  # invalid PromQL in the user's file
    "v2alpha is a draft": 1,  # OpenSLO's draft version: write v1
    "op is required": 1,  # an OpenSLO burn-rate condition without op (and a negative lookbackWindow)
}


def test_refusals_are_the_documented_ones():
    refused = {name: o["errors"] for name, o in EXPECTED.items() if "errors" in o}
    causes = {cause: sum(any(cause in e for e in errors) for errors in refused.values()) for cause in DELIBERATE}
    assert causes == DELIBERATE
    unexplained = [name for name, errors in refused.items() if not any(c in e for c in DELIBERATE for e in errors)]
    assert unexplained == []


# README's count of the real files (`*/real/`), by the cause of each refusal: the row's text
# in README's table and the message part that shows the cause.
REAL_REFUSALS = {
    "an OpenSLO reference to an object in a file not given (the files were taken alone)": ("in the spec files",),
    "a mistake in the file": ("ranges only allowed for vector selectors", "op is required"),
    "OpenSLO v2alpha (a draft)": ("v2alpha is a draft",),
    "a non-Prometheus source (BigQuery)": ("metric source type 'BigQuery' is not supported",),
    "a Sloth SLI plugin (Go code)": ("Sloth SLI plugin",),
}


def test_readme_counts_the_real_files():
    """README says how many real files compile, how many are refused, and why, as recorded here."""
    readme = (ROOT.parents[1] / "README.md").read_text()
    real = {name: outcome for name, outcome in EXPECTED.items() if "/real/" in name}
    compiled = [o for o in real.values() if "errors" not in o]
    refused = [o["errors"] for o in real.values() if "errors" in o]
    per_tool = [sum(name.startswith(f"{tool}/") for name in real) for tool in ("sloth", "pyrra", "openslo")]
    sentence = (
        f"Of those {len(real)} real files ({per_tool[0]} Sloth, {per_tool[1]} Pyrra, {per_tool[2]} OpenSLO), each given alone, "
        f"{len(compiled)} compile with\ntheir tool's meaning ({sum(o['slos'] == 0 for o in compiled)} of them are OpenSLO SLI or AlertPolicy "
        f"objects that define no SLO\nalone; {sum('warnings' in o for o in compiled)} get a located warning) and {len(refused)} are refused"
    )
    assert sentence in readme
    rows = dict(re.findall(r"^\| (.+?) \| (\d+) \|$", readme.split(sentence, 1)[1].split("<!-- foreign-features -->", 1)[0], re.M))
    assert {row.split(":")[0]: int(n) for row, n in rows.items()} == {
        row: sum(any(part in e for part in parts for e in errors) for errors in refused) for row, parts in REAL_REFUSALS.items()
    }
    assert sum(map(int, rows.values())) == len(refused)


def test_sloth_duplicate_ids_across_files_are_reported():
    pair = [ROOT / "sloth" / f"validate-dups-k8s-bad-k8s-1-{kind}.input.yml" for kind in ("original", "duplicate")]
    _, diagnostics = compile_paths(pair)
    more: list = []
    messages = [str(d) for d in diagnostics + more]
    assert len(messages) == 2 and all("is already used by" in m for m in messages), messages
    assert all("bad-k8s-1-duplicate.input.yml" in m for m in messages)


CONVERTIBLE = [name for name in INPUTS if EXPECTED.get(name, {}).get("services")]


@pytest.mark.parametrize("name", CONVERTIBLE)
def test_converted_native_spec_compiles_to_the_same_rules(tmp_path, name):
    loaded, diagnostics = load_specs([ROOT / name])
    assert not diagnostics
    native = tmp_path / "native.yaml"
    native.write_text(render_native([item.spec for item in loaded], [name for _ in loaded]))
    original = compile_files([ROOT / name])
    again = compile_files([native])
    strip = lambda files: {k: "\n".join(line for line in v.split("\n") if not line.startswith("# Generated")) for k, v in files.items()}  # noqa: E731
    assert strip(again) == strip(original)
