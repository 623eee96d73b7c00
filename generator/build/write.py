"""Writing output/: a manifest of owned files, a lock, and one atomic directory swap.

A run either replaces output/ as a whole or leaves it exactly as it was: the new
tree is built beside it and exchanged with renameat2(RENAME_EXCHANGE), so a crash,
a kill or a full disk at any point leaves one complete tree.  Files slogen did not
write (not in the manifest) are carried over untouched, directories with their modes,
never across a file system.  Which directories may be output/ at all: out_dir.py.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import stat
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator

from slogen.errors import OutputConflict

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
    produced: set[str] = field(default_factory=set)

    @property
    def any(self) -> bool:
        """Whether output/ differs from what the specs produce."""
        return bool(self.added or self.changed or self.removed)


def _manifest(digests: dict[str, str]) -> str:
    return json.dumps({"generator": "slogen", "files": dict(sorted(digests.items()))}, indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True)
class Staged:
    """One output file compared with out_dir (and written to the staging tree, if any)."""

    rel: str
    digest: str
    state: str  # "added": not in out_dir; "changed"; "same"


def stage_file(out_dir: Path, staging: Path | None, rel: str, text: str, made: set[Path] | None = None) -> Staged:
    """Compare one file with out_dir and, given a staging tree, write it there; a small summary back."""
    data = text.encode("utf-8")
    target = out_dir / rel
    if not target.exists():
        state = "added"
    else:
        try:
            state = "same" if target.read_bytes() == data else "changed"
        except OSError:
            state = "changed"
    if staging is not None:
        path = staging / rel
        if made is None or path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            if made is not None:
                made.add(path.parent)
        with open(path, "wb") as handle:
            handle.write(data)
    return Staged(rel, hashlib.sha256(data).hexdigest(), state)


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
    return changes_of(out_dir, [stage_file(out_dir, None, rel, text) for rel, text in files.items()])


def changes_of(out_dir: Path, staged: list[Staged]) -> Changes:
    """What writing the staged files (and their manifest) would do to out_dir."""
    owned = read_manifest(out_dir)
    changes = Changes()
    changes.manifest = _manifest({s.rel: s.digest for s in staged})
    manifest = stage_file(out_dir, None, MANIFEST, changes.manifest)
    for item in sorted([*staged, manifest], key=lambda s: s.rel):
        if item.state == "added":
            changes.added.append(item.rel)
            continue
        if item.rel != MANIFEST and item.rel not in owned:
            changes.conflicts.append(item.rel)
        if item.state == "changed":
            changes.changed.append(item.rel)
    produced = {s.rel for s in staged}
    changes.removed = sorted(p for p in owned - produced if (out_dir / p).exists())
    changes.produced = produced
    return changes


@contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock beside the output directory for the whole run.

    The lock file is removed before it is released, and the directories made to hold
    it are removed again unless out_dir now exists: no run leaves a lock behind, and a
    failed one leaves nothing at all.
    """
    resolved = out_dir.resolve()
    made = [p for p in (resolved.parent, *resolved.parent.parents) if not p.exists()]
    lock_path = resolved.parent / f".{resolved.name}.slogen.lock"
    try:
        handle = _lock_file(lock_path)
        try:
            yield
        finally:
            lock_path.unlink(missing_ok=True)
            handle.close()
    finally:
        if not resolved.exists():
            for directory in made:  # deepest first
                try:
                    directory.rmdir()
                except OSError:
                    break


def _lock_file(lock_path: Path) -> IO[str]:
    """Open and flock the lock file, the one at lock_path once we hold it.

    A run that held the lock removed its file before releasing it: a run that was
    waiting on that file holds a lock on nothing and must lock the path's file anew.
    """
    while True:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            handle = open(lock_path, "a")
        except FileNotFoundError:  # a failed run removed the directory it had made
            continue
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            current = os.stat(lock_path)
            held = os.fstat(handle.fileno())
            if (current.st_dev, current.st_ino) == (held.st_dev, held.st_ino):
                return handle
        except FileNotFoundError:
            pass
        handle.close()


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


def _carry_over(src: Path, dst: Path, skip: set[str]) -> list[tuple[Path, os.stat_result]]:
    """Recreate src's tree in dst, hard-linking (or copying) every file not in `skip`.

    Returns each directory of dst with the stat of its original, whose mode and owner it
    gets back once slogen's files are in (see _restore_directories).  Never crosses into
    another file system: the old tree is removed after the swap, and whatever is mounted
    inside it would go with it.
    """
    device = os.lstat(src).st_dev
    directories = [(dst, os.lstat(src))]
    pending = [""]  # relative directories, as "a/b/": strings, as a large tree has many entries
    while pending:
        rel_dir = pending.pop()
        with os.scandir(src / rel_dir if rel_dir else src) as entries:
            for entry in entries:
                rel = rel_dir + entry.name
                if entry.is_dir(follow_symlinks=False):
                    status = _same_device(entry, device)
                    target = dst / rel
                    target.mkdir(exist_ok=True)
                    directories.append((target, status))
                    pending.append(rel + "/")
                elif rel in skip:
                    continue
                elif not os.path.lexists(dst / rel):  # else slogen staged a directory where a link was; it replaces it
                    _link_or_copy(Path(entry.path), dst / rel, _same_device(entry, device))
    return directories


def _same_device(entry: os.DirEntry, device: int) -> os.stat_result:
    status = entry.stat(follow_symlinks=False)
    if status.st_dev != device:
        raise OSError(errno.EXDEV, "another file system is mounted here; slogen never carries files across file systems", entry.path)
    return status


def _link_or_copy(path: Path, target: Path, status: os.stat_result) -> None:
    """Carry one file (or symbolic link) over as itself: a hard link, else a copy with its mode and owner."""
    try:
        os.link(path, target, follow_symlinks=False)
        return
    except OSError:
        if stat.S_ISLNK(status.st_mode):
            os.symlink(os.readlink(path), target)
        elif stat.S_ISREG(status.st_mode):
            shutil.copy2(path, target, follow_symlinks=False)
        else:
            raise  # a fifo, socket or device: copying it would read it, forever for a fifo
    _chown_like(target, status)


def _chown_like(path: Path, status: os.stat_result) -> None:
    """Give path its original's owner when we may (as root); otherwise it stays ours."""
    current = os.lstat(path)
    if (current.st_uid, current.st_gid) != (status.st_uid, status.st_gid):
        try:
            os.chown(path, status.st_uid, status.st_gid, follow_symlinks=False)
        except PermissionError:
            pass


def _restore_directories(directories: list[tuple[Path, os.stat_result]]) -> None:
    """Give carried-over directories their modes and owners back, deepest first (a
    read-only one is filled before it becomes read-only)."""
    for directory, status in reversed(directories):
        if directory.is_dir():  # else pruned: it only held files slogen no longer writes
            _chown_like(directory, status)
            os.chmod(directory, stat.S_IMODE(status.st_mode))


def start_writeback(root: Path) -> None:
    """Flush what is staged so far (syncfs), so that commit's final flush has little left.

    Called between results while workers keep writing: the kernel would otherwise hold
    hundreds of MB of staged files in memory until commit, and flush them then, on
    the clock.  Best effort: commit flushes everything anyway.
    """
    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
        fd = os.open(root, os.O_RDONLY)
    except (OSError, AttributeError):
        return
    try:
        syncfs(fd)
    finally:
        os.close(fd)


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
    with staging_area(out_dir) as staging:
        made: set[Path] = set()
        return commit(out_dir, staging, [stage_file(out_dir, staging, rel, text, made) for rel, text in files.items()])


@contextmanager
def staging_area(out_dir: Path) -> Iterator[Path]:
    """Lock out_dir and make an empty staging tree beside it, removed on the way out.

    Stage files with `stage_file` (from any process), then `commit`; leaving the block
    any other way leaves out_dir as it was.
    """
    with output_lock(out_dir):
        parent = out_dir.resolve().parent
        _remove_abandoned_staging(parent, out_dir.resolve().name)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.resolve().name}.slogen-staging-", dir=parent))
        try:
            yield staging
        finally:
            for leftover in (staging, _backup(staging)):
                if leftover.exists():
                    remove_tree(leftover)


def remove_tree(root: Path) -> None:
    """Remove a staging tree (or the old output swapped into it), read-only directories too."""

    def writable_and_retry(function, path, _exc) -> None:
        # A directory without write permission keeps its entries: open it up and retry.
        parent = os.path.dirname(path)
        try:
            os.chmod(parent, os.stat(parent).st_mode | 0o700)
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, os.stat(path).st_mode | 0o700)
                shutil.rmtree(path, **{_ON_ERROR: writable_and_retry})
            else:
                function(path)
        except OSError:
            pass

    shutil.rmtree(root, **{_ON_ERROR: writable_and_retry})


# rmtree's error hook: `onerror` is deprecated from Python 3.12, `onexc` new there.
_ON_ERROR = "onexc" if sys.version_info >= (3, 12) else "onerror"


def _backup(staging: Path) -> Path:
    return staging.with_name(staging.name + "-old")


def commit(out_dir: Path, staging: Path, staged: list[Staged]) -> Changes:
    """Swap the staged tree in for out_dir (user files carried over), if anything changed.

    Raises OutputConflict, changing nothing, when a staged file would replace one
    slogen did not write.
    """
    changes = changes_of(out_dir, staged)
    if changes.conflicts:
        raise OutputConflict(f"{out_dir}: refusing to overwrite files slogen did not write: {', '.join(changes.conflicts)}")
    if not changes.any:
        return changes
    owned = read_manifest(out_dir)
    # The directory itself is swapped, not a symbolic link naming it (the staging tree is beside the directory).
    target = out_dir.resolve()
    carried = _carry_over(target, staging, owned | changes.produced | {MANIFEST}) if target.exists() else []
    stage_file(out_dir, staging, MANIFEST, changes.manifest)
    _prune_empty_dirs(staging, owned - changes.produced)
    os.chmod(staging, 0o755)  # a new output directory (the staging tree was made 0700)
    _restore_directories(carried)
    _sync_tree(staging)
    if not target.exists():
        os.rename(staging, target)
    elif not _exchange(staging, target):
        # No renameat2 here: two renames, with a window where out_dir is absent.
        os.rename(target, _backup(staging))
        os.rename(staging, target)
    _fsync_dir(target.parent)
    return changes


def _remove_abandoned_staging(parent: Path, name: str) -> None:
    """Staging trees left by a run that was killed; safe to remove while we hold the lock."""
    for leftover in parent.glob(f".{name}.slogen-staging-*"):
        if leftover.is_dir() and not leftover.is_symlink():
            remove_tree(leftover)


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


class Stager:
    """The last stage of a run: files compared with `out_dir` and, given a staging tree, written there.

    `stage` does the work and may run in any process (the pipeline's workers stage their own
    services' files, so hundreds of MB never cross a pipe); `take` records the summaries in
    this one.  `commit` then swaps the staging tree in.  Without a staging tree (`slogen
    check`) it only compares.
    """

    # Files between early flushes of the staging tree (start_writeback).
    WRITEBACK_EVERY = 500

    def __init__(self, out_dir: Path, staging: Path | None = None):
        self.out_dir, self.staging = out_dir, staging
        self.staged: list[Staged] = []
        self._made: set[Path] = set()

    def stage(self, files: dict[str, str]) -> tuple[Staged, ...]:
        """Compare (and stage) files; their summaries, for `take` in the process that commits."""
        return tuple(stage_file(self.out_dir, self.staging, rel, text, self._made) for rel, text in files.items())

    def take(self, staged: tuple[Staged, ...]) -> None:
        """Record staged files' summaries (flushing the staging tree now and then)."""
        before = len(self.staged)
        self.staged += staged
        if self.staging is not None and before // self.WRITEBACK_EVERY != len(self.staged) // self.WRITEBACK_EVERY:
            start_writeback(self.staging)

    def withdraw(self, staged: tuple[Staged, ...]) -> None:
        """Forget files taken before, and remove them from the staging tree: their service was compiled again
        (a budget adjustment in another file touched it, pipeline._reclaim), and may not make them all."""
        gone = set(staged)
        self.staged = [item for item in self.staged if item not in gone]
        if self.staging is None:
            return
        for item in staged:
            path = self.staging / item.rel
            path.unlink(missing_ok=True)
            directory = path.parent
            while directory != self.staging and directory.is_dir() and not any(directory.iterdir()):
                directory.rmdir()
                self._made.discard(directory)
                directory = directory.parent

    def __call__(self, files: dict[str, str]) -> None:
        self.take(self.stage(files))
