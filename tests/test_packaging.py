"""The import package is `slogen`, built from the fixed repository folder generator/."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile

from slogen_testing import ROOT


def test_every_package_folder_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {
        ".".join(["slogen", *init.parent.relative_to(ROOT / "generator").parts])
        for init in (ROOT / "generator").rglob("__init__.py")
    }
    assert listed == folders


def test_no_stage_folder_holds_more_than_about_ten_modules():
    for folder in [p.parent for p in (ROOT / "generator").rglob("__init__.py")]:
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= 11, f"{folder.relative_to(ROOT)} holds {len(modules)} modules"


def test_stage_packages_say_what_enters_and_leaves():
    for init in (ROOT / "generator").rglob("__init__.py"):
        doc = init.read_text().lstrip()
        assert doc.startswith('"""'), f"{init.relative_to(ROOT)} has no docstring"


def test_wheel_ships_slogen_not_generator(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("slogen-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "slogen/cli.py" in names and "slogen/emit/rules/rule_file.py" in names
    assert not [n for n in names if n.startswith("generator/")]
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "slogen = slogen.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()


def test_python_dash_m_slogen_runs_from_any_directory():
    result = subprocess.run([sys.executable, "-m", "slogen", "--version"], capture_output=True, text=True, cwd="/", timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("slogen "), result.stderr
