"""slogen/errors.py: the drawing in its docstring is the tree, and every class has its exit code."""

from __future__ import annotations

import ast
import builtins
import re
from pathlib import Path

import pytest
from slogen import errors
from slogen.cli import app
from slogen.errors import EXIT_CODES, SlogenError, exit_code
from typer.testing import CliRunner

from slogen_testing import API_SPEC, ROOT, write_spec

# A drawn line: tree branches, a class name, its exit code, then what it means.
DRAWN = re.compile(r"^    (?P<branch>[│├└─ ]*)(?P<name>[A-Z]\w+) +(?P<code>\d+)(  |$)")


def drawing() -> list[tuple[int, str, int]]:
    """(depth, class name, exit code) of every class the docstring draws, in order."""
    found = [DRAWN.match(line) for line in (errors.__doc__ or "").splitlines()]
    return [(len(m["branch"]) // 4, m["name"], int(m["code"])) for m in found if m]


def tree_classes() -> set[type]:
    """SlogenError and every subclass of it that errors.py defines."""
    return {cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, SlogenError)}


def test_every_class_of_the_tree_has_an_exit_code():
    assert tree_classes() <= set(EXIT_CODES)
    assert SlogenError.__subclasses__(), "the tree has no classes"
    for cls in tree_classes():
        assert cls.__module__ == "slogen.errors"
        assert exit_code(cls("x") if cls is not errors.SpecError else cls([])) == EXIT_CODES[cls]


def test_the_drawing_lists_exactly_the_classes_and_their_codes():
    drawn = drawing()
    assert {name: code for _, name, code in drawn} == {cls.__name__: code for cls, code in EXIT_CODES.items()}
    assert len(drawn) == len({name for _, name, _ in drawn}), "a class is drawn twice"


def test_the_drawing_nests_each_class_under_its_base():
    parents: list[str] = []
    for depth, name, _ in drawing():
        del parents[depth:]
        cls = getattr(errors, name, None) or getattr(builtins, name)
        if depth:
            assert cls.__bases__ == (getattr(errors, parents[-1]),), f"{name} is drawn under {parents[-1]}"
        else:
            assert cls is SlogenError or not issubclass(cls, SlogenError), f"{name} is drawn as a root"
        parents.append(name)


def test_errors_is_a_leaf_every_stage_may_import():
    tree = ast.parse((ROOT / "generator" / "errors.py").read_text())
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert imported and not [name for name in imported if name.split(".")[0] in ("slogen", "generator")]


def test_exit_codes_users_see():
    assert exit_code(errors.SpecError([])) == 2
    assert exit_code(errors.TargetError("x")) == exit_code(errors.OptionError("x")) == exit_code(errors.OutputConflict("x")) == 2
    assert exit_code(errors.PromtoolMissing("x")) == 1
    assert exit_code(errors.PrometheusConnectionError("x")) == exit_code(errors.PrometheusQueryError("x")) == 3
    assert exit_code(PermissionError(13, "denied")) == 74
    assert exit_code(KeyboardInterrupt()) == 130
    assert exit_code(ZeroDivisionError()) == 70

    class Later(errors.PrometheusError):
        """A subclass added elsewhere takes its base's code."""

    assert exit_code(Later("x")) == 3


@pytest.mark.parametrize("name", sorted(c.__name__ for c in tree_classes() if not c.__subclasses__()))
def test_every_leaf_class_is_raised_somewhere(name: str):
    # An error class nothing raises is dead weight (as SpecError once was).
    sources = [p.read_text() for p in (ROOT / "generator").rglob("*.py") if p.name != "errors.py"]
    assert any(f"raise {name}(" in text for text in sources), f"nothing raises {name}"


def test_a_command_s_slogen_error_ends_in_its_message_and_exit_code(tmp_path: Path):
    # CliRunner calls the app, not main(): the command group itself turns errors into exits.
    runner = CliRunner()
    spec = write_spec(tmp_path / "specs", API_SPEC.replace("objective: 99.9", "objective: 199.9"))
    bad = runner.invoke(app, ["validate", str(spec)])
    assert bad.exit_code == 2 and isinstance(bad.exception, SystemExit)
    lines = bad.stderr.strip().splitlines()
    assert re.match(rf"{re.escape(str(spec))}:\d+:\d+: ", lines[0]) and lines[-1] == "1 problem; nothing was written"
    good = write_spec(tmp_path / "good", API_SPEC)
    target = runner.invoke(app, ["generate", str(good), "--out", str(tmp_path / "out"), "--target", "victoria"])
    assert target.exit_code == 2
    assert target.stderr.startswith("slogen: unknown target 'victoria'; choose from prometheus")
