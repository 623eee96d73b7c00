"""The disk edge of postmortems: find and read Markdown files, create new ones, write the index."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from slogen.postmortem.index import INDEX_NAME
from slogen.postmortem.model import Postmortem, parse_postmortem

MAX_FILE_BYTES = 1024 * 1024


def discover_postmortems(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """Postmortem files under files and directories, sorted; the index itself is skipped."""
    found: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.glob("*.md") if p.is_file() and p.name != INDEX_NAME)
        elif path.is_file():
            found.append(path)
        else:
            problems.append(f"{path}: no such file or directory")
    return found, problems


def load_postmortems(paths: list[Path]) -> tuple[list[Postmortem], list[str]]:
    """Read and parse every postmortem; unreadable files are problems, not crashes."""
    files, problems = discover_postmortems(paths)
    loaded = []
    for path in files:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                problems.append(f"{path}:1: file is over {MAX_FILE_BYTES} bytes; not a postmortem")
                continue
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as err:
            problems.append(f"{path}:1: cannot read file: {err.strerror or err}")
            continue
        except UnicodeDecodeError:
            problems.append(f"{path}:1: file is not UTF-8 text")
            continue
        loaded.append(parse_postmortem(str(path), text))
    return loaded, problems


def write_new(directory: Path, name: str, text: str) -> Path:
    """Create `directory/name`; raise FileExistsError rather than overwrite a postmortem."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    # O_EXCL makes "never overwrite" hold even if two people run `new` at once.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    return path


def read_index(directory: Path) -> str | None:
    """The current index text, or None when there is none."""
    try:
        return (directory / INDEX_NAME).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def write_index(directory: Path, text: str) -> Path:
    """Replace the index atomically, so a reader never sees half a table."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / INDEX_NAME
    fd, tmp = tempfile.mkstemp(prefix=".README.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
