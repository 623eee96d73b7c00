"""The batch path of `generate` (worker processes) gives the one-process result, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from slogen.build import pipeline, write
from slogen_testing import ROOT, build_options, compile_paths, diagnostics_of, write_spec

GOOD_SLI = "    sli:\n      ratio:\n        errors: e{code=\"5\"}\n        total: e\n"


@pytest.fixture
def workers_always(monkeypatch):
    """Hand every tree to the workers, however small."""
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", 1)


def _serial(paths: list[Path], targets=("prometheus",)) -> dict[str, str]:
    tree, diagnostics = pipeline.build_tree(paths, build_options(targets), jobs=1)
    assert not diagnostics
    return tree.files


def _tree_with_every_format(tmp_path: Path) -> list[Path]:
    """The examples (native, Sloth, OpenSLO) and a jsonnet spec, split over many files."""
    specs = tmp_path / "specs"
    for path in sorted((ROOT / "slo_specs").iterdir()):
        (specs / path.name).parent.mkdir(parents=True, exist_ok=True)
        (specs / path.name).write_text(path.read_text())
    for i in range(20):
        write_spec(specs / "many", f"service: s{i:02d}\nslos:\n  - name: a\n    objective: 99.{i}\n" + GOOD_SLI, f"s{i:02d}.yaml")
    (specs / "j.jsonnet").write_text(
        '{service: "from-jsonnet", slos: [{name: "a", objective: 99.9, sli: {ratio: {errors: "e{code=\\"5\\"}", total: "e"}}}]}\n'
    )
    return [specs]


def _loaded_in_parent(monkeypatch) -> list[str]:
    """The names of the files this process loads (a worker's calls stay in the worker)."""
    in_parent: list[str] = []
    real = pipeline.load_file
    monkeypatch.setattr(pipeline, "load_file", lambda path, *args: in_parent.append(path.name) or real(path, *args))
    return in_parent


ADJUSTMENT = """
apiVersion: n9/v1alpha
kind: BudgetAdjustment
metadata:
  name: maintenance
spec:
  firstEventStart: 2024-02-04T02:00:00Z
  duration: 1h
  filters:
    slos:
      - {slo}
"""


def _tree_with_an_adjustment(tmp_path: Path, slo: str = "{name: a, project: s03}") -> list[Path]:
    """The tree of every format, and a budget adjustment naming an SLO of a native file a worker compiles."""
    paths = _tree_with_every_format(tmp_path)
    write_spec(paths[0], ADJUSTMENT.format(slo=slo), "adjustment.yaml")
    return paths


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_workers_give_the_one_process_files(tmp_path, workers_always, monkeypatch, jobs):
    paths = _tree_with_every_format(tmp_path)
    in_parent = _loaded_in_parent(monkeypatch)
    tree, diagnostics = pipeline.build_tree(paths, build_options(("prometheus", "thanos")), jobs)
    # With workers, the parent loads only what refers across files: jsonnet and other formats.
    if jobs > 1:
        assert sorted(in_parent) == ["billing.sloth.yaml", "j.jsonnet", "payments.openslo.yaml"]
    else:
        assert len(in_parent) == 27
    assert not diagnostics and tree is not None
    expected = _serial(paths, ("prometheus", "thanos"))
    assert sorted(tree.files) == sorted(expected)
    assert tree.files == expected
    services, _ = compile_paths(paths)
    assert [s.service for s in tree.services] == [c.service for c in services]
    assert "from-jsonnet" in [s.service for s in tree.services] and len(services) == 27
    assert tree.slos == sum(len(c.plans) for c in services)


def test_an_adjustment_keeps_the_workers_and_joins_here_the_slos_it_names(tmp_path, workers_always, monkeypatch):
    # The adjustment's file is handed back like other formats'; s03.yaml, which holds the SLO
    # it names, loads and compiles again here, joined; the other files stay the workers'.
    paths = _tree_with_an_adjustment(tmp_path)
    in_parent = _loaded_in_parent(monkeypatch)
    tree, diagnostics = pipeline.build_tree(paths, build_options(("prometheus",)), jobs=2)
    assert not diagnostics
    assert sorted(in_parent) == ["adjustment.yaml", "billing.sloth.yaml", "j.jsonnet", "payments.openslo.yaml", "s03.yaml"]
    assert "slo:exclusion:state" in tree.files["rules/s03.yml"] and "exclusion" not in tree.files["rules/s04.yml"]
    assert tree.files == _serial(paths)


@pytest.mark.parametrize("slo, message", [
    ("{name: nope, project: s03}", "no SLO named 'nope' in this run's specs"),
    ("{name: a, project: default}", "SLO 'a' is in several services"),  # every s?? has an `a`: all load here
])
def test_an_adjustment_s_refusals_are_located_as_in_one_process(tmp_path, workers_always, slo, message):
    paths = _tree_with_an_adjustment(tmp_path, slo)
    tree, diagnostics = pipeline.build_tree(paths, jobs=2)
    assert not tree.files and message in "\n".join(map(str, diagnostics))
    assert sorted(map(str, diagnostics)) == sorted(map(str, pipeline.build_tree(paths, jobs=1)[1]))
    assert all(str(d).startswith(str(paths[0] / "adjustment.yaml")) for d in diagnostics)


def test_clashes_across_workers_are_reported_like_one_process(tmp_path, workers_always):
    a = write_spec(tmp_path, "service: a-b\nslos:\n  - name: c\n    objective: 99\n" + GOOD_SLI, "one.yaml")
    b = write_spec(tmp_path, "service: a\nslos:\n  - name: b-c\n    objective: 99\n" + GOOD_SLI, "two.yaml")
    c = write_spec(tmp_path, "service: a\nslos:\n  - name: d\n    objective: 99\n" + GOOD_SLI, "three.yaml")
    d = write_spec(tmp_path, "service: slo-overview\nslos:\n  - name: d\n    objective: 99\n" + GOOD_SLI, "four.yaml")
    tree, diagnostics = pipeline.build_tree([a, b, c, d], jobs=2)
    assert not tree.files
    assert sorted(str(x) for x in diagnostics) == diagnostics_of([a, b, c, d])
    assert len(diagnostics) == 3


def test_problems_in_worker_files_are_all_reported(tmp_path, workers_always):
    good = write_spec(tmp_path, "service: ok\nslos:\n  - name: a\n    objective: 99\n" + GOOD_SLI, "ok.yaml")
    bad_yaml = write_spec(tmp_path, "service: [\n", "bad.yaml")
    bad_spec = write_spec(tmp_path, "service: x\nslos:\n  - name: a\n    objective: 101\n" + GOOD_SLI, "x.yaml")
    tree, diagnostics = pipeline.build_tree([good, bad_yaml, bad_spec], jobs=2)
    assert not tree.files
    assert sorted(str(x) for x in diagnostics) == diagnostics_of([good, bad_yaml, bad_spec])
    assert len(diagnostics) == 2


@pytest.mark.parametrize("adjusted", [False, True])
def test_files_staged_by_workers_make_the_same_output_directory(tmp_path, workers_always, monkeypatch, adjusted):
    from slogen.build.write import commit, staging_area, write_output

    # Flush the staging tree early after every result: the output is the same.
    flushes: list[Path] = []
    monkeypatch.setattr(write.Stager, "WRITEBACK_EVERY", 1)
    real = write.start_writeback
    monkeypatch.setattr(write, "start_writeback", lambda root: (flushes.append(root), real(root)))
    # With an adjustment, what a worker staged for s03 is withdrawn and staged again, joined.
    paths = _tree_with_an_adjustment(tmp_path) if adjusted else _tree_with_every_format(tmp_path)
    expected_dir, out = tmp_path / "expected", tmp_path / "out"
    write_output(expected_dir, _serial(paths))
    (out / "mine").mkdir(parents=True)
    (out / "mine" / "notes.txt").write_text("a user's file is carried over\n")
    for _ in range(2):  # a fresh output directory, then one that is up to date
        with staging_area(out) as staging:
            stager = write.Stager(out, staging)
            tree, diagnostics = pipeline.build_tree(paths, jobs=2, sink=stager)
            assert not diagnostics and not tree.files
            changes = commit(out, staging, stager.staged)
    assert not changes.any
    got = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    want = {p.relative_to(expected_dir).as_posix(): p.read_bytes() for p in expected_dir.rglob("*") if p.is_file()}
    assert got.pop("mine/notes.txt") == b"a user's file is carried over\n"
    assert got == want
    assert not list(tmp_path.glob(".out.slogen-staging-*")), "staging trees left behind"
    assert len(flushes) >= 2 * 20 and all(root.name.startswith(".out.slogen-staging-") for root in flushes)


def test_a_withdrawn_file_leaves_the_staging_tree_and_the_summaries(tmp_path):
    # What pipeline._reclaim withdraws is compiled again, and may not be made again.
    staging = tmp_path / "staging"
    staging.mkdir()
    stager = write.Stager(tmp_path / "out", staging)
    kept, gone = stager.stage({"rules/a.yml": "a\n"}), stager.stage({"tests/b/b.yml": "b\n"})
    stager.take(kept)
    stager.take(gone)
    stager.withdraw(gone)
    assert stager.staged == list(kept)
    assert sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*")) == ["rules", "rules/a.yml"]
    stager.take(stager.stage({"tests/b/c.yml": "c\n"}))  # a directory withdrawn is made again
    assert (staging / "tests/b/c.yml").read_text() == "c\n"


def test_composite_tests_read_the_member_inputs_workers_lend(tmp_path, workers_always):
    # A journey's tests drive its members' counters, from each member service's test inputs:
    # workers send those pickled (ServiceOutput.lent), and only a tree with composites reads them.
    from slogen.emit.promtool.composite_tests import test_path
    from test_composites import README_EXAMPLE, members

    paths = members(tmp_path, journey=README_EXAMPLE)
    tree, diagnostics = pipeline.build_tree(paths, build_options(("prometheus",)), jobs=2)
    assert not diagnostics
    assert test_path("checkout-journey") in tree.files
    assert tree.files == _serial(paths)
    assert all(isinstance(out.lent_inputs, bytes) for out in tree.services if out.service != "checkout-journey")
