"""The incident facts and the Markdown postmortem as data: front matter, sections, tables.

Pure: parses text into located pieces (1-based line numbers) for the linter and the index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import yaml

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
TEMPLATES = ("standard", "quick")
# A customer-facing outage longer than this needs a postmortem even at SEV3/SEV4.
CUSTOMER_FACING_LIMIT = 15 * 60
PLACEHOLDER = re.compile(r"\[\[[^\]]*\]\]")

_UTC_FORMS = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def parse_utc(text: str) -> datetime:
    """Parse `2024-03-01T14:05Z` (or without Z, or with a space) as UTC; refuse other offsets."""
    value = text.strip()
    if value.endswith("+00:00"):
        value = value[: -len("+00:00")] + "Z"
    for form in _UTC_FORMS:
        try:
            return datetime.strptime(value, form).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    raise ValueError(f"invalid UTC time {text!r}: expected e.g. 2024-03-01T14:05Z (times are UTC)")


def format_utc(moment: datetime) -> str:
    """`2024-03-01T14:05:00Z`."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_span(seconds: int) -> str:
    """A duration as people write it in postmortems: `45m`, `2h 5m`, `1d 3h`."""
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")) if n]
    return " ".join(parts) or "0m"


def slugify(title: str) -> str:
    """`Checkout 5xx after config push!` -> `checkout-5xx-after-config-push`."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:60].rstrip("-") or "incident"


@dataclass(frozen=True)
class Incident:
    """What `postmortem new` is told about an incident."""

    title: str
    severity: str
    start: datetime
    end: datetime
    customer_facing: bool = False
    data_loss: bool = False
    security: bool = False
    near_miss: bool = False
    novel: bool = False

    @property
    def duration(self) -> int:
        """Seconds from start to end."""
        return int((self.end - self.start).total_seconds())

    @property
    def file_name(self) -> str:
        """`YYYY-MM-DD-<slug>.md`, dated by the incident's start."""
        return f"{self.start:%Y-%m-%d}-{slugify(self.title)}.md"


def incident_problems(incident: Incident) -> list[str]:
    """What is wrong with the facts given to `new`."""
    problems = []
    if not incident.title.strip():
        problems.append("--title must not be empty")
    if incident.severity not in SEVERITIES:
        problems.append(f"--severity {incident.severity!r} is not one of {', '.join(SEVERITIES)}")
    if incident.end < incident.start:
        problems.append(f"--end {format_utc(incident.end)} is before --start {format_utc(incident.start)}")
    return problems


@dataclass(frozen=True)
class Decision:
    """Whether a postmortem is required, why, and which template fits."""

    required: bool
    reasons: tuple[str, ...]
    template: str


def decide(incident: Incident) -> Decision:
    """Apply the postmortem criteria: SEV1/2, customer-facing > 15m, data loss, security, or on request."""
    reasons = []
    if incident.severity in ("SEV1", "SEV2"):
        reasons.append(f"{incident.severity} incident")
    if incident.customer_facing and incident.duration > CUSTOMER_FACING_LIMIT:
        reasons.append("customer-facing outage over 15 minutes")
    if incident.data_loss:
        reasons.append("data loss")
    if incident.security:
        reasons.append("security incident")
    if incident.near_miss:
        reasons.append("near-miss (requested)")
    if incident.novel:
        reasons.append("novel failure mode (requested)")
    required = bool(reasons)
    return Decision(required=required, reasons=tuple(reasons), template="standard" if required else "quick")


@dataclass(frozen=True)
class Line:
    """One source line and its 1-based number."""

    number: int
    text: str


@dataclass(frozen=True)
class Section:
    """A `##` section (or `###` subsection) and the lines under it up to the next heading of its level or above."""

    level: int
    title: str
    line: int
    body: tuple[Line, ...]


@dataclass(frozen=True)
class Table:
    """A Markdown table: header cells, and body rows with their line numbers."""

    line: int
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]

    def column(self, name: str) -> int | None:
        """Index of the first header cell starting with `name` (case-insensitive), if any."""
        for i, cell in enumerate(self.header):
            if cell.lower().startswith(name.lower()):
                return i
        return None


@dataclass(frozen=True)
class Postmortem:
    """A parsed postmortem: front matter (strings, as written) and headings with their bodies."""

    path: str
    lines: tuple[Line, ...]
    front: dict[str, object] | None
    front_lines: dict[str, int]
    front_error: tuple[int, str] | None
    body_start: int
    sections: tuple[Section, ...] = field(default=())
    # True when the facts come from a `Date: ... | Duration: ... | Severity: ...` line
    # under the title (the standard template's own form) instead of YAML front matter.
    header_form: bool = False

    def section(self, title: str, level: int = 2) -> Section | None:
        """The first section whose title starts with `title` (case-insensitive)."""
        for s in self.sections:
            if s.level == level and s.title.lower().startswith(title.lower()):
                return s
        return None

    @property
    def template(self) -> str:
        """The template named in the front matter, `standard` when unknown."""
        value = str((self.front or {}).get("template", "standard")).lower()
        return value if value in TEMPLATES else "standard"


def _split_row(text: str) -> tuple[str, ...]:
    inner = text.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return tuple(cell.strip() for cell in re.split(r"(?<!\\)\|", inner))


def tables_in(lines: tuple[Line, ...]) -> list[Table]:
    """Every pipe table among the lines (header, `---` separator, body rows)."""
    tables = []
    i = 0
    while i < len(lines):
        if lines[i].text.lstrip().startswith("|") and i + 1 < len(lines) and re.match(r"^\s*\|?\s*:?-{3,}", lines[i + 1].text):
            header = _split_row(lines[i].text)
            rows = []
            j = i + 2
            while j < len(lines) and lines[j].text.lstrip().startswith("|"):
                rows.append((lines[j].number, _split_row(lines[j].text)))
                j += 1
            tables.append(Table(lines[i].number, header, tuple(rows)))
            i = j
        else:
            i += 1
    return tables


def _front_matter(lines: tuple[Line, ...]) -> tuple[dict | None, dict[str, int], tuple[int, str] | None, int]:
    if not lines or lines[0].text.strip() != "---":
        return None, {}, (1, "no front matter: the file must start with a `---` YAML block (title, date, severity, start, end, template)"), 0
    end = next((i for i in range(1, len(lines)) if lines[i].text.strip() == "---"), None)
    if end is None:
        return None, {}, (1, "front matter is not closed by a `---` line"), 0
    text = "\n".join(line.text for line in lines[1:end])
    try:
        # BaseLoader keeps every scalar a string: dates and booleans are checked by the linter, not guessed by YAML.
        data = yaml.load(text, Loader=yaml.BaseLoader) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        return None, {}, (line, f"front matter is not valid YAML: {getattr(err, 'problem', err)}"), end + 1
    if not isinstance(data, dict):
        return None, {}, (2, "front matter must be a mapping of keys to values"), end + 1
    key_lines = {}
    for line in lines[1:end]:
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", line.text)
        if match and match.group(1) not in key_lines:
            key_lines[match.group(1)] = line.number
    return data, key_lines, None, end + 1


def _sections(lines: tuple[Line, ...]) -> tuple[Section, ...]:
    heads = []
    in_fence = False
    for index, line in enumerate(lines):
        if line.text.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        match = re.match(r"^(#{2,3})\s+(.*?)\s*#*\s*$", line.text)
        if match and not in_fence:
            heads.append((index, len(match.group(1)), match.group(2)))
    sections = []
    for n, (index, level, title) in enumerate(heads):
        stop = next((i for i, lvl, _ in heads[n + 1:] if lvl <= level), len(lines))
        sections.append(Section(level, title, lines[index].number, lines[index + 1: stop]))
    return tuple(sections)


# `Date: 2026-03-02 | Duration: 45 min | Severity: SEV2`, bold labels allowed.
_HEADER = re.compile(
    r"^\W*date:?\W*\s*(?P<date>[^|]*?)\s*\|\W*duration:?\W*\s*(?P<duration>[^|]*?)\s*\|\W*severity:?\W*\s*(?P<severity>[^|*_]*?)\W*$",
    re.IGNORECASE,
)


def _header_line(lines: tuple[Line, ...]) -> tuple[dict, dict[str, int]] | None:
    """The facts of a postmortem without front matter: its `# title` and the header line below it."""
    title = next(((line.number, line.text.lstrip("#").strip()) for line in lines if re.match(r"^#\s+\S", line.text)), None)
    for line in lines[:20]:
        match = _HEADER.match(line.text.strip())
        if match:
            front: dict = {k: v.strip() for k, v in match.groupdict().items()}
            where = {k: line.number for k in front}
            if title is not None:
                front["title"], where["title"] = title[1], title[0]
            return front, where
    return None


def parse_postmortem(path: str, text: str) -> Postmortem:
    """Parse a postmortem's text; never fails, problems are left for the linter to report."""
    lines = tuple(Line(i + 1, t) for i, t in enumerate(text.splitlines()))
    front, front_lines, front_error, body_start = _front_matter(lines)
    header = _header_line(lines) if front is None and body_start == 0 else None
    if header is not None:
        front, front_lines = header
        return Postmortem(path, lines, front, front_lines, None, 0, _sections(lines), header_form=True)
    return Postmortem(
        path=path,
        lines=lines,
        front=front,
        front_lines=front_lines,
        front_error=front_error,
        body_start=body_start,
        sections=_sections(lines[body_start:]),
    )


def front_date(value: object) -> date | None:
    """A front-matter `date` as a date, or None when it is not `YYYY-MM-DD`."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
