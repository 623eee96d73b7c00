"""A no-change `generate` skips the compile, and never when anything it reads or wrote changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from slogen.build.fingerprint import record_path

from slogen_testing import run_slogen, write_spec

SPEC = """\
    service: web
    slos:
      - name: availability
        objective: 99.9
        window: 30d
        sli:
          ratio:
            errors: http_requests_total{job="web", code=~"5.."}
            total: http_requests_total{job="web"}
"""
SKIPPED = "up to date, specs unchanged"




def _generate(tmp_path: Path) -> str:
    result = run_slogen("generate", "specs", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result.stderr


@pytest.mark.slow
def test_second_run_skips_and_changes_are_compiled(tmp_path):
    spec = write_spec(tmp_path / "specs", SPEC, "web.yaml")
    assert SKIPPED not in _generate(tmp_path)
    assert record_path(tmp_path / "out").exists()
    assert SKIPPED in _generate(tmp_path)
    # A changed objective must reach the output, not be skipped.
    spec.write_text(spec.read_text().replace("99.9", "99.5"))
    assert SKIPPED not in _generate(tmp_path)
    assert "0.005" in (tmp_path / "out" / "rules" / "web.yml").read_text()
    assert SKIPPED in _generate(tmp_path)
    # A new spec file is an input too.
    write_spec(tmp_path / "specs", SPEC.replace("service: web", "service: api"), "api.yaml")
    assert SKIPPED not in _generate(tmp_path)
    assert (tmp_path / "out" / "rules" / "api.yml").exists()


def test_hand_edited_output_is_rewritten(tmp_path):
    write_spec(tmp_path / "specs", SPEC, "web.yaml")
    _generate(tmp_path)
    rules = tmp_path / "out" / "rules" / "web.yml"
    good = rules.read_text()
    rules.write_text(good + "# edited\n")
    assert SKIPPED not in _generate(tmp_path)
    assert rules.read_text() == good


def test_an_edit_of_the_same_size_is_rewritten_and_a_touch_is_not(tmp_path):
    write_spec(tmp_path / "specs", SPEC, "web.yaml")
    _generate(tmp_path)
    rules = tmp_path / "out" / "rules" / "web.yml"
    good = rules.read_text()
    os.utime(rules)  # same bytes, new time: hashed, still the same file
    assert SKIPPED in _generate(tmp_path)
    stat = rules.stat()
    rules.write_text(good.replace("0.001", "0.002"))  # same size
    os.utime(rules, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert SKIPPED not in _generate(tmp_path)
    assert rules.read_text() == good


def test_a_record_from_other_output_is_not_trusted(tmp_path):
    """A run killed after swapping output/ but before recording leaves an old record behind."""
    spec = write_spec(tmp_path / "specs", SPEC, "web.yaml")
    _generate(tmp_path)
    old_record = record_path(tmp_path / "out").read_text()
    spec.write_text(spec.read_text().replace("99.9", "99.5"))
    _generate(tmp_path)
    spec.write_text(spec.read_text().replace("99.5", "99.9"))
    record_path(tmp_path / "out").write_text(old_record)  # inputs match it again; output does not
    assert SKIPPED not in _generate(tmp_path)
    assert "0.001" in (tmp_path / "out" / "rules" / "web.yml").read_text()


def test_the_code_digest_covers_every_stage_of_slogen():
    # A changed emitter (a header, a test layout) must not leave output "up to date".
    from slogen.build.fingerprint import package_sources

    package, sources = package_sources()
    names = {path.relative_to(package).as_posix() for path in sources}
    assert {"cli/app.py", "emit/targets/base.py", "emit/promtool/service_tests.py", "spec/load.py", "build/write.py"} <= names
