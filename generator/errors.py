"""Every error slogen reports to a person, and the exit code each one ends in.

One line each (a SpecError: one line per Diagnostic), never a traceback.  The tree, with
the exit code of each class (tests/test_errors.py holds this drawing to the classes and
to EXIT_CODES):

    SlogenError                        1  a failure the message tells the user how to fix
    ├── InputError                     2  the input is wrong; nothing was written
    │   ├── SpecError                  2  spec files: one located Diagnostic per problem
    │   ├── OptionError                2  a command-line option, or a file it names
    │   ├── TargetError                2  options or output a rule dialect cannot take
    │   └── OutputConflict             2  output would replace files slogen did not write
    ├── ToolError                      1  a program slogen runs is not installed
    │   └── PromtoolMissing            1  `slogen test` finds no promtool
    └── PrometheusError                3  a Prometheus-compatible query API gave no usable answer
        ├── PrometheusConnectionError  3  no answer: connection refused, timeout, TLS
        ├── PrometheusHTTPError        3  credentials or tenant refused, or not the query API
        └── PrometheusQueryError       3  the query failed or returned no instant vector

    OSError                           74  a file could not be read or written (EX_IOERR)
    KeyboardInterrupt                130  interrupted (128 + SIGINT)
    Exception                         70  anything else is a slogen bug (EX_SOFTWARE)

A run that works but whose answer is no exits EXIT_FINDINGS (1): `check` finds output/
stale, `test` a failing test, `status` an SLO past --fail-on, `postmortem lint` an error,
`postmortem index --check` a stale index.  `postmortem new --prometheus` exits 2 on a
PrometheusError: the measurement is an option of its input there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in one input file, at a 1-based line and column."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{one_line(self.path)}:{self.line}:{self.col}: {one_line(self.message)}"


def one_line(text: str) -> str:
    """Escape what could break or disguise a line (newlines, form feeds, other controls):
    one problem, one line, even when the message quotes user text."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)


class SlogenError(Exception):
    """A failure slogen explains in its message; the root of every error it reports."""


class InputError(SlogenError):
    """The user's input (specs, options, the output directory) cannot be used as given."""


class SpecError(InputError):
    """Spec files have problems; carries every one of them, sorted, as Diagnostics."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        self.diagnostics = sorted(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class OptionError(InputError):
    """A command-line option, or a file it names (--http.config.file), is wrong."""


class TargetError(InputError):
    """Options or output a target cannot accept; the message is one line for the user."""


class OutputConflict(InputError):
    """A file slogen would write exists but was not written by slogen."""


class ToolError(SlogenError):
    """A program slogen runs is not installed."""


class PromtoolMissing(ToolError):
    """No promtool binary to run the tests with."""


class PrometheusError(SlogenError):
    """Prometheus could not be reached or did not answer a query; the message is one line."""


class PrometheusConnectionError(PrometheusError):
    """No HTTP answer: the connection was refused or timed out, or TLS failed."""


class PrometheusHTTPError(PrometheusError):
    """An HTTP answer that is not the query API's: credentials or tenant refused, or no JSON."""


class PrometheusQueryError(PrometheusError):
    """The query API answered with an error, or with something other than an instant vector."""


EXIT_CODES: dict[type[BaseException], int] = {
    SlogenError: 1,
    InputError: 2,
    SpecError: 2,
    OptionError: 2,
    TargetError: 2,
    OutputConflict: 2,
    ToolError: 1,
    PromtoolMissing: 1,
    PrometheusError: 3,
    PrometheusConnectionError: 3,
    PrometheusHTTPError: 3,
    PrometheusQueryError: 3,
    OSError: 74,
    KeyboardInterrupt: 130,
    Exception: 70,
}

# Not an error: the run worked and its answer is no (the docstring lists the commands).
EXIT_FINDINGS = 1


def exit_code(err: BaseException) -> int:
    """The exit code of `err`: that of its nearest class in EXIT_CODES (a slogen bug: 70)."""
    return next((EXIT_CODES[cls] for cls in type(err).__mro__ if cls in EXIT_CODES), EXIT_CODES[Exception])
