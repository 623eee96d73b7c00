"""Every lint rule both ways: the good file passes, a changed file fails at the exact line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from slogen.postmortem.lint import DEFAULT_SEVERITY, Finding, lint_postmortem, parse_severities
from slogen.postmortem.model import parse_postmortem

GOOD = textwrap.dedent(
    """\
    ---
    title: "Checkout 5xx after config push"
    date: 2024-03-01
    severity: SEV2
    start: 2024-03-01T14:05:00Z
    end: 2024-03-01T14:50:00Z
    template: standard
    required: true
    slo: checkout/availability
    budget_consumed: "6.94%"
    budget_source: prometheus
    ---

    # Checkout 5xx after config push

    ## Executive Summary

    A config push emptied the payment provider list; checkout returned 5xx for 45 minutes.

    ## Timeline (UTC)

    | Time (UTC) | Event |
    |---|---|
    | 14:05 | Config pushed; 5xx rate rises |
    | 14:09 | Page: CheckoutAvailabilityBurnRate |
    | 14:50 | Rollback complete; errors stop |

    ## Root Cause Analysis

    ### 5 Whys

    1. Why did checkout fail? Because no payment provider was configured.
    2. Why was none configured? Because the pushed config had an empty list.
    3. Why was the list empty? Because the generator dropped unknown regions.
    4. Why did that reach production? Because config validation allows empty lists.
    5. Why does validation allow them? Because the schema has no minimum length.

    **Root cause:** config validation accepts a config with no payment providers.

    ## Impact

    - **Customers affected:** about 12% of checkout attempts
    - **Duration:** 45m
    - **Revenue impact:** none known
    - **Support tickets:** 14

    ## Action Items

    | Priority | Action | Owner | Due | Ticket | Status |
    |---|---|---|---|---|---|
    | P0 | Reject configs with no providers | @payments-oncall | 2024-03-04 | PAY-812 | done |
    | P1 | Canary config pushes | @platform | 2024-03-29 | PLAT-77 | open |
    | P2 | Alert on empty provider list | @sre | 2024-03-15 | #451 | in progress |
    """
)

QUICK = textwrap.dedent(
    """\
    ---
    title: "Search slow after reindex"
    date: 2024-03-02
    severity: SEV4
    start: 2024-03-02T09:00Z
    end: 2024-03-02T09:10Z
    template: quick
    ---

    # Search slow after reindex

    ## What Happened

    A reindex ran in business hours and search latency doubled for ten minutes.

    ## Timeline (UTC)

    | Time (UTC) | Event |
    |---|---|
    | 09:00 | Reindex starts |
    | 09:10 | Reindex ends |

    ## Root Cause

    The reindex job had no schedule window.

    ## Fix

    | Priority | Action | Owner | Due | Ticket | Status |
    |---|---|---|---|---|---|
    | Immediate | Pause reindex | @search | 2024-03-02 | SRCH-1 | done |
    | Long-term | Schedule reindex at night | @search | 2024-03-20 | SRCH-2 | open |
    """
)


def lint(text: str, path: str = "pm.md", **overrides: str) -> list[Finding]:
    severities, problems = parse_severities([f"{k.replace('_', '-')}={v}" for k, v in overrides.items()])
    assert not problems
    return lint_postmortem(parse_postmortem(path, text), severities)


def change(old: str, new: str, text: str = GOOD) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


@pytest.mark.parametrize("text", [GOOD, QUICK], ids=["standard", "quick"])
def test_good_files_pass_every_check(text: str) -> None:
    assert lint(text) == []


# (check, changed text, the line the finding must be on, words the message must contain).
# Line numbers are GOOD's (QUICK's for the quick cases); a finding on any other line fails.
FAILING = [
    ("front-matter", GOOD.replace("---\n", "", 1), 1, "no front matter"),
    ("front-matter", change("severity: SEV2", "severity: major"), 4, "severity 'major' is not one of SEV1"),
    ("front-matter", change("end: 2024-03-01T14:50:00Z", "end: 2024-03-01T14:50+02:00"), 6, "times are UTC"),
    ("front-matter", change("end: 2024-03-01T14:50:00Z", "end: 2024-03-01T13:50:00Z"), 6, "end is before start"),
    ("front-matter", change("date: 2024-03-01", "date: 2024-03-02"), 3, "not the day the incident started"),
    ("required-sections", change("## Executive Summary", "## Summary"), 14, "missing section `## Executive Summary`"),
    ("required-sections", change("- **Revenue impact:** none known\n", ""), 40, "Impact does not state `Revenue impact:`"),
    ("required-sections", change("The reindex job had no schedule window.\n", "", QUICK), 23, "section `## Root Cause` is empty"),
    ("timeline", change("| 14:09 |", "| 2:09 PM |"), 25, "time '2:09 PM' is not HH:MM in UTC"),
    ("timeline", change("| 14:09 |", "| 14:01 |"), 25, "timeline out of order: 14:01 comes after 14:05"),
    ("timeline", change("| 14:50 |", "| 14:50 CET |"), 26, "is not HH:MM in UTC"),
    ("five-whys", change("**Root cause:** config validation accepts a config with no payment providers.\n", ""), 36, "must end in a root cause"),
    ("five-whys", change("### 5 Whys", "### Analysis"), 28, "no `### 5 Whys` subsection"),
    ("five-whys-depth", change("5. Why does validation allow them? Because the schema has no minimum length.\n", ""), 30, "only 4 whys"),
    ("action-items", change("| @platform |", "| Platform team |"), 52, "owner 'Platform team' is not an @handle"),
    ("action-items", change("| @platform | 2024-03-29 | PLAT-77 |", "|  |  |  |"), 52, "orphan action item: no owner (@handle); no due date (YYYY-MM-DD); no ticket id"),
    ("action-items", change("| 2024-03-29 |", "| end of March |"), 52, "due 'end of March' is not YYYY-MM-DD"),
    ("action-items", change("| PLAT-77 |", "| soon |"), 52, "ticket 'soon' is not an id"),
    ("action-items", change("| P1 |", "| High |"), 52, "priority 'High' is not one of P0, P1, P2"),
    ("action-items", change("| Long-term |", "| P0 |", QUICK), 32, "priority 'P0' is not one of Immediate, Long-term"),
    ("budget-policy", change('budget_consumed: "6.94%"', 'budget_consumed: "31.5%"', change("| P0 |", "| P1 |")), 47, "at least one P0 action item"),
    ("blameless", change("Config pushed; 5xx rate rises", "@dana pushed a config; careless"), 24, "careless"),
    ("blameless", change("A config push emptied", "We asked who caused this: a config push emptied"), 18, "what conditions allowed this?"),
    ("blameless", change("2. Why was none configured?", "2. Why was none configured? The reviewer should have known."), 33, "hindsight"),
    ("blameless", change("3. Why was the list empty?", "3. Why was the list empty? Human error."), 34, "missing guardrail"),
    ("blameless", change("4. Why did that reach production?", "4. Why did that reach production? Because @bob broke the check."), 35, "not the person"),
    ("blameless", change("- **Support tickets:** 14", "- **Support tickets:** 14, all Mallory's fault"), 45, "describe what in the system allowed it"),
    ("blameless", change("| 14:09 | Page:", "| 14:09 | Bob made a config typo; page:"), 25, "'Bob made a config typo': name the action"),
    ("placeholders", change("| 14:50 | Rollback complete", "| 14:50 | [[TODO: what stopped the impact]]"), 26, "placeholder left from the template: [[TODO: what stopped the impact]]"),
]


@pytest.mark.parametrize("check,text,line,words", FAILING, ids=[f"{c}-{i}" for i, (c, *_rest) in enumerate(FAILING)])
def test_each_rule_fails_at_the_exact_line(check: str, text: str, line: int, words: str) -> None:
    findings = [f for f in lint(text) if f.check == check]
    assert [(f.line, words in f.message) for f in findings] == [(line, True)], findings
    assert findings[0].severity == DEFAULT_SEVERITY[check]


def test_every_check_is_exercised_by_a_failing_case() -> None:
    assert {check for check, *_ in FAILING} == set(DEFAULT_SEVERITY)


def test_blameless_suggests_the_rewording() -> None:
    text = change("A config push emptied", "Who caused this? A config push emptied")
    (finding,) = lint(text)
    assert str(finding) == (
        "pm.md:18: error: blame-focused language 'Who caused': "
        'ask "what conditions allowed this?" instead of "who caused this?" [blameless]'
    )


def test_blameless_leaves_systems_language_alone() -> None:
    text = change("A config push emptied", "The blameless review found the deploy failed to start because of a bad config; a config push emptied")
    assert lint(text) == []


def test_severity_is_configurable_per_check() -> None:
    text = change("| @platform |", "| Platform team |")
    assert [f.severity for f in lint(text, action_items="warning")] == ["warning"]
    assert lint(text, action_items="off") == []
    _, problems = parse_severities(["no-such-check=error", "blameless=loud"])
    assert problems == [
        "unknown check 'no-such-check' in 'no-such-check=error'; checks: " + ", ".join(DEFAULT_SEVERITY),
        "unknown severity 'loud' in 'blameless=loud'; use one of error, warning, off",
    ]


def test_upper_bound_budget_does_not_trigger_the_p0_policy() -> None:
    text = change('budget_consumed: "6.94%"', 'budget_consumed: "<= 104.17%"', change("| P0 |", "| P1 |"))
    assert lint(text) == []


def test_timeline_across_midnight_needs_dates() -> None:
    base = change("| 14:05 |", "| 23:50 |", change("| 14:09 |", "| 23:55 |", change("| 14:50 |", "| 00:10 |")))
    assert [(f.line, f.check) for f in lint(base)] == [(26, "timeline")]
    dated = change("| 00:10 |", "| 2024-03-02 00:10 |", base)
    assert lint(dated) == []


STANDARD_FORM = (Path(__file__).parent / "standard-template-form.md").read_text()


def test_the_standard_template_form_passes_as_written() -> None:
    """Header line instead of front matter, `- Why ...? → ...` bullets, no Status column."""
    assert lint(STANDARD_FORM) == []
    pm = parse_postmortem("pm.md", STANDARD_FORM)
    assert pm.header_form and pm.front == {
        "date": "2026-03-02", "duration": "45 min", "severity": "SEV2", "title": "Checkout outage: payments timed out",
    }


def test_the_standard_template_form_is_still_checked() -> None:
    bad = STANDARD_FORM.replace("Severity: SEV2", "Severity: SEV9").replace("→ The release checklist has no latency-budget step.", "→")
    found = {(f.check, f.line) for f in lint(bad)}
    assert found == {("front-matter", 3), ("five-whys", 26)}


def test_open_items_without_a_status_column_are_those_without_a_done_marker() -> None:
    from slogen.postmortem.index import index_entry

    entry = index_entry(parse_postmortem("pm.md", STANDARD_FORM))
    assert entry.open_actions == 1  # the ✅ row is done
    assert entry.duration == "45 min"


# Issue 33: "careless" was flagged but "Bob made a typo" was not. A capitalised name as the
# subject of a mistake verb blames a person by name; each replaces GOOD's 14:05 event.
NAMED = [
    ("Bob made a typo in the config", "Bob made a typo"),
    ("Bob made a small config typo", "Bob made a small config typo"),
    ("Bob Smith pushed a bad config", "Bob Smith pushed a bad config"),
    ("Priya forgot to run the canary", "Priya forgot"),
    ("Config pushed because Ana accidentally deleted the list", "Ana accidentally deleted"),
    ("Jean-Luc failed to check the diff", "Jean-Luc failed to"),
    ("Config pushed; O'Brien caused the outage", "O'Brien caused"),
    ("Config pushed. Then Dana didn't check the canary", "Dana didn't check"),
    ("**Emily** missed the page", "Emily missed"),
    ("José rolled out a faulty build", "José rolled out a faulty build"),
    ("Bob then broke checkout", "Bob then broke"),
]
NOT_NAMED = [
    "The deploy broke checkout",
    "Grafana failed to render the panel",
    "Checkout failed to reach the provider",  # the incident's own service (slo: checkout/...)
    "It caused 503s; we missed the first page",
    "Validation missed the empty list",
    "Kubernetes failed to schedule the pod",
    "Google Cloud failed to attach the disk",
    "CI failed to run",
    "PagerDuty failed to page",
    "Detected: Alertmanager failed to route the page",
    "Redis Sentinel missed the failover",
    "then the Checkout broke",
    "Someone forgot to rotate the certificate",  # no one named
    "He forgot the flag",  # a pronoun names no one; left to the review
    "CheckoutAvailabilityBurnRate missed the first minute",
    "Bob deployed version 1.2",  # an action, not a mistake
    "Rollback caused a second spike",
    "The blameless review found the generator dropped unknown regions",
]


@pytest.mark.parametrize("event, words", NAMED, ids=[w for _, w in NAMED])
def test_blameless_flags_a_person_blamed_by_name(event: str, words: str) -> None:
    findings = lint(change("Config pushed; 5xx rate rises", event))
    assert [(f.check, f.line) for f in findings] == [("blameless", 24)], findings
    assert f"blame-focused language {words!r}: name the action and the conditions, not the person" in findings[0].message


@pytest.mark.parametrize("event", NOT_NAMED)
def test_blameless_leaves_systems_and_sentence_starts_alone(event: str) -> None:
    assert lint(change("Config pushed; 5xx rate rises", event)) == []


def test_a_sentence_start_the_document_writes_in_lower_case_is_no_name() -> None:
    ledger = change("Config pushed; 5xx rate rises", "Ledger failed to flush")
    assert [f.check for f in lint(ledger)] == ["blameless"]  # unknown word, shaped like a name
    assert lint(change("about 12% of checkout attempts", "about 12% of checkout attempts and the ledger", ledger)) == []
    # In mid-sentence a capital is a name whatever else the document writes.
    will = change("Config pushed; 5xx rate rises", "Config pushed because Will forgot the canary")
    assert [f.check for f in lint(change("about 12% of", "about 12% (will be fewer) of", will))] == ["blameless"]


def test_an_owner_handle_does_not_make_a_name_a_word() -> None:
    text = change("| @platform |", "| @dana |", change("Config pushed; 5xx rate rises", "Dana forgot the canary"))
    assert [(f.check, f.line) for f in lint(text)] == [("blameless", 24)]


SEED_POSTMORTEMS = sorted(
    [p for p in (Path(__file__).parents[2] / "postmortems").glob("*.md") if p.name != "README.md"] + list(Path(__file__).parent.glob("*.md"))
)


@pytest.mark.parametrize("path", SEED_POSTMORTEMS, ids=[p.name for p in SEED_POSTMORTEMS])
def test_the_seed_postmortems_are_not_flagged_as_blaming(path: Path) -> None:
    assert [f for f in lint(path.read_text(), str(path)) if f.check == "blameless"] == []


def test_there_are_seed_postmortems() -> None:
    assert len(SEED_POSTMORTEMS) >= 2
