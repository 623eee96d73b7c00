"""Which directories `--out` may name, decided before anything is touched.

generate replaces its output directory as a whole (write.py): it rebuilds the tree beside
it, carries over the files it did not write and swaps the two.  Pointed at the root
directory, a home directory or a repository's top, that rebuilds the whole tree, so such
values are refused up front, as are the specs' own folders and an empty value (an unset
variable in CI); a directory slogen did not write is taken over only when asked.  check
and test only read the output directory and report writes one page into it: they refuse
the same unsafe values, not the ones that only matter to generate's directory swap.
"""

from __future__ import annotations

import json
import os
import pwd
import re
from pathlib import Path
from typing import Literal

from slogen.build.write import MANIFEST

# What a command does with its output directory: check and test read it, report writes
# one file into it, generate replaces it.
Access = Literal["read", "write", "replace"]


def out_dir_problem(out: str | Path, specs: list[Path], access: Access = "replace", adopt: bool = False) -> str | None:
    """Why `out` (as typed) cannot be the output directory of a command that reads, writes or replaces it."""
    text = str(out)
    if text == "":
        return "--out is empty (an unset variable?); give the output directory"
    if text == "-":
        return "--out -: generate writes a directory tree, not one stream; give a directory"
    out_dir = Path(text)
    label = f"--out {text}"
    if out_dir.is_symlink() and not out_dir.exists():
        return f"{label}: a broken symbolic link (to {os.readlink(out_dir)})"
    if out_dir.exists() and not out_dir.is_dir():
        return f"{label}: an existing file, not a directory; give a directory (it is created if missing)"
    resolved = out_dir.resolve()
    problem = _unsafe(resolved, specs)
    if problem is None and access == "replace":
        problem = _unswappable(resolved) or (None if adopt else _foreign(resolved))
    return None if problem is None else f"{label}: {problem}"


def _unsafe(resolved: Path, specs: list[Path]) -> str | None:
    """Directories no command may take as its output: rebuilding them would rebuild far more than output."""
    if resolved == Path(resolved.anchor):
        return "the root directory; give a directory of its own, e.g. output"
    for home in _homes():
        if home == resolved:
            return "your home directory; give a directory of its own, e.g. ~/output"
        if home.is_relative_to(resolved):
            return f"holds your home directory ({home}); give a directory of its own"
    if os.path.lexists(resolved / ".git"):
        return "the top of a git repository; give a directory of its own inside it, e.g. output"
    for spec in specs:
        root = spec.resolve()
        if resolved == root or resolved.is_relative_to(root):
            return f"inside the specs ({spec}); the next run would read the output as specs"
        if root.is_relative_to(resolved):
            return f"holds the specs ({spec}); give an output directory apart from them"
    return None


def _homes() -> set[Path]:
    """The user's home directory, by $HOME and by the password database (they can differ under sudo)."""
    found = {os.environ.get("HOME", "")}
    try:
        found.add(pwd.getpwuid(os.geteuid()).pw_dir)
    except KeyError:
        pass
    return {Path(home).resolve() for home in found if home and Path(home).resolve() != Path("/")}


def _unswappable(resolved: Path) -> str | None:
    """Why generate could not replace `resolved` by a rename without losing what is in or under it."""
    try:
        cwd = Path.cwd().resolve()
    except OSError:  # the working directory was removed: nothing to keep the user in
        cwd = None
    if cwd is not None and cwd.is_relative_to(resolved):
        return "the working directory or a directory above it; generate replaces the output directory, run it from outside"
    if not resolved.exists():
        return None
    mounts = _mount_points()
    if resolved in mounts or os.stat(resolved).st_dev != os.stat(resolved.parent).st_dev:
        return "a mount point; generate replaces the output directory by a rename: give a directory inside it"
    inside = sorted(m for m in mounts if m != resolved and m.is_relative_to(resolved))
    if inside:
        return f"{inside[0]} inside it is a mount point; slogen never carries files across file systems"
    return None


def _mount_points() -> set[Path]:
    """Every mount point this process sees (none when /proc is not mounted: the carry-over checks st_dev too)."""
    try:
        lines = Path("/proc/self/mountinfo").read_bytes().splitlines()
    except OSError:
        return set()
    # Field 5 is the mount point, with space, tab, newline and backslash escaped in octal.
    unescape = re.compile(rb"\\([0-7]{3})")
    fields = (line.split() for line in lines)
    return {Path(os.fsdecode(unescape.sub(lambda m: bytes([int(m[1], 8)]), f[4]))) for f in fields if len(f) > 4}


def _foreign(resolved: Path) -> str | None:
    """Why an existing directory is not generate's to replace: it holds files and no manifest of slogen's."""
    try:
        if resolved.exists():
            with os.scandir(resolved) as entries:
                empty = next(entries, None) is None
        else:
            empty = True
    except OSError as err:
        return f"cannot be read ({err.strerror})"
    if empty or _written_by_slogen(resolved):
        return None
    return f"an existing directory slogen did not write (no {MANIFEST} in it); pass --adopt-out to take it over (files slogen did not write are kept)"


def _written_by_slogen(directory: Path) -> bool:
    try:
        return json.loads((directory / MANIFEST).read_text()).get("generator") == "slogen"
    except (OSError, ValueError, AttributeError):
        return False


def unwritable(out_dir: Path) -> str | None:
    """Why generate could not write `out_dir` (or create it), or None."""
    existing = out_dir if out_dir.exists() else next((p for p in out_dir.resolve().parents if p.exists()), None)
    if existing is None:
        return None
    if existing == out_dir and not os.access(out_dir, os.W_OK | os.X_OK):
        return f"{out_dir}: not writable (permission denied); nothing was written"
    parent = out_dir.resolve().parent if existing == out_dir else existing
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"{parent}: not writable (permission denied): {out_dir} is replaced beside it; nothing was written"
    return None
