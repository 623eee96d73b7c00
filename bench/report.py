"""Benchmark JSON -> docs/benchmarks.md (tables, verdicts against the targets, method) + one raw JSON.

    python -m bench.report build/bench-compile.json build/bench-eval.json --md docs/benchmarks.md --json docs/benchmarks.json
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

from .alert_quality import MARK_END, MARK_START
from .feature_cost import MARK_END as FEATURE_END, MARK_START as FEATURE_START
from .marked_section import kept, write_marked
from .report_eval import MARK_END as EVAL_END, MARK_START as EVAL_START, eval_section, repeats_section

COMPILE_TARGET_S = 7.0  # issue #27: 10,000 SLOs in under 7 s on a quiet machine
FLOOR_TARGET = 3.0


def _ok(good: bool) -> str:
    return "**met**" if good else "**missed**"


def _samples(run: dict) -> str:
    return ", ".join(
        f"{s['wall_s']:.1f}/{s['cpu_s']:.1f}" + (f" (load {s['load_before']:.1f})" if "load_before" in s else "") for s in run["samples"]
    )


def _range(run: dict, key: str) -> str:
    """`median [min..max]` of a run's samples, when the JSON has its spread (bench/load.py)."""
    spread = run.get("spread", {}).get(key)
    return f"{run[key]:.2f} [{spread['min']:.2f}..{spread['max']:.2f}]" if spread else f"{run[key]:.2f}"


def _busy(run: dict) -> bool:
    return bool(run.get("busy"))


def _verdict(good: bool, run: dict) -> str:
    """A target's verdict, or none: a busy machine's wall time says nothing about a quiet one's."""
    return "busy machine (load above half the CPUs): no verdict" if _busy(run) else _ok(good)


def compile_section(c: dict) -> list[str]:
    """Tables of part 1."""
    full, rerun, floor = c["full"], c["rerun"], c["floor"]
    lines = [
        "## 1. Compile throughput",
        "",
        f"{c['services']:,} services x {c['slos'] // c['services']} SLOs = **{c['slos']:,} SLOs** (ratio, latency and query SLIs in turn, "
        f"with labels): {c['spec_bytes'] / 1e6:.1f} MB of specs -> {c['output_bytes'] / 1e6:.1f} MB of output (rule files, promtool "
        "tests, dashboards, report). "
        f"Median of {c['rounds']} rounds; each run is a fresh `slogen generate` process with its default worker processes, one per CPU "
        "(wall; CPU = user + sys of it and its workers; peak RSS of its largest process).",
        "",
        "| run | wall s, median [min..max] | CPU s, median [min..max] | peak RSS MiB |",
        "|---|---:|---:|---:|",
        f"| `slogen generate`, full (no output, no record) | {_range(full, 'wall_s')} | {_range(full, 'cpu_s')} | {full['peak_rss_mib']:.0f} |",
        f"| `slogen generate`, no change | {_range(rerun, 'wall_s')} | {_range(rerun, 'cpu_s')} | {rerun['peak_rss_mib']:.0f} |",
        f"| I/O floor: CSafeLoader on the specs + CSafeDumper of every output document | {floor['wall_s']:.2f} | {floor['cpu_s']:.2f} | |",
        "",
        f"Every sample (wall s / CPU s, with the load average it started at): full {_samples(full)}; floor {_samples(floor)}. "
        f"Load average at the end: {', '.join(f'{x:.1f}' for x in c['loadavg_at_end'])} on {c['cpu_count']} CPUs "
        "(other developers' test runs share the machine: wall time is inflated, CPU time much less so)."
        + (" **Taken on a busy machine** (load above half the CPUs): these are not quiet-machine figures." if _busy(full) else ""),
        "",
        "| target | measured | |",
        "|---|---|---|",
        f"| {c['slos']:,} SLOs in under {COMPILE_TARGET_S:.0f} s on this machine | {full['wall_s']:.1f} s wall ({full['cpu_s']:.1f} s CPU on "
        f"{c['cpu_count']} CPUs) | {_verdict(full['wall_s'] < COMPILE_TARGET_S, full)} |",
        f"| within {FLOOR_TARGET:.0f}x of the I/O floor | {c['full_over_floor_wall']:.2f}x wall, {c['full_over_floor_cpu']:.2f}x CPU | "
        f"{_ok(c['full_over_floor_cpu'] <= FLOOR_TARGET)} |",
        f"| no-change re-run much faster | {rerun['wall_s']:.2f} s = {c['rerun_over_full_wall']:.1%} of a full run | "
        f"{_ok(c['rerun_over_full_wall'] < 0.2)} |",
        "",
        *_against_lines(c),
        "Where a full compile's time goes (cProfile of the whole per-file pipeline, `--jobs 1`, no disk writes; "
        "cumulative seconds include the profiler's overhead, shares are what matter"
        + (f"; load {c['profile_load'][0]:.1f} as it began, {c['profile_load'][1]:.1f} as it ended):" if "profile_load" in c else "):"),
        "",
        "| cumulative s | share | calls | function |",
        "|---:|---:|---:|---|",
    ]
    lines += [f"| {r['cumtime_s']:.2f} | {r['cum_share']:.0%} | {r['calls']:,} | `{r['function']}` |" for r in c.get("profile", [])]
    return lines + [""]


def _against_lines(c: dict) -> list[str]:
    """The comparison with another checkout, run interleaved with this one (compile_speed --against)."""
    if "against" not in c:
        return []
    a, ratio = c["against"], c["against"]["this_over_against"]
    rows = [
        f"Interleaved with `{a['checkout']}` (A B A B, {c['rounds']} rounds; per round this run over the other's):",
        "",
        "| full run | this | other | this / other, median [min..max] |",
        "|---|---:|---:|---:|",
    ]
    rows += [
        f"| {label} | {_range(c['full'], key)} | {_range(a['full'], key)} | {ratio[key]['median']:.3f} [{ratio[key]['min']:.3f}..{ratio[key]['max']:.3f}] |"
        for key, label in (("wall_s", "wall s"), ("cpu_s", "CPU s"))
    ]
    busy = _busy(c["full"]) or _busy(a["full"])
    return rows + ["", "Taken on a busy machine: CPU time is the measure, wall time says nothing of a quiet machine." if busy else "", ""]


NOTES = """## What was changed for speed, and what would close the remaining gaps

Compiler changes made while benchmarking (each covered by tests):

- `render.py`: rule files are written by a small block-YAML writer that decides every scalar's style by PyYAML's
  own rules and falls back to PyYAML for anything else; the text is byte-identical (`tests/emit/rules/test_render_fast.py`
  compares both on real rule files, boundary strings and random documents). PyYAML's pure-Python representer
  and resolver were 60% of a full compile; they are also most of the CSafeDumper floor, which is why slogen is
  below the floor.
- `compile.py`: the PromQL self-check parses each expression *shape* once (equality-matcher values masked;
  regex, empty and unusually escaped values kept), instead of 215,000 parses.
- `fingerprint.py` (new) + `cli.py`: a `generate` whose inputs (spec paths and bytes, slogen's source, library
  versions) and output files (hashed against the manifest) are unchanged since the last run does nothing. The
  record lives beside the output directory (`.<out>.slogen-inputs.json`, git-ignored) and is checked against the
  output, so a stale one costs a compile, never a wrong "up to date".
- `plan.py`, `durations.py`: values derived from a frozen plan, and window durations, are computed once.

- `pipeline.py` (new): `generate` and `check` hand whole spec files to forked worker processes, one per CPU. Each
  worker loads, plans and renders its services and (then; since issue #25 the workers send encoded text and the
  main process alone writes the staging tree) wrote their files into the staging tree, sending back only digests; the main process keeps what reads every service (cross-file clashes, the
  overview dashboard, the report) and the jsonnet / Sloth / OpenSLO / Pyrra files, which convert together.
  `tests/build/test_pipeline.py` holds the result byte-identical to one process. Peak RSS went from 1.4 GiB to about
  150 MiB per process, since no process holds the whole output any more.
- `emit/promtool/service_tests.py`: the promtool tests of issue 3 were the largest cost (about 10 ms per SLO). Scenario numbers
  (detection deadlines, reset searches, budget bounds) are memoised by the SLO's numbers, the SLO's identity
  strings are built once, and the test files are written directly (held to PyYAML's bytes by a test): about
  0.7 ms per SLO now.
- `emit/targets/prometheus.py`: rule files are written directly too (same test); `build/write.py`: one `syncfs` before the
  swap instead of an `fsync` per file (3,000 files); `load.py`: documents without aliases or merge keys (every
  spec anyone writes) skip the alias-bomb accounting and PyYAML's constructor; dashboards JSON via orjson, report
  plots drawn once per distinct shape and referenced (`<symbol>`/`<use>`), per-shape dashboard parts memoised.
  That reached 12.2 s wall (22 s CPU) for 10,000 SLOs: the 10 s target missed.
- `emit/rules/rule_file.py` (new), `emit/promtool/service_tests.py`: SLOs that share their numbers, label names and alerting share one
  template for their rule text and one for their promtool scenarios, written once for a stand-in plan whose names
  are placeholders and filled per SLO. A scalar holding an SLO's names or labels is styled again from its real
  text, unless only "inert" service and SLO names sit inside it, away from its ends; the template's expressions
  are parsed once and each SLO's base-rate expressions per SLO. `Rule` objects and scenarios are built only where
  asked for (other targets, `slogen explain`) or for SLOs whose names are not inert. Rules went from ~4 s to
  ~0.85 s of CPU, promtool tests from ~4.5 s to ~1.5 s (`tests/emit/rules/test_rule_file.py`,
  `tests/emit/promtool/test_promtool.py` hold the filled text to PyYAML's text of each SLO's own rules and scenarios,
  odd names, labels, descriptions and annotations included).
- `promql.py` (issue #27 item 3): every PromQL text is parsed once per process, and what only differs in matcher
  values once per shape: a query SLI's validation and its rules share one parse and re-print of the same text at 5m
  (the read-back check is a shape check); `selectors_read` (test lanes) parses a shape whose values are numbered
  slots and reads the values back from the text; the self-check's shapes also mask regex values that are plain-word
  alternations (`svc-a|svc-b`, as the shared rules select slo_ids), so services no longer each add two shapes.
  Values are found by a pattern that reads every double-quoted string as PromQL's lexer does (a regex value ending
  in `=` no longer shifts it). Parses at 10,000 SLOs: 72,083 -> about 18,600 in one process (4 per query SLO in a
  worker, and a few hundred shapes per process; `tests/spec/test_promql.py` holds the shape path to the parser's own result).
- `emit/promtool/lanes.py`: the two lane sets of a service (SLI selectors size the evaluation interval, the rules'
  selectors lay out the file) share what each SLO feeds, and one grouping serves both where the two agree.
- `promql.py`: selectors are cached by text alone (each was parsed under three field names), a query SLI's query
  is parsed once for its rules and its counters, and a selector in the usual spelling is checked by the parser
  once per masked shape, its values read from the text (`tests/spec/test_promql.py` holds it to the parser's result).
- The parent's serial tail: each service's share of the HTML report is made by its worker (detection drawings
  now have content-derived ids), the parent flushes the staging tree while it waits, so the final `syncfs` takes
  ~0.03 s instead of ~0.3 s, and the finished tree is frozen rather than walked by the cycle collector.
- `fingerprint.py`: a no-change run trusts output files whose size, modification time and inode are as recorded
  (as git's index does) and hashes only the others, instead of hashing all 500 MB.

In a run with workers the parent process also receives every file's bytes from them (~430 MB through a pipe) and
writes them into the staging tree: about 5 s of the ~32 s CPU of a 10,000-SLO run at load 17-20 (`getrusage` of the
parent against its workers, 2026-12-07). Letting the workers write their own files into the private staging tree
would remove most of it, but issue #25 moved that writing into the parent on purpose (writing `output/` is the last
stage, not a side effect inside the workers): left as it is. To compare with another checkout, interleaved:
`make bench BENCH_AGAINST=<checkout>`, or alone
`python -m bench.compile_speed --rounds 5 --against <checkout> --no-floor --no-profile`.

Where a full compile still spends its time (profile above): spec parsing and validation about a quarter (the
C loader's node tree, then pydantic), planning (base-rate queries) an eighth, promtool test and rule text an
eighth each, dashboards, report parts and writing 500 MB the rest; of a run's wall time about 0.5 s is start-up
(imports) and 0.4 s the serial tail. Not done: caching each spec file's output by content hash, so that a change
to one of 1,000 files recompiles one (the no-change path skips whole runs only).

Evaluation: section 2 is written from the run it reports (`bench/report_eval.py`): what was measured, the load it was
measured at, and where each shape stands against issue #27's targets and against its floor. The rule changes made for
the evaluation cost are described in the README, where the groups are.

"""

METHOD = """## Method and caveats

- Rule shapes: slogen's rules are compiled by slogen from specs for the same SLOs. Sloth's and Pyrra's are written by
  `bench/shapes.py` from their documented templates; `tests/test_bench_smoke.py` holds them to Sloth's and Pyrra's own
  expected outputs (copied, Apache-2.0, in `bench/reference/`). Sloth runs at its usual 30s evaluation interval (it
  writes no `interval:`; the global `evaluation_interval` applies); Pyrra at its own (burn rates 30s, full-window
  increase group 2m30s for 30d); slogen at the intervals it writes (each group's row in section 2 gives it).
- Recorded series that long windows read are backfilled with `promtool tsdb create-blocks-from rules` at a 60s step
  against the running Prometheus (slogen's 5m base rates, then its hourly points; Sloth's 5m ratios); the errors rule
  that reads the recorded events rate gets the events expression inlined for the backfill, as that recording does not
  yet exist in history. For the backfill only, the rules of every SLO that record the same name are joined into one
  (each SLO's own expression, its static labels set by `label_replace`, joined by `or`; SLOs of several shapes that
  read the same series share one evaluation of their expression, given each SLO's labels by a join on nothing with
  zeros): promtool 2.42 writes one block per rule and 2h, and 24 separate rules made ~9,000 blocks that took minutes
  to write and load. The hourly backfill starts on a 2h block boundary: promtool 2.42 aligns a group's first
  evaluation to its interval's offset and stops at the first block that ends before it, so an unaligned start
  with a 1h interval silently backfills nothing.
- The live end of every series comes from a local endpoint scraped every 60s that continues the same counters.
- History has one sample a minute; a 15s scrape would make every raw-series window 4x denser, which raises the cost
  of rules that read raw series over long windows (Sloth's, Pyrra's) and not of rules over recordings.
- Group evaluation time is wall time inside Prometheus on a shared 2-core machine; it is used as CPU time, which
  over-counts while other processes compete. Every rule set's groups run side by side, so they see the same noise;
  sampling starts once the load has fallen to half the CPUs (at most 150 s, `BENCH_SETTLE_S`), and a run whose
  load was above that as sampling began or at any poll during it is marked busy and gives no verdict.
  Groups slower than 1m and faster than 1h (slogen's 2m and 4m, Pyrra's 2m30s) are evaluated every 1m while sampled,
  so that 420 s sees every group about 7 times (30s groups 14), not 1 to 3: each evaluation reads the same recorded
  windows, and nothing reads those groups' own output over a range. Their cost per hour is still per evaluation x
  their native evaluations per hour. The q1..q3 columns show how far the quartiles of those evaluations move each
  tool's total.
- Services have 1, 4 and 10 SLOs (ratio and latency in turn, each SLO of a shape on its own series; the shapes of one
  fan-out read the same series). In the default layout slogen's shared rules and groups are per service, so their fixed
  cost is shared by the service's SLOs; under `--share-rules global` by every service of the shape (10 services of 1
  SLO, 3 of 4, 1 of 10: `GLOBAL_SERVICES` in `bench/eval_sets.py`), whose rules are all in one file, one group per part. Sloth's and Pyrra's groups are per SLO, as those
  tools generate them, so their cost per SLO depends on neither and they run with the 4-SLO services only.
- The exact SLI is computed from the closed-form counter integrals over the 30 days ending at the query instant.
"""


def main() -> None:
    """Merge the parts' JSON, write the markdown and the merged JSON (`--eval-only`: section 2 alone, between its marks)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("compile_json", type=Path, nargs="?")
    parser.add_argument("eval_json", type=Path, nargs="?")
    parser.add_argument("--eval-only", type=Path, help="an eval JSON: rewrite section 2 of --md from it and nothing else")
    parser.add_argument("--repeat", type=Path, action="append", default=[], help="earlier eval JSON runs to list")
    parser.add_argument("--md", type=Path, required=True)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.eval_only:
        write_marked(args.md, EVAL_START, EVAL_END, eval_section(json.loads(args.eval_only.read_text())))
        return
    if not (args.compile_json and args.eval_json and args.json):
        parser.error("the compile JSON, the eval JSON and --json are needed (or --eval-only)")
    compiled = json.loads(args.compile_json.read_text())
    evaluated = json.loads(args.eval_json.read_text())
    repeats = [json.loads(path.read_text()) for path in args.repeat]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "# Benchmarks",
        "",
        "Reproduce with `make bench` (the compile rounds, then about 30 minutes of evaluation benchmark, 7 of "
        "them sampling, then about 12 minutes of alert-quality corpus; not part of `make test`, which runs a small smoke run of each). "
        f"Measured {when} on {platform.node() or 'this machine'}: {compiled['cpu_count']} CPUs, Python {platform.python_version()}. "
        "Raw numbers: [`benchmarks.json`](benchmarks.json).",
        "",
        *compile_section(compiled),
        *eval_section(evaluated),
        *(repeats_section([evaluated, *repeats]) if repeats else []),
        NOTES,
        METHOD,
    ]
    args.md.parent.mkdir(parents=True, exist_ok=True)
    args.md.write_text("\n".join(lines) + kept(args.md, FEATURE_START, FEATURE_END) + kept(args.md, MARK_START, MARK_END))
    args.json.write_text(json.dumps({"measured": when, "compile": compiled, "eval": evaluated, "eval_repeats": repeats}, indent=2) + "\n")


if __name__ == "__main__":
    main()
