"""Sections of docs/benchmarks.md that one benchmark writes between its own marks, so each
benchmark can rewrite its part and the report keeps the others."""

from __future__ import annotations

from pathlib import Path


def write_marked(md: Path, start: str, end: str, lines: list[str]) -> None:
    """Replace (or append) the section between `start` and `end` in `md` with `lines` (marks included); the rest stays."""
    text = md.read_text() if md.exists() else ""
    block = "\n".join(lines) + "\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        tail = rest.split(end, 1)[1].lstrip("\n")
        text = head + block + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + block
    md.write_text(text)


def kept(md: Path, start: str, end: str) -> str:
    """The section between `start` and `end` in `md`, marks included, to carry across a rewrite ("" if absent)."""
    text = md.read_text() if md.exists() else ""
    return "" if start not in text or end not in text else "\n" + start + text.split(start, 1)[1].split(end, 1)[0] + end + "\n"
