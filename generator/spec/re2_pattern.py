r"""Prometheus' label regexes (Go's RE2 syntax) as Python's `re` reads them the same way, or refused.

The generated test series (`emit/promtool/series.py`) and `status`'s local matching
(`live/series_match.py`) both read user regexes in Python; what they read must be
what Prometheus reads.  The two syntaxes differ in ways that change a match silently:

- RE2's `\d`, `\w`, `\s` and `\b` are ASCII (and its `\s` lacks `\v`); Python's are Unicode.
  They are spelled out as classes, not read under `re.ASCII`: that flag would also make
  `(?i)` fold ASCII only, where RE2 folds Unicode (`(?i)k` matches the Kelvin sign `K`).
- RE2's POSIX classes (`[[:digit:]]`, `[[:^space:]]`) are a nested set in Python.
- RE2's `$` is the end of the text (without `(?m)`); Python's also matches before a final newline.
- `\z`, `\Q..\E`, `\x{..}` and octal `\12` are RE2's spellings (Python: `\Z`, escapes, a back reference).
- `{` that starts no valid repeat is a literal in RE2 (`a{,3}`), a repeat in Python.

What Python cannot reproduce, or RE2 rejects while Python accepts, raises `Unsupported`
(a `re.error`): Unicode classes (`\pN`, `\p{Greek}`), `\C`, the ungreedy flag `(?U)`,
flags set mid-pattern (Python takes them only at the start), `(?<name>` (accepted by
Go 1.22 on), look-around, atomic groups, back references, possessive and stacked
repeats, repeat counts above 1000, and Python-only escapes such as `\Z` and `\u`.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

_MAX = 0x10FFFF
Ranges = tuple[tuple[int, int], ...]

_DIGIT: Ranges = ((0x30, 0x39),)
_WORD: Ranges = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
_POSIX: dict[str, Ranges] = {
    "alnum": ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)), "alpha": ((0x41, 0x5A), (0x61, 0x7A)),
    "ascii": ((0x00, 0x7F),), "blank": ((0x09, 0x09), (0x20, 0x20)), "cntrl": ((0x00, 0x1F), (0x7F, 0x7F)),
    "digit": _DIGIT, "graph": ((0x21, 0x7E),), "lower": ((0x61, 0x7A),), "print": ((0x20, 0x7E),),
    "punct": ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)), "space": ((0x09, 0x0D), (0x20, 0x20)),
    "upper": ((0x41, 0x5A),), "word": _WORD, "xdigit": ((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
}
# RE2's Perl classes: \s is [\t\n\f\r ], without the \v that Python's ASCII \s has.
_PERL: dict[str, Ranges] = {"d": _DIGIT, "s": ((0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20)), "w": _WORD}
_WORD_CLASS = "[0-9A-Za-z_]"
# RE2's \b and \B: ASCII word characters, never case-folded (hence `(?-i:`).
_BOUNDARY = {
    "b": f"(?-i:(?<={_WORD_CLASS})(?!{_WORD_CLASS})|(?<!{_WORD_CLASS})(?={_WORD_CLASS}))",
    "B": f"(?-i:(?<={_WORD_CLASS})(?={_WORD_CLASS})|(?<!{_WORD_CLASS})(?!{_WORD_CLASS}))",
}
_SAME_ESCAPES = "aftnrv"
_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")
_FLAGS = re.compile(r"\(\?([imsU]*)(?:-([imsU]*))?([:)])")
_NAMED_GROUP = re.compile(r"\(\?P<[A-Za-z0-9_]+>")  # RE2's names are ASCII
_MAX_REPEAT = 1000


class Unsupported(re.error):
    """An RE2 construct Python's `re` cannot read as Prometheus does (or that RE2 rejects)."""


def _char(code: int) -> str:
    """One code point as a Python escape, safe anywhere in a pattern or a class."""
    return f"\\x{code:02x}" if code < 0x100 else f"\\U{code:08x}"


def _spelled(ranges: Ranges) -> str:
    return "".join(_char(lo) if lo == hi else f"{_char(lo)}-{_char(hi)}" for lo, hi in ranges)


def _complement(ranges: Ranges) -> Ranges:
    out, start = [], 0
    for lo, hi in sorted(ranges):
        if lo > start:
            out.append((start, lo - 1))
        start = max(start, hi + 1)
    if start <= _MAX:
        out.append((start, _MAX))
    return tuple(out)


class _Reader:
    """One pass over an RE2 pattern, writing Python's spelling of each piece."""

    def __init__(self, pattern: str):
        self.text, self.i, self.out = pattern, 0, []
        self.at_start = True  # only flag groups so far: Python takes `(?i)` there alone
        self.last_repeat = False
        # RE2 refuses counted repeats nested to a product above 1000, `(a{100}){20}`: the largest
        # product inside each open group, and the product the last atom carries.
        self.nested, self.atom = [1], 1
        self.folds = self.multiline = self.dollar = self.negated_in_class = False

    def fail(self, why: str) -> Unsupported:
        return Unsupported(f"RE2 and Python differ: {why}", self.text, self.i)

    def read(self) -> str:
        text = self.text
        while self.i < len(text):
            c = text[self.i]
            start_before, self.at_start = self.at_start, False
            repeat = _REPEAT.match(text, self.i) if c == "{" else None
            if c in "*+?" or repeat:
                self._repeat(repeat)
                continue
            self.last_repeat, self.atom = False, 1
            if c == "\\":
                self.out.append(self._escape(in_class=False))
            elif c == "[":
                self.out.append(self._class())
            elif c == "(":
                self.at_start = self._group(start_before)
            elif c == ")" and len(self.nested) > 1:
                self.atom = self.nested.pop()
                self.nested[-1] = max(self.nested[-1], self.atom)
                self.out.append(c)
                self.i += 1
            elif c == "$":
                self.dollar = True
                self.out.append("\\Z")
                self.i += 1
            elif c == "{":
                self.out.append("\\{")  # no valid repeat follows: a literal in RE2
                self.i += 1
            else:
                self.out.append(c)
                self.i += 1
        if self.multiline and self.dollar:
            raise self.fail("`$` under (?m)")
        if self.folds and self.negated_in_class:
            raise self.fail("a negated class inside brackets under (?i)")
        return "".join(self.out)

    def _repeat(self, repeat: re.Match[str] | None) -> None:
        if self.last_repeat:
            raise self.fail("a repeat of a repeat (possessive in Python, an error in RE2)")
        if repeat:
            low, comma, high = repeat.groups()
            counts = [int(low)] + ([int(high)] if high else [])
            times = int(high) if high else int(low)  # RE2 weighs {n,} and {n} by n
            if max(counts) > _MAX_REPEAT or times * self.atom > _MAX_REPEAT:
                raise self.fail("a repeat count above 1000, alone or nested")
            self.atom = max(times * self.atom, 1)
            self.nested[-1] = max(self.nested[-1], self.atom)
            self.out.append(repeat.group(0))
            self.i = repeat.end()
        else:
            self.out.append(self.text[self.i])
            self.i += 1
        if self.text.startswith("?", self.i):  # lazy: the same in both
            self.out.append("?")
            self.i += 1
        self.last_repeat = True

    def _group(self, at_start: bool) -> bool:
        """Copy a group's opening; True when it is a leading flag group Python takes as global."""
        text = self.text
        plain = "(" if not text.startswith("(?", self.i) else "(?:" if text.startswith("(?:", self.i) else None
        named = _NAMED_GROUP.match(text, self.i)
        opening = plain or (named and named.group(0))
        if opening:
            self.out.append(opening)
            self.i += len(opening)
            self.nested.append(1)
            return False
        flags = _FLAGS.match(text, self.i)
        if not flags or not (flags.group(1) or flags.group(2)):
            raise self.fail("a group Python reads otherwise (look-around, `(?<name>`, atomic, comment, ...)")
        on, off, end = flags.group(1), flags.group(2) or "", flags.group(3)
        if "U" in on + off:
            raise self.fail("the ungreedy flag (?U)")
        if end == ")" and (off or not at_start):
            raise self.fail("flags set mid-pattern")
        self.folds = self.folds or "i" in on
        self.multiline = self.multiline or "m" in on
        self.out.append(flags.group(0))
        self.i = flags.end()
        if end == ":":
            self.nested.append(1)
        return end == ")"

    def _escape(self, in_class: bool) -> str:
        """The escape at self.i (a backslash) in Python's spelling; self.i moves past it."""
        text, i = self.text, self.i
        if i + 1 >= len(text):
            raise self.fail("a trailing backslash")
        c = text[i + 1]
        self.i = i + 2
        if c.lower() in _PERL:
            members = _PERL[c.lower()]
            if not in_class:
                return f"[{'^' if c.isupper() else ''}{_spelled(members)}]"
            if c.isupper():
                self.negated_in_class = True
                return _spelled(_complement(members))
            return _spelled(members)
        if c in _SAME_ESCAPES:
            return "\\" + c
        if c in "01234567":
            return _char(self._octal(c))
        if c == "x":
            return _char(self._hex())
        if c.isascii() and not c.isalnum():
            return "\\" + c  # escaped punctuation: a literal in both
        if not in_class:
            if c in _BOUNDARY:
                return _BOUNDARY[c]
            if c == "A":
                return "\\A"
            if c == "z":
                return "\\Z"
            if c == "Q":
                end = text.find("\\E", self.i)
                if end < 0:  # RE2 quotes to the end, the `)$` Prometheus wraps it in too: an error
                    raise self.fail("\\Q without \\E")
                quoted = text[self.i:end]
                self.i = end + 2
                return "".join(re.escape(q) for q in quoted)
        self.i = i
        raise self.fail(f"the escape \\{c}")

    def _octal(self, first: str) -> int:
        # RE2: \0 and up to two more octal digits; \1-\7 only as octal of two or three digits
        # (a lone \1 is a back reference, which RE2 rejects); Python reads \12 as group 12.
        text, digits = self.text, first
        while len(digits) < 3 and self.i < len(text) and text[self.i] in "01234567":
            digits += text[self.i]
            self.i += 1
        if first != "0" and len(digits) == 1:
            raise self.fail("a back reference")
        return int(digits, 8)

    def _hex(self) -> int:
        text = self.text
        braced = re.compile(r"\{([0-9A-Fa-f]+)\}").match(text, self.i)
        plain = re.compile(r"[0-9A-Fa-f]{2}").match(text, self.i)
        found = braced or plain
        if not found:
            raise self.fail("a malformed \\x escape")
        code = int(found.group(1) if braced else found.group(0), 16)
        if code > _MAX:
            raise self.fail("a code point beyond Unicode")
        self.i = found.end()
        return code

    def _class(self) -> str:
        """A bracket class read as RE2 reads it, each member spelled unambiguously for Python."""
        text = self.text
        self.i += 1
        negated = text.startswith("^", self.i)
        self.i += negated
        items: list[str] = []
        first = True
        while True:
            if self.i >= len(text):
                raise self.fail("a class without its closing `]`")
            c = text[self.i]
            if c == "]" and not first:
                self.i += 1
                return f"[{'^' if negated else ''}{''.join(items)}]"
            first = False
            if text.startswith("[:", self.i) and ":]" in text[self.i + 2:]:
                items.append(self._posix())
                continue
            lo, lo_text = self._class_char()
            if lo is None:  # a Perl class: no range from or to it
                items.append(lo_text)
                continue
            if text.startswith("-", self.i) and not text.startswith("-]", self.i) and self.i + 1 < len(text):
                self.i += 1
                hi, hi_text = self._class_char()
                if hi is None or hi < lo:
                    raise self.fail("an invalid class range")
                items.append(f"{lo_text}-{hi_text}")
            else:
                items.append(lo_text)

    def _class_char(self) -> tuple[int | None, str]:
        """One class member: its code point and spelling, or (None, spelling) for a Perl class."""
        c = self.text[self.i]
        if c != "\\":
            self.i += 1
            return ord(c), _char(ord(c))
        perl = self.text[self.i + 1:self.i + 2].lower() in _PERL
        spelled = self._escape(in_class=True)
        if perl:
            return None, spelled
        if spelled.startswith(("\\x", "\\U")):
            return int(spelled[2:], 16), spelled
        return ord(_unescaped(spelled)), spelled  # \n, \t, escaped punctuation: one character

    def _posix(self) -> str:
        end = self.text.index(":]", self.i + 2)
        name = self.text[self.i + 2:end]
        negated = name.startswith("^")
        ranges = _POSIX.get(name.lstrip("^"))
        if ranges is None:
            raise self.fail(f"the unknown POSIX class [:{name}:]")
        self.i = end + 2
        self.negated_in_class = self.negated_in_class or negated
        return _spelled(_complement(ranges) if negated else ranges)


def _unescaped(escape: str) -> str:
    return {"a": "\a", "f": "\f", "t": "\t", "n": "\n", "r": "\r", "v": "\v"}.get(escape[1], escape[1])


def python_pattern(pattern: str) -> str:
    """The RE2 `pattern` in Python's spelling (raises `Unsupported` where Python would read it otherwise)."""
    return _Reader(pattern).read()


@lru_cache(maxsize=4096)
def compiled(pattern: str) -> re.Pattern[str]:
    """Python's compiled form of an RE2 pattern, to be matched with fullmatch as Prometheus anchors it.

    Raises `re.error` (`Unsupported` among them) when Python cannot match as Prometheus would.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "possible nested set" and the like: Python reads a new meaning
        try:
            return re.compile(python_pattern(pattern))
        except (FutureWarning, DeprecationWarning) as warning:
            raise Unsupported(str(warning), pattern) from None
