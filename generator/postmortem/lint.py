"""The postmortem linter: every check is a pure function from a parsed postmortem to findings.

Each check has an id and a default severity that a team can change (error, warning, off).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from slogen.postmortem.blame import find_blame, vocabulary
from slogen.postmortem.impact import P0_BUDGET_SHARE
from slogen.postmortem.model import PLACEHOLDER, SEVERITIES, TEMPLATES, Line, Postmortem, Section, Table, front_date, parse_utc, tables_in
from slogen.postmortem.templates import IMPACT_FIELDS, PRIORITIES, SECTIONS, STATUSES

LEVELS = ("error", "warning", "off")
DEFAULT_SEVERITY = {
    "front-matter": "error",
    "required-sections": "error",
    "timeline": "error",
    "five-whys": "error",
    "five-whys-depth": "warning",
    "action-items": "error",
    "budget-policy": "error",
    "blameless": "error",
    "placeholders": "error",
}
REQUIRED_KEYS = ("title", "date", "severity", "start", "end", "template")
# Without front matter, the standard template's `# title` and header line say these.
HEADER_KEYS = ("title", "date", "duration", "severity")

_TIME = re.compile(r"^(?:(\d{4}-\d{2}-\d{2})[ T])?([01]\d|2[0-3]):([0-5]\d)$")
_HANDLE = re.compile(r"^@[A-Za-z0-9][\w.-]*(?:\s*,\s*@[A-Za-z0-9][\w.-]*)*$")
_TICKET = re.compile(r"^(?:[A-Z][A-Z0-9]+-\d+|#\d+|https?://\S+)$")
# Numbered whys (`1. Why ...? Because ...`) or the template's bullets (`- Why ...? → ...`).
_WHY = re.compile(r"^\s*(?:\d+[.)]|[-*]\s+(?:\*\*)?why\b)\s*\S", re.IGNORECASE)
_ARROW = re.compile(r"(?:→|->)\s*(.*)$")
_DONE = re.compile(r"✅|✔|\[x\]|~~.+~~|\bdone\b", re.IGNORECASE)
_ROOT_CAUSE = re.compile(r"^\s*(?:[-*]\s+)?\*\*root cause:?\*\*:?\s*(.*)$", re.IGNORECASE)
_BUDGET = re.compile(r"^(?:<=\s*)?(\d+(?:\.\d+)?)%$")

@dataclass(frozen=True, order=True)
class Finding:
    """One lint result: `path:line: severity: message [check]`."""

    path: str
    line: int
    check: str
    severity: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message} [{self.check}]"


Issue = tuple[int, str]


def parse_severities(pairs: list[str]) -> tuple[dict[str, str], list[str]]:
    """`check=level` overrides on top of the defaults, and what is wrong with them."""
    severities = dict(DEFAULT_SEVERITY)
    problems = []
    for pair in pairs:
        check, _, level = pair.partition("=")
        check, level = check.strip(), level.strip().lower()
        if check not in DEFAULT_SEVERITY:
            problems.append(f"unknown check {check!r} in {pair!r}; checks: {', '.join(DEFAULT_SEVERITY)}")
        elif level not in LEVELS:
            problems.append(f"unknown severity {level!r} in {pair!r}; use one of {', '.join(LEVELS)}")
        else:
            severities[check] = level
    return severities, problems


def _has_placeholder(text: str) -> bool:
    return bool(PLACEHOLDER.search(text))


def _heading_line(pm: Postmortem) -> int:
    # Where a missing section is reported: the first line of text after the front matter.
    body = [line for line in pm.lines[pm.body_start:] if line.text.strip()]
    return body[0].number if body else max(1, len(pm.lines))


def check_front_matter(pm: Postmortem) -> list[Issue]:
    """The front matter exists and its values are well-formed."""
    if pm.front_error is not None:
        return [pm.front_error]
    front = pm.front or {}
    out: list[Issue] = []
    at = pm.front_lines.get
    for key in HEADER_KEYS if pm.header_form else REQUIRED_KEYS:
        if key not in front:
            out.append((1, "no `# title` line" if pm.header_form and key == "title" else f"front matter has no `{key}:`"))
    severity = front.get("severity")
    if severity is not None and severity not in SEVERITIES:
        out.append((at("severity", 1), f"severity {severity!r} is not one of {', '.join(SEVERITIES)}"))
    template = front.get("template")
    if template is not None and template not in TEMPLATES:
        out.append((at("template", 1), f"template {template!r} is not one of {', '.join(TEMPLATES)}"))
    day = front.get("date")
    if day is not None and front_date(day) is None:
        out.append((at("date", 1), f"date {day!r} is not YYYY-MM-DD"))
    moments: dict[str, datetime] = {}
    for key in ("start", "end"):
        if key in front:
            try:
                moments[key] = parse_utc(str(front[key]))
            except ValueError as err:
                out.append((at(key, 1), f"{key}: {err}"))
    if len(moments) == 2 and moments["end"] < moments["start"]:
        out.append((at("end", 1), "end is before start"))
    if "start" in moments and front_date(day) not in (None, moments["start"].date()):
        out.append((at("date", 1), f"date {day} is not the day the incident started ({moments['start']:%Y-%m-%d})"))
    if "required" in front and front["required"] not in ("true", "false"):
        out.append((at("required", 1), "required must be true or false"))
    consumed = front.get("budget_consumed")
    if consumed is not None and not _BUDGET.match(str(consumed)):
        out.append((at("budget_consumed", 1), f"budget_consumed {consumed!r} is not a percentage like 6.94%"))
    return out


def check_required_sections(pm: Postmortem) -> list[Issue]:
    """Every section of the template is present and not empty; Impact states its four facts."""
    out: list[Issue] = []
    for title in SECTIONS[pm.template]:
        section = pm.section(title)
        if section is None:
            out.append((_heading_line(pm), f"missing section `## {title}` (the {pm.template} template requires {', '.join(SECTIONS[pm.template])})"))
        elif not any(line.text.strip() for line in section.body):
            out.append((section.line, f"section `## {section.title}` is empty"))
    impact = pm.section("Impact") if pm.template == "standard" else None
    if impact is not None:
        text = "\n".join(line.text.lower() for line in impact.body)
        for name in IMPACT_FIELDS:
            if name.lower() not in text:
                out.append((impact.line, f"Impact does not state `{name}:` (write 'none known' if so)"))
    return out


def _first_table(section: Section | None) -> Table | None:
    tables = tables_in(section.body) if section is not None else []
    return tables[0] if tables else None


def check_timeline(pm: Postmortem) -> list[Issue]:
    """The timeline is a table of UTC `HH:MM` (or `YYYY-MM-DD HH:MM`) times in order."""
    section = pm.section("Timeline")
    if section is None:
        return []
    table = _first_table(section)
    if table is None:
        return [(section.line, "the timeline needs a table with a `Time (UTC)` column")]
    column = table.column("Time")
    if column is None:
        return [(table.line, "the timeline table has no `Time (UTC)` column")]
    if not table.rows:
        return [(table.line, "the timeline has no events")]
    out: list[Issue] = []
    day = front_date((pm.front or {}).get("date")) or date(1970, 1, 1)
    previous: tuple[datetime, str] | None = None
    for number, cells in table.rows:
        cell = cells[column] if column < len(cells) else ""
        if _has_placeholder(cell):
            continue
        match = _TIME.match(cell)
        if match is None:
            out.append((number, f"time {cell!r} is not HH:MM in UTC (24-hour, e.g. 14:05; YYYY-MM-DD HH:MM across days)"))
            continue
        if match.group(1):
            try:
                day = date.fromisoformat(match.group(1))
            except ValueError:
                out.append((number, f"time {cell!r} has an invalid date"))
                continue
        moment = datetime(day.year, day.month, day.day, int(match.group(2)), int(match.group(3)))
        if previous is not None and moment < previous[0]:
            out.append((number, f"timeline out of order: {cell} comes after {previous[1]} (give the date, YYYY-MM-DD HH:MM, for events after midnight)"))
        previous = (moment, cell)
    return out


def _five_whys(pm: Postmortem) -> Section | None:
    return next((s for s in pm.sections if s.level == 3 and re.match(r"(5|five) whys", s.title, re.I)), None)


def check_five_whys(pm: Postmortem) -> list[Issue]:
    """A Standard postmortem has a `### 5 Whys` list that ends in a `**Root cause:**` line."""
    if pm.template != "standard":
        return []
    whys = _five_whys(pm)
    if whys is None:
        rca = pm.section("Root Cause Analysis")
        return [(rca.line if rca else _heading_line(pm), "Root Cause Analysis has no `### 5 Whys` subsection")]
    items = [line for line in whys.body if _WHY.match(line.text)]
    if not items:
        return [(whys.line, "5 Whys has no whys (1. Why ...? Because ... or - Why ...? → ...)")]
    after = [line for line in whys.body if line.number > items[-1].number]
    root = next((line for line in after if _ROOT_CAUSE.match(line.text)), None)
    answer = _ARROW.search(items[-1].text)
    if root is None and answer is not None:
        # The template's bullets: the last why's answer is the root cause.
        return [] if answer.group(1).strip() else [(items[-1].number, "the last why has no answer after →: that answer is the root cause")]
    if root is None:
        return [(items[-1].number, "the 5 Whys must end in a root cause: add a `**Root cause:** ...` line after the last why")]
    match = _ROOT_CAUSE.match(root.text)
    if match is not None and not match.group(1).strip():
        return [(root.number, "the root cause is empty")]
    return []


def check_five_whys_depth(pm: Postmortem) -> list[Issue]:
    """Fewer than five whys usually stops at a symptom."""
    whys = _five_whys(pm) if pm.template == "standard" else None
    if whys is None:
        return []
    count = sum(1 for line in whys.body if _WHY.match(line.text))
    if 0 < count < 5:
        return [(whys.line, f"only {count} whys: keep asking why until you reach a systemic cause (usually five)")]
    return []


def action_table(pm: Postmortem) -> tuple[Section | None, Table | None]:
    """The action item section (Fix in the quick template) and its first table."""
    section = pm.section("Action Items" if pm.template == "standard" else "Fix")
    return section, _first_table(section)


def check_action_items(pm: Postmortem) -> list[Issue]:
    """Every action item has a priority, an @owner, a due date, a ticket and a status: no orphans."""
    section, table = action_table(pm)
    if section is None:
        return []
    if table is None:
        return [(section.line, "no action item table (| Priority | Action | Owner | Due | Ticket | Status |)")]
    names = ("Priority", "Action", "Owner", "Due", "Ticket", "Status")
    columns = {name: table.column(name) for name in names}
    # Status is optional: without it, an item is open until a done marker (✅, [x], ~~...~~).
    missing = [name for name, index in columns.items() if index is None and name != "Status"]
    if missing:
        return [(table.line, f"the action item table has no {', '.join(missing)} column{'s' if len(missing) > 1 else ''}")]
    if not table.rows:
        return [(table.line, "no action items: an incident with nothing to change will happen again")]
    priorities = PRIORITIES[pm.template]
    out: list[Issue] = []
    for number, cells in table.rows:
        cell = {name: (cells[i] if i < len(cells) else "") for name, i in columns.items() if i is not None}
        cell.setdefault("Status", "")
        wrong = []
        if not _has_placeholder(cell["Priority"]) and cell["Priority"] not in priorities:
            wrong.append(f"priority {cell['Priority']!r} is not one of {', '.join(priorities)}")
        if not cell["Action"]:
            wrong.append("no action")
        if not _has_placeholder(cell["Owner"]) and not _HANDLE.match(cell["Owner"]):
            wrong.append("no owner (@handle)" if not cell["Owner"] else f"owner {cell['Owner']!r} is not an @handle")
        if not _has_placeholder(cell["Due"]) and front_date(cell["Due"].strip("~")) is None:
            wrong.append("no due date (YYYY-MM-DD)" if not cell["Due"] else f"due {cell['Due']!r} is not YYYY-MM-DD")
        if not _has_placeholder(cell["Ticket"]) and not _TICKET.match(cell["Ticket"]):
            wrong.append("no ticket id" if not cell["Ticket"] else f"ticket {cell['Ticket']!r} is not an id like OPS-123, #123 or a URL")
        if columns["Status"] is not None and not _has_placeholder(cell["Status"]) and cell["Status"].lower() not in STATUSES:
            wrong.append(f"status {cell['Status']!r} is not one of {', '.join(STATUSES)}")
        if wrong:
            orphan = "orphan action item: " if any(w.startswith(("no owner", "no due", "no ticket")) for w in wrong) else "action item: "
            out.append((number, orphan + "; ".join(wrong)))
    return out


def is_open(cells: tuple[str, ...], status: int | None) -> bool:
    """Whether an action item is still open: its Status is not done, or without a Status column, no done marker."""
    if status is not None:
        return (cells[status].lower() if status < len(cells) else "") != "done"
    return not any(_DONE.search(cell) for cell in cells)


def budget_share(pm: Postmortem) -> float | None:
    """The front matter's `budget_consumed` as a fraction, if known exactly (not a `<=` bound)."""
    text = str((pm.front or {}).get("budget_consumed", ""))
    match = None if text.startswith("<=") else _BUDGET.match(text)
    return float(match.group(1)) / 100 if match else None


def check_budget_policy(pm: Postmortem) -> list[Issue]:
    """An incident that spent over 20% of the error budget gets at least one P0 action item."""
    share = budget_share(pm)
    if share is None or share <= P0_BUDGET_SHARE:
        return []
    section, table = action_table(pm)
    at = section.line if section is not None else pm.front_lines.get("budget_consumed", 1)
    if pm.template != "standard":
        return [(at, f"the incident consumed {share:.2%} of the error budget (over {P0_BUDGET_SHARE:.0%}): use the standard template with a P0 action item")]
    column = table.column("Priority") if table is not None else None
    if table is None or column is None or not any(column < len(cells) and cells[column] == "P0" for _, cells in table.rows):
        return [(at, f"the incident consumed {share:.2%} of the error budget (over {P0_BUDGET_SHARE:.0%}): the error budget policy asks for at least one P0 action item")]
    return []


def _prose(pm: Postmortem) -> list[Line]:
    lines, in_fence = [], False
    for line in pm.lines[pm.body_start:]:
        if line.text.lstrip().startswith("```"):
            in_fence = not in_fence
        elif not in_fence:
            lines.append(line)
    return lines


def check_blameless(pm: Postmortem) -> list[Issue]:
    """Blame-focused language and people blamed by name, each with the blameless rewording."""
    return find_blame(_prose(pm), vocabulary(pm.lines, (pm.front or {}).get("slo")))


def check_placeholders(pm: Postmortem) -> list[Issue]:
    """Placeholders left from the template."""
    out: list[Issue] = []
    for line in pm.lines:
        found = PLACEHOLDER.findall(line.text)
        if found:
            more = f" (and {len(found) - 1} more on this line)" if len(found) > 1 else ""
            out.append((line.number, f"placeholder left from the template: {found[0]}{more}"))
    return out


CHECKS: dict[str, Callable[[Postmortem], list[Issue]]] = {
    "front-matter": check_front_matter,
    "required-sections": check_required_sections,
    "timeline": check_timeline,
    "five-whys": check_five_whys,
    "five-whys-depth": check_five_whys_depth,
    "action-items": check_action_items,
    "budget-policy": check_budget_policy,
    "blameless": check_blameless,
    "placeholders": check_placeholders,
}


def lint_postmortem(pm: Postmortem, severities: dict[str, str] | None = None) -> list[Finding]:
    """Run every check not turned off; findings sorted by line."""
    levels = severities or DEFAULT_SEVERITY
    findings = []
    for name, check in CHECKS.items():
        level = levels.get(name, DEFAULT_SEVERITY[name])
        if level == "off":
            continue
        findings += [Finding(pm.path, line, name, level, message) for line, message in check(pm)]
    return sorted(findings, key=lambda f: (f.path, f.line, f.check, f.message))
