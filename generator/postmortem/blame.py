"""Blame-focused language in postmortem prose: phrases that blame, and a person blamed by name.

Blameless means no person is blamed by name, so besides the phrases in BLAME_PATTERNS a
capitalised name as the subject of a mistake verb is flagged: "Bob made a typo", "Dana
forgot to drain the node", "Bob Smith pushed a bad config", "because Ana accidentally
deleted it". A capitalised word before such a verb is taken for a person's name unless
something says it is a word or a thing:

- it is not shaped like a name: all capitals (CI, DNS), inner capitals (PagerDuty,
  CheckoutAvailabilityBurnRate), digits (K8s), one letter (I);
- it is an English word that opens sentences (The, It, We, Someone, Nobody, Because):
  COMMON_WORDS, or names a thing or role in incident prose (Deploy, Validation, Rollback,
  Team, On-call): THINGS; fixed lists rather than a dictionary, so the lint needs no data;
- it is a tool or system (Grafana, Kubernetes, Redis, ...): SYSTEMS, or one of the
  incident's own names, the service and SLO of the front matter's `slo:`;
- it opens a sentence and the document writes it in lower case elsewhere ("Checkout
  failed to ..." beside "the checkout service"): it is capitalised only by its position.
  A capital in mid-sentence is a name whatever else the document says ("because Will
  forgot"), and @handles do not count as lower-case words (@bob is Bob);
- an article or possessive comes before it ("the Checkout broke"), or a system or
  thing's name does ("Redis Sentinel missed"): it is part of a thing's name.

Pronouns ("He forgot") name no one and are left to the review; so is a name that is also
a common word at the start of a sentence ("Will forgot", when "will" appears elsewhere).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from slogen.postmortem.model import Line

_WHAT_ALLOWED = 'ask "what conditions allowed this?" instead of "who caused this?"'
PERSON = 'name the action and the conditions, not the person: "a config change was deployed without a canary", not "@bob broke prod"'
BLAME_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bwho (?:caused|broke|did this|messed up|(?:is|was) (?:responsible|to blame))\b", re.I), _WHAT_ALLOWED),
    (
        re.compile(r"\b(?:human|operator|user|engineer|developer) error\b", re.I),
        "name the condition that made the mistake possible (a missing guardrail, an unclear runbook) instead of blaming people",
    ),
    (
        re.compile(r"\b(?:careless(?:ly|ness)?|sloppy|negligen(?:t|ce)|incompeten(?:t|ce)|lazy|reckless(?:ly)?|stupid)\b", re.I),
        'describe the conditions, not a person\'s character: "the procedure had no check for ..."',
    ),
    (
        re.compile(r"\bshould(?: have|'ve) (?:known|noticed|caught|seen|checked|realized|realised)\b", re.I),
        'hindsight bias: say what was not visible at the time: "the dashboard did not show ..."',
    ),
    (
        re.compile(r"\b(?:(?:his|her|their)|\w+'s) (?:fault|mistake)\b|\b(?:fault|mistake) of\b|\bto blame\b|\bblamed?\b", re.I),
        'describe what in the system allowed it: "the deploy went out without review", not "X\'s mistake"',
    ),
    (re.compile(r"@[A-Za-z0-9][\w.-]*\s+(?:caused|broke|forgot|ignored|missed|neglected|messed up|screwed up)\b", re.I), PERSON),
    (re.compile(r"\b(?:caused|broken|triggered|introduced) by @[A-Za-z0-9][\w.-]*|\bbecause @[A-Za-z0-9][\w.-]*", re.I), PERSON),
)

# Words that open sentences: pronouns, determiners, conjunctions, sentence adverbs.
COMMON_WORDS = frozenset(
    """
    a an the this that these those it its we our us they their them he she his her i you your my me
    someone somebody something nobody noone none nothing everyone everybody everything anyone anybody
    anything each every all both either neither one another other others some many most few several such same
    who whom whose what which whoever whatever why how when where here there then now also again only even just
    still yet thus hence however therefore instead otherwise and but or nor so because since as if while after
    before until unless although though once when whenever yesterday today tonight overnight earlier later
    afterwards meanwhile initially eventually finally first second third next last unfortunately fortunately
    luckily apparently obviously clearly sadly unexpectedly accidentally mistakenly nevertheless
    """.split()
)
# Things and roles that are the subject of a failure in incident prose.
THINGS = frozenset(
    """
    deploy deploys deployment deployments release releases rollout rollouts rollback rollbacks config configs
    configuration configurations validation validator migration migrations job jobs cron script scripts
    service services server servers cluster clusters node nodes pod pods container containers database
    databases cache caches queue queues proxy proxies balancer alert alerts alerting alarm alarms page pages
    paging pager monitoring monitor monitors check checks test tests testing canary canaries pipeline
    pipelines build builds change changes update updates upgrade upgrades patch patches hotfix fix commit
    commits push pushes merge backup backups restore replica replicas replication failover disk disks network
    networking certificate certificates cert token tokens scheduler worker workers consumer consumers producer
    producers client clients gateway router firewall storage memory traffic load latency automation tooling
    code tool tools software hardware infrastructure platform application app apps endpoint endpoints request
    requests query queries index indexing reindex reindexing schema generator timeout timeouts retry retries
    probe probes autoscaler autoscaling limit limits quota quotas version versions dependency dependencies
    library module feature flag flags toggle runbook runbooks dashboard dashboards documentation docs process
    procedure policy review reviews approval approvals system systems component components region regions
    zone zones datacenter host hosts instance instances machine machines provider providers vendor vendors
    upstream downstream payment payments search checkout billing login auth authentication frontend backend
    website site ingress egress resolver controller operator operators reconciler agent agents daemon sidecar
    batch export import sync replay backfill compaction snapshot snapshots volume volumes healthcheck
    heartbeat watchdog logging logs metrics tracing telemetry rule rules evaluation scrape scraping exporter
    exporters target targets team teams engineer engineers oncall on-call responder responders reviewer
    reviewers author authors customer customers user users support management manager managers developer
    developers admin admins administrator staff nobody impact detected mitigated resolved escalated
    investigation cause trigger summary note workaround security finance legal marketing sales ops devops
    infra sre qa product engineering leadership primary secondary leader follower master standby
    """.split()
)
SYSTEMS = frozenset(
    """
    prometheus alertmanager grafana loki tempo mimir thanos cortex sloth pyrra slogen promtool kubernetes kube
    helm terraform ansible puppet chef jenkins github gitlab bitbucket argo flux spinnaker docker containerd
    nginx envoy istio linkerd consul vault nomad redis memcached postgres mysql mariadb mongo cassandra kafka
    zookeeper elasticsearch opensearch kibana logstash jaeger pagerduty opsgenie slack jira sentry datadog
    splunk cloudflare akamai fastly aws gcp azure lambda heroku vercel netlify stripe adyen braintree paypal
    twilio okta java python node rust ruby rails django flask spring linux ubuntu debian windows chrome
    firefox safari android celery sidekiq airflow spark hadoop snowflake bigquery dynamo aurora systemd
    bazel gradle maven npm renovate dependabot git gerrit sentinel patroni vitess etcd coredns haproxy
    google amazon microsoft apple meta facebook oracle ibm cloud elastic varnish squid calico cilium
    karpenter traefik caddy apache tomcat jetty go deno kotlin scala swift
    """.split()
)
_DETERMINERS = frozenset("a an the this that these those our their its his her my your each every no some any".split())

_WORD = r"[^\W\d_][^\W_]*(?:['’-][^\W\d_]+)*"  # letters and digits, inner ' and -; no _ (emphasis)
_ACCIDENTALLY = r"accidentally|mistakenly|inadvertently|wrongly|incorrectly|erroneously|carelessly"
_BAD = r"bad|broken|wrong|faulty|buggy|incorrect|invalid|malformed|untested"
_MISTAKE_VERB = (
    r"made (?:a|an|the|another|one|two|several|some)(?:\s+[\w-]+){0,2}?\s+(?:mistakes?|typos?|errors?|blunders?|slips?|oversights?)"
    r"|forgot|forgotten|forgets|broke|broken|breaks|missed|misses|(?:failed|fails) to|caused|causes"
    r"|ignored|neglected|overlooked|mistyped|misconfigured|misread|botched|fat-fingered|messed up|screwed up|skipped"
    rf"|(?:pushed|deployed|merged|shipped|committed|applied|released|rolled out|approved|wrote|introduced|ran)"
    rf"(?:\s+(?:a|an|the|some))?(?:\s+[\w-]+)?\s+(?:{_BAD})(?:\s+[\w-]+)?"
    r"|(?:did not|didn't|never) (?:check|test|verify|review|notice|read|follow|run|update|validate|wait)"
    rf"|(?:{_ACCIDENTALLY})\s+\w+"
)
# The subject (perhaps in bold), then auxiliaries and adverbs ("accidentally" counts as a mistake verb itself).
_SUBJECT_VERB = re.compile(
    rf"(?<![^\W_])(?<![@'’-])(?P<subject>{_WORD})[*_]{{0,2}}(?:\s+(?:had|has|have|then|also|again|just|(?!{_ACCIDENTALLY})\w+ly))*\s+(?:{_MISTAKE_VERB})\b"
)
# What may come before the first word of a sentence: line start, list markers, a table
# cell, a why's arrow, punctuation that ends a sentence or a label, emphasis and quotes.
_SENTENCE_START = re.compile(r"(?:^\s*(?:[-*+]|\d+[.)]|#+|>)?|[.!?:;|→]|->)[\s*_\"“‘(\[]*$")
_HANDLE_OR_URL = re.compile(r"@[\w.-]+|\b\w+://\S+")


@dataclass(frozen=True)
class Vocabulary:
    """What the document says about its own words: those it writes in lower case, and its services."""

    lower: frozenset[str]
    own_names: frozenset[str]


def vocabulary(lines: tuple[Line, ...], slo: object) -> Vocabulary:
    """The lower-case words of a document (handles and URLs aside) and the names in its `slo:`."""
    text = _HANDLE_OR_URL.sub(" ", "\n".join(line.text for line in lines))
    lower = frozenset(word for word in re.findall(r"[^\W\d_]+", text) if word.islower())
    own = frozenset(part for part in re.split(r"[^\w]+", str(slo or "").lower()) if part)
    return Vocabulary(lower, own)


def _name_shaped(word: str) -> bool:
    return len(word) > 1 and word.istitle() and not any(c.isdigit() for c in word)


def _thing(word: str, words: Vocabulary) -> bool:
    key = word.lower()
    return key in THINGS or key in SYSTEMS or key in words.own_names


def named_blame(text: str, words: Vocabulary) -> str | None:
    """The words blaming a person by name on a line ("Bob made a typo"), or None."""
    for match in _SUBJECT_VERB.finditer(text):
        subject = match.group("subject")
        if not _name_shaped(subject) or subject.lower() in COMMON_WORDS or _thing(subject, words):
            continue
        before = text[: match.start()]
        if _SENTENCE_START.search(before) and subject.lower() in words.lower:
            continue
        previous = re.search(rf"({_WORD})\s+$", before)
        first = previous.group(1) if previous is not None else ""
        if first.lower() in _DETERMINERS or (_name_shaped(first) and _thing(first, words)):
            continue
        # "Bob Smith made a typo": report the whole name.
        whole = previous is not None and _name_shaped(first) and first.lower() not in COMMON_WORDS
        return re.sub(r"[*_]", "", text[previous.start(1) if whole else match.start() : match.end()])
    return None


def find_blame(lines: list[Line], words: Vocabulary) -> list[tuple[int, str]]:
    """Blame-focused language on each line, one finding per piece of advice and line, with the rewording."""
    out: list[tuple[int, str]] = []
    for line in lines:
        found = [(match.group(0), advice) for match, advice in ((p.search(line.text), a) for p, a in BLAME_PATTERNS) if match]
        named = named_blame(line.text, words)
        given: set[str] = set()
        for phrase, advice in found + ([(named, PERSON)] if named else []):
            # "because @bob broke" is one problem, not two.
            if advice not in given:
                given.add(advice)
                out.append((line.number, f"blame-focused language {phrase!r}: {advice}"))
    return out
