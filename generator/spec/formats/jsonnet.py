"""Jsonnet spec files -> plain documents: the loader's jsonnet half (it reads imported files).

A `*.jsonnet` file evaluates to one spec (an object) or several (an array); each is then
detected and validated like a YAML document.  Imports are confined to the spec
directory, the evaluation stack is bounded, and jsonnet's own errors become
`path:line:col: message` diagnostics.
"""

from __future__ import annotations

import faulthandler
import json
import multiprocessing
import os
import re
import resource
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _jsonnet
from slogen.spec.errors import Diagnostic

# Deep enough for real templates (std.map over hundreds of SLOs), shallow enough that
# runaway recursion stops quickly with jsonnet's own message.
MAX_STACK = 200
MAX_OUTPUT_BYTES = 16 * 1024 * 1024
# A template can loop or allocate without end; the evaluator cannot be interrupted, so
# it runs in a child process that is killed past these bounds.
MAX_SECONDS = 20.0
MAX_MEMORY_BYTES = 2 << 30

_STATIC = re.compile(r"^STATIC ERROR: (?P<path>.+?):\(?(?P<line>\d+):(?P<col>\d+)(?:\)?-\S*)?: (?P<message>.*)$", re.S)
_FRAME = re.compile(r"^\t(?P<path>.+?):\(?(?P<line>\d+):(?P<col>\d+)", re.M)


@dataclass(frozen=True)
class JsonnetOptions:
    """External variables for jsonnet specs, as `--ext-str` / `--ext-code` give them."""

    ext_vars: dict[str, str] = field(default_factory=dict)
    ext_codes: dict[str, str] = field(default_factory=dict)


def _confined(root: Path):
    """An import callback that serves only files inside `root`."""

    def load(base: str, rel: str) -> tuple[str, bytes]:
        target = (Path(base) / rel).resolve()
        if not target.is_relative_to(root):
            raise RuntimeError(f"import {rel!r} is outside the spec directory {root}; imports are confined to it")
        if not target.is_file():
            raise RuntimeError(f"import {rel!r} not found")
        return str(target), target.read_bytes()

    return load


def error_diagnostic(display: str, real: str, message: str) -> Diagnostic:
    """A jsonnet error message as one diagnostic at the first position it names."""
    text = message.strip()

    def shown(path: str) -> str:
        return display if path == real else path

    static = _STATIC.match(text)
    if static:
        return Diagnostic(shown(static["path"]), int(static["line"]), int(static["col"]), "jsonnet: " + static["message"].strip().splitlines()[0])
    first = text.splitlines()[0] if text else "jsonnet evaluation failed"
    first = first.removeprefix("RUNTIME ERROR: ")
    frame = _FRAME.search(text)
    if frame:
        return Diagnostic(shown(frame["path"]), int(frame["line"]), int(frame["col"]), "jsonnet: " + first)
    return Diagnostic(display, 1, 1, "jsonnet: " + first)


def _bounded(evaluate_now) -> tuple[str, str]:
    """Run an evaluation in a forked child with a time and memory limit: (kind, text)."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def child() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MAX_MEMORY_BYTES, MAX_MEMORY_BYTES))
        # The C++ evaluator prints its own fatal errors; ours replace them.
        faulthandler.disable()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        try:
            send.send(("ok", evaluate_now()))
        except RuntimeError as err:
            send.send(("error", str(err)))
        except MemoryError:
            send.send(("memory", ""))

    process = context.Process(target=child, daemon=True)
    process.start()
    send.close()
    try:
        if not receive.poll(MAX_SECONDS):
            return "timeout", ""
        return receive.recv()
    except EOFError:  # the child died without answering, e.g. out of memory in C++
        return "memory", ""
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receive.close()


def evaluate(path: Path, display: str, root: Path, options: JsonnetOptions) -> tuple[list[Any], list[Diagnostic]]:
    """Evaluate one jsonnet spec file to its documents (an array is several)."""
    real = str(path.resolve())
    kind, text = _bounded(
        lambda: _jsonnet.evaluate_file(
            real,
            ext_vars=dict(options.ext_vars),
            ext_codes=dict(options.ext_codes),
            import_callback=_confined(root.resolve()),
            max_stack=MAX_STACK,
        )
    )
    if kind == "error":
        return [], [error_diagnostic(display, real, text)]
    if kind == "timeout":
        return [], [Diagnostic(display, 1, 1, f"jsonnet evaluation took longer than {MAX_SECONDS:g}s; stopped")]
    if kind == "memory":
        return [], [Diagnostic(display, 1, 1, f"jsonnet evaluation needed more than {MAX_MEMORY_BYTES >> 20} MiB; stopped")]
    if len(text) > MAX_OUTPUT_BYTES:
        return [], [Diagnostic(display, 1, 1, f"jsonnet output is over the {MAX_OUTPUT_BYTES}-byte limit for a spec")]
    data = json.loads(text)
    return (data if isinstance(data, list) else [data]), []
