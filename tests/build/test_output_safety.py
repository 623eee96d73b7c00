"""Output safety under failure: killed runs, a full disk, concurrent runs.

Each run either replaces output/ as a whole or leaves it exactly as it was.
"""

from __future__ import annotations

import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from slogen_testing import ROOT

SERVICE = """service: svc{n}
labels: {{team: t{n}}}
slos:
{slos}"""
SLO = """  - name: slo{i}
    objective: {objective}
    sli:
      ratio:
        errors: http_requests_total{{job="svc{n}", code=~"5.."}}
        total: http_requests_total{{job="svc{n}"}}
"""


def make_specs(directory: Path, services: int, objective: str) -> None:
    """A spec tree big enough that generate takes a noticeable time."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.yaml"):
        old.unlink()
    for n in range(services):
        slos = "".join(SLO.format(i=i, n=n, objective=objective) for i in range(5))
        (directory / f"svc{n}.yaml").write_text(SERVICE.format(n=n, slos=slos))


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under a directory with its bytes."""
    if not directory.exists():
        return {}
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def command(specs: Path, out: Path) -> list[str]:
    """The generate command line, run as a separate process."""
    return [sys.executable, "-m", "slogen.cli", "generate", str(specs), "--out", str(out)]


def expected_tree(tmp_path: Path, specs: Path, name: str) -> dict[str, bytes]:
    """What a complete run writes for a spec tree, generated in a directory of its own."""
    out = tmp_path / name
    subprocess.run(command(specs, out), check=True, capture_output=True, cwd=tmp_path)
    return snapshot(out)


@pytest.mark.slow
def test_killed_runs_leave_the_old_or_the_new_tree_never_a_mix(tmp_path):
    specs_a, specs_b = tmp_path / "a", tmp_path / "b"
    make_specs(specs_a, 40, "99.9")
    make_specs(specs_b, 40, "99.5")
    tree_a = expected_tree(tmp_path, specs_a, "ref-a")
    out = tmp_path / "out"
    # Rename to the same names so that only content distinguishes the trees.
    specs = tmp_path / "specs"
    specs_b.rename(specs)
    tree_b = expected_tree(tmp_path, specs, "ref-b")
    assert tree_a != tree_b
    started = time.monotonic()
    subprocess.run(command(specs, tmp_path / "timing"), check=True, capture_output=True, cwd=tmp_path)
    duration = time.monotonic() - started
    rng = random.Random(7)
    outcomes = []
    for attempt in range(8):
        subprocess.run(command(specs_a, out), check=True, capture_output=True, cwd=tmp_path)
        assert snapshot(out) == tree_a
        process = subprocess.Popen(command(specs, out), cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Spread the kills over the whole run: start-up, compiling, writing, swapping.
        time.sleep(duration * (attempt + rng.random()) / 8)
        process.send_signal(signal.SIGKILL)
        process.wait()
        current = snapshot(out)
        assert current in (tree_a, tree_b), f"a run killed after {attempt}/8 of its time left a partial output tree"
        outcomes.append("a" if current == tree_a else "b")
    assert "a" in outcomes, outcomes
    final = subprocess.run(command(specs, out), capture_output=True, text=True, cwd=tmp_path)
    assert final.returncode == 0, final.stderr
    assert snapshot(out) == tree_b
    assert not list(tmp_path.glob(".out.slogen-staging-*")), "abandoned staging trees are cleaned up"


def _limit_file_size() -> None:
    # Writes past 64 KiB fail with EFBIG, as on a full disk, instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))


def test_full_disk_fails_cleanly_and_keeps_the_old_output(tmp_path):
    specs = tmp_path / "specs"
    make_specs(specs, 3, "99.9")
    out = tmp_path / "out"
    subprocess.run(command(specs, out), check=True, capture_output=True, cwd=tmp_path)
    before = snapshot(out)
    make_specs(specs, 30, "99.5")
    result = subprocess.run(command(specs, out), capture_output=True, text=True, cwd=tmp_path, preexec_fn=_limit_file_size)
    assert result.returncode == 74  # EX_IOERR: output not writable, documented in the README
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "File too large" in result.stderr
    assert snapshot(out) == before
    assert not list(tmp_path.glob(".out.slogen-staging-*"))


@pytest.mark.slow
def test_concurrent_runs_do_not_interleave(tmp_path):
    specs_a, specs_b = tmp_path / "a", tmp_path / "b"
    make_specs(specs_a, 30, "99.9")
    make_specs(specs_b, 30, "99.5")
    tree_a = expected_tree(tmp_path, specs_a, "ref-a")
    tree_b = expected_tree(tmp_path, specs_b, "ref-b")
    out = tmp_path / "out"
    for _ in range(3):
        runs = [subprocess.Popen(command(s, out), cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for s in (specs_a, specs_b)]
        for run in runs:
            _, err = run.communicate(timeout=120)
            assert run.returncode == 0, err
        # Headers name the spec file, which differs between a/ and b/; compare the rest.
        assert snapshot(out) in (tree_a, tree_b)


def test_an_output_directory_named_by_a_link_is_replaced_and_the_link_kept(tmp_path):
    specs = tmp_path / "specs"
    make_specs(specs, 2, "99.9")
    (tmp_path / "real").mkdir(mode=0o750)
    (tmp_path / "link").symlink_to("real")
    for objective in ("99.9", "99.5"):  # a new output, then a changed one
        make_specs(specs, 2, objective)
        result = subprocess.run(command(specs, tmp_path / "link"), capture_output=True, text=True, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "link").is_symlink() and (tmp_path / "real" / "rules" / "svc0.yml").is_file()
        assert oct((tmp_path / "real").stat().st_mode & 0o777) == "0o750"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".real.slogen-inputs.json", "link", "real", "specs"]


def test_repo_root_is_importable_for_subprocesses():
    # The subprocess tests run `python -m slogen.cli` from temp dirs: the package
    # must be importable from anywhere, as it is once installed.
    result = subprocess.run([sys.executable, "-c", "import slogen, sys; print(slogen.__file__)"], capture_output=True, text=True, cwd="/")
    assert result.returncode == 0 and str(ROOT) in result.stdout
