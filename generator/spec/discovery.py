"""Which spec files a run reads, and how messages and generated output name them.

Discovery walks the files and directories the user named (include/exclude patterns
select among the files found in directories); nothing here reads a spec's text.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from slogen.spec.errors import Diagnostic
from slogen.spec.options import SpecOptions

SPEC_SUFFIXES = (".yaml", ".yml", ".jsonnet")


def discover(paths: list[Path], options: SpecOptions | None = None) -> tuple[list[Path], list[Diagnostic]]:
    """Spec files under the given files and directories, in a stable order (include/exclude
    patterns select among the files found in directories).

    Symbolic links to directories are followed; a link that points nowhere, or back to a
    directory being walked (a loop), is a located problem: a spec silently left out would
    have its service's output deleted.
    """
    found: list[Path] = []
    problems: list[Diagnostic] = []
    wanted = options.wanted if options is not None else lambda _: True
    for path in paths:
        if path.is_dir():
            files, broken = _walk(path)
            found += [p for p in files if wanted(p)]
            problems += broken
        elif path.is_file():
            found.append(path)
        elif path.is_symlink():
            problems.append(Diagnostic(str(path), 1, 1, f"broken symbolic link (to {os.readlink(path)})"))
        else:
            problems.append(Diagnostic(str(path), 1, 1, "no such file or directory"))
    unique = list(dict.fromkeys(found))
    return unique, problems


def nothing_found(paths: list[Path]) -> Diagnostic:
    """The problem of a run whose paths hold no spec file."""
    return Diagnostic(", ".join(str(p) for p in paths) or ".", 1, 1, "no spec files (*.yaml, *.yml, *.jsonnet) found")


def _walk(root: Path) -> tuple[list[Path], list[Diagnostic]]:
    """Spec files under root, following directory links with loop detection."""
    files: list[Path] = []
    problems: list[Diagnostic] = []

    def visit(directory: Path, ancestors: frozenset[tuple[int, int]]) -> None:
        try:
            entries = sorted(directory.iterdir())
        except OSError as err:
            problems.append(Diagnostic(display_path(directory), 1, 1, f"cannot read directory: {err.strerror or err}"))
            return
        for entry in entries:
            if _hidden(entry, root):
                continue
            if entry.is_symlink() and not entry.exists():
                if entry.suffix in SPEC_SUFFIXES or not entry.suffix:
                    problems.append(Diagnostic(entry.as_posix(), 1, 1, f"broken symbolic link (to {os.readlink(entry)}); fix or remove it"))
                continue
            if entry.is_dir():
                stat = entry.stat()
                key = (stat.st_dev, stat.st_ino)
                if key in ancestors:
                    problems.append(Diagnostic(entry.as_posix(), 1, 1, f"symbolic link loop: this is {entry.resolve()}, a directory above it"))
                    continue
                visit(entry, ancestors | {key})
            elif entry.is_file() and entry.suffix in SPEC_SUFFIXES:
                # One file reached by two paths (a link beside its target) is one spec.
                resolved = entry.resolve()
                if resolved not in seen:
                    seen.add(resolved)
                    files.append(entry)

    seen: set[Path] = set()
    top = root.stat()
    visit(root, frozenset({(top.st_dev, top.st_ino)}))
    return sorted(files), problems


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def spec_root(path: Path, paths: list[Path]) -> Path:
    """The spec directory a file was found under (the first named directory holding it),
    or the file's own directory when it was named itself."""
    for given in paths:
        if given.is_dir() and path.resolve().is_relative_to(given.resolve()):
            return given
    return path.parent


def display_path(path: Path) -> str:
    """How messages name a file: relative to the top of the git repository holding it;
    outside a repository, relative to the working directory when inside it, else as given
    (a path the user can paste)."""
    try:
        resolved = path.resolve()
        in_repository = _repository_path(resolved)
        if in_repository is not None:
            return in_repository
        cwd = Path.cwd()
        return Path(os.path.relpath(resolved, cwd)).as_posix() if resolved.is_relative_to(cwd) else str(path)
    except (OSError, ValueError):
        return str(path)


def source_name(path: Path, paths: list[Path]) -> str:
    """How generated output names a spec file: relative to the top of the git repository
    holding it, else relative to the named directory it was found under (its file name
    when it was named itself), so output depends neither on the working directory nor on
    where the specs or the repository sit."""
    try:
        resolved = path.resolve()
        in_repository = _repository_path(resolved)
        if in_repository is not None:
            return in_repository
        for given in paths:
            # As found first: a file reached through a directory link resolves outside the
            # directory it was found under.
            for inner, outer in ((path.absolute(), given.absolute()), (resolved, given.resolve())):
                if given.is_dir() and inner.is_relative_to(outer):
                    return inner.relative_to(outer).as_posix()
    except (OSError, ValueError):
        pass
    return path.name


def _repository_path(resolved: Path) -> str | None:
    """A resolved file's path relative to the top of the git repository holding it, if one does."""
    top = _repository_top(resolved.parent)
    return None if top is None else resolved.relative_to(top).as_posix()


@lru_cache(maxsize=1024)
def _repository_top(directory: Path) -> Path | None:
    """The nearest directory at or above `directory` holding `.git` (a directory, or a worktree's file)."""
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return None
