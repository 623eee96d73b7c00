"""Skipping a `generate` run whose inputs and output are exactly as the last run left them.

After a successful run, a record beside the output directory keeps a digest of the
inputs (every spec file's path and bytes, slogen's own source and the versions of
the libraries that shape the text), a digest of the manifest it wrote and each
output file's size, modification time and inode.  A later run with the same inputs,
whose output files are still those files (or, when their stat differs, still hash to
what that manifest says), has nothing to do.  The record checks itself against the output, so a stale one (a
killed run, a hand edit) only costs a full compile, never a wrong "up to date".
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path

from slogen.build.write import MANIFEST, output_lock
from slogen.spec.discovery import discover, source_name

_LIBRARIES = ("PyYAML", "promql-parser", "pydantic")


def package_sources() -> tuple[Path, tuple[Path, ...]]:
    """slogen's package root and its Python files (every stage's, not only build/'s)."""
    package = Path(__file__).resolve().parent.parent
    return package, tuple(sorted(package.rglob("*.py")))


def _code_digest() -> bytes:
    """slogen's source and library versions: a new slogen must recompile unchanged specs."""
    digest = hashlib.sha256()
    package, sources = package_sources()
    for path in sources:
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name in _LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=?\0".encode())
    return digest.digest()


def inputs_digest(paths: list[Path], options: str = "") -> str | None:
    """Digest of everything a generate run reads; None when the specs cannot all be read.

    Every file under a spec directory counts, not only spec files: jsonnet imports
    libraries (`*.libsonnet`) and OpenSLO specs refer to each other.
    """
    files, problems = discover(paths)
    if problems or not files:
        return None
    for path in paths:
        if path.is_dir():
            files += [p for p in path.rglob("*") if p.is_file()]
    files = sorted(set(files))
    digest = hashlib.sha256(_code_digest())
    digest.update(options.encode() + b"\0")
    try:
        for path in files:
            data = path.read_bytes()
            # Named as generated output names it: a name change is an output change.
            digest.update(f"{source_name(path, paths)}\0{len(data)}\0".encode() + data)
    except OSError:
        return None
    return digest.hexdigest()


def record_path(out_dir: Path) -> Path:
    """Where the record lives: beside out_dir, like the lock, so output/ holds only output."""
    resolved = out_dir.resolve()
    return resolved.parent / f".{resolved.name}.slogen-inputs.json"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stat(path: Path) -> list[int]:
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _read_up_to_date(out_dir: Path, inputs: str) -> dict | None:
    record = json.loads(record_path(out_dir).read_text())
    if not isinstance(record, dict) or record.get("inputs") != inputs:
        return None
    manifest = (out_dir / MANIFEST).read_bytes()
    if _sha(manifest) != record.get("manifest"):
        return None
    # A file with the size, modification time and inode it had when the record was
    # written is that file (as for git's index); any other is hashed: a touched file
    # still matches, an edited one does not.  Hashing all of a large tree's 500 MB
    # would be most of a no-change run.
    stats = record.get("stat") or {}
    for rel, digest in json.loads(manifest)["files"].items():
        path = out_dir / rel
        if stats.get(rel) != _stat(path) and _sha(path.read_bytes()) != digest:
            return None
    return record


def up_to_date(out_dir: Path, inputs: str | None) -> dict | None:
    """The last run's record (with its `services` and `slos` counts) when nothing needs doing."""
    if inputs is None or not (out_dir / MANIFEST).exists():
        return None
    with output_lock(out_dir):
        try:
            return _read_up_to_date(out_dir, inputs)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None


def remember(out_dir: Path, inputs: str, services: int, slos: int) -> None:
    """Record a successful run's inputs against the manifest it left in out_dir."""
    with output_lock(out_dir):
        manifest = (out_dir / MANIFEST).read_bytes()
        stats = {rel: _stat(out_dir / rel) for rel in json.loads(manifest)["files"]}
        record = {"inputs": inputs, "manifest": _sha(manifest), "services": services, "slos": slos, "stat": stats}
        target = record_path(out_dir)
        handle, temp = tempfile.mkstemp(prefix=target.name + ".", dir=target.parent)
        try:
            with os.fdopen(handle, "w") as stream:
                json.dump(record, stream)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
