"""Writing output/: a manifest of owned files, a lock, and one atomic directory swap.

A run either replaces output/ as a whole or leaves it exactly as it was: the new
tree is built beside it and exchanged with renameat2(RENAME_EXCHANGE), so a crash,
a kill or a full disk at any point leaves one complete tree.  Files slogen did not
write (not in the manifest) are carried over untouched.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

MANIFEST = ".slogen-manifest.json"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@dataclass
class Changes:
    """What a generate run would do, or did, to the output directory."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    manifest: str = ""  # the manifest text of the files compared

    @property
    def any(self) -> bool:
        """Whether output/ differs from what the specs produce."""
        return bool(self.added or self.changed or self.removed)


class OutputConflict(Exception):
    """A file slogen would write exists but was not written by slogen."""


def manifest_text(files: dict[str, str]) -> str:
    """The manifest: every owned file and its SHA-256, sorted."""
    digests = {path: hashlib.sha256(text.encode()).hexdigest() for path, text in sorted(files.items())}
    return json.dumps({"generator": "slogen", "files": digests}, indent=2, sort_keys=True) + "\n"


def read_manifest(out_dir: Path) -> set[str]:
    """Files the last run wrote; empty when there was none (or it is unreadable)."""
    try:
        data = json.loads((out_dir / MANIFEST).read_text())
        return {p for p in data.get("files", {}) if isinstance(p, str) and _safe_relative(p)}
    except (OSError, ValueError, AttributeError):
        return set()


def _safe_relative(path: str) -> bool:
    parts = Path(path).parts
    return bool(parts) and not Path(path).is_absolute() and ".." not in parts


def diff_output(out_dir: Path, files: dict[str, str]) -> Changes:
    """Compare the files the specs produce with what is on disk."""
    owned = read_manifest(out_dir)
    changes = Changes()
    changes.manifest = manifest_text(files)
    wanted = {**files, MANIFEST: changes.manifest}
    for rel, text in sorted(wanted.items()):
        target = out_dir / rel
        if not target.exists():
            changes.added.append(rel)
            continue
        if rel != MANIFEST and rel not in owned:
            changes.conflicts.append(rel)
        try:
            same = target.read_bytes() == text.encode()
        except OSError:
            same = False
        if not same:
            changes.changed.append(rel)
    changes.removed = sorted(p for p in owned - set(files) if (out_dir / p).exists())
    return changes


@contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock beside the output directory for the whole run."""
    parent = out_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    lock_path = parent / f".{out_dir.resolve().name}.slogen.lock"
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories; False when the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _carry_over(src: Path, dst: Path, skip: set[str]) -> None:
    """Recreate src's tree in dst, hard-linking (or copying) every file not in `skip`."""
    for root, dirs, names in os.walk(src):
        rel_root = Path(root).relative_to(src)
        for name in dirs:
            path = Path(root) / name
            if path.is_symlink():
                os.symlink(os.readlink(path), dst / rel_root / name)
            else:
                (dst / rel_root / name).mkdir(exist_ok=True)
        dirs[:] = [d for d in dirs if not (Path(root) / d).is_symlink()]
        for name in names:
            rel = (rel_root / name).as_posix()
            if rel in skip:
                continue
            path = Path(root) / name
            target = dst / rel_root / name
            if path.is_symlink():
                os.symlink(os.readlink(path), target)
                continue
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)


def _write_file(path: Path, text: str, made: set[Path] | None = None) -> None:
    """Write one staged file; durability comes from one `_sync_tree` before the swap."""
    if made is None or path.parent not in made:
        path.parent.mkdir(parents=True, exist_ok=True)
        if made is not None:
            made.add(path.parent)
    with open(path, "wb") as handle:
        handle.write(text.encode("utf-8"))


def _sync_tree(root: Path) -> None:
    """Flush everything written under root to disk before it is swapped in.

    One syncfs(2) of the file system instead of an fsync per file: a large tree has
    thousands of files, and per-file fsyncs cost seconds on virtual disks.
    """
    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        syncfs = None
    fd = os.open(root, os.O_RDONLY)
    try:
        if syncfs is not None and syncfs(fd) == 0:
            return
    finally:
        os.close(fd)
    for directory, _, names in os.walk(root):
        for name in names:
            with open(os.path.join(directory, name), "rb") as handle:
                os.fsync(handle.fileno())
        _fsync_dir(Path(directory))


def write_output(out_dir: Path, files: dict[str, str]) -> Changes:
    """Make out_dir hold exactly `files` plus the user's own files, atomically."""
    with output_lock(out_dir):
        changes = diff_output(out_dir, files)
        if changes.conflicts:
            raise OutputConflict(", ".join(changes.conflicts))
        parent = out_dir.resolve().parent
        _remove_abandoned_staging(parent, out_dir.resolve().name)
        if not changes.any:
            return changes
        owned = read_manifest(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.resolve().name}.slogen-staging-", dir=parent))
        try:
            if out_dir.exists():
                _carry_over(out_dir, staging, owned | set(files) | {MANIFEST})
            made: set[Path] = set()
            for rel, text in files.items():
                _write_file(staging / rel, text, made)
            _write_file(staging / MANIFEST, changes.manifest)
            _prune_empty_dirs(staging, owned - set(files))
            _sync_tree(staging)
            os.chmod(staging, 0o755)
            if not out_dir.exists():
                os.rename(staging, out_dir)
            elif not _exchange(staging, out_dir):
                # No renameat2 here: two renames, with a window where out_dir is absent.
                backup = staging.with_name(staging.name + "-old")
                os.rename(out_dir, backup)
                os.rename(staging, out_dir)
                staging = backup
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        _fsync_dir(parent)
        return changes


def _remove_abandoned_staging(parent: Path, name: str) -> None:
    """Staging trees left by a run that was killed; safe to remove while we hold the lock."""
    for leftover in parent.glob(f".{name}.slogen-staging-*"):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)


def _prune_empty_dirs(root: Path, removed: set[str]) -> None:
    """Remove directories that only held files slogen no longer produces."""
    for rel in sorted(removed, key=lambda p: -len(Path(p).parts)):
        directory = (root / rel).parent
        while directory != root and directory.exists() and not any(directory.iterdir()):
            directory.rmdir()
            directory = directory.parent


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file(path: Path, text: str) -> None:
    """Replace one file atomically (a file beside output/'s managed tree, e.g. the report)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.", delete=False, encoding="utf-8", newline="\n")
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o644)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
