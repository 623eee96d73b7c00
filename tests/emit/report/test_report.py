"""`slogen report`: a self-contained page, rendered by a real headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser

import pytest
from slogen_testing import compile_paths
from slogen.emit.report.charts import COLOURS
from slogen.emit.report.html import render_report

from chromium import dump_dom, screenshot
from live_prometheus import live_slogen_prometheus, wait_for
from slogen_testing import ROOT, run_slogen, write_spec

GROUPED = ROOT / "tests" / "data" / "grouped" / "spec.yaml"


def _plans(paths):
    services, diagnostics = compile_paths(paths)
    more: list = []
    assert not diagnostics + more
    return [plan for service in services for plan in service.plans]


class _Outline(HTMLParser):
    """What a rendered DOM holds: SLO sections, table rows per class, plot paths per figure.

    A figure that `<use>`s a shared `<symbol>` counts the symbol's paths as its own.
    """

    def __init__(self):
        super().__init__()
        self.sections: list[str] = []
        self.rows: Counter = Counter()
        self.paths: dict[tuple[str, str], list[str]] = {}
        self.symbols: dict[str, list[str]] = {}
        self.uses: dict[tuple[str, str], list[str]] = {}
        self.external: list[str] = []
        self._table = self._figure = self._symbol = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs.get("id", ""))
        elif tag == "table":
            self._table = attrs.get("class")
        elif tag == "tr" and self._table:
            self.rows[self._table] += 1
        elif tag == "figure":
            self._figure = attrs.get("class")
        elif tag == "symbol":
            self._symbol = self.symbols.setdefault(attrs.get("id", ""), [])
        elif tag == "path" and self._symbol is not None:
            self._symbol.append(attrs.get("d", ""))
        elif tag == "path" and self._figure:
            self.paths.setdefault((self.sections[-1], self._figure), []).append(attrs.get("d", ""))
        elif tag == "use" and self._figure:
            self.uses.setdefault((self.sections[-1], self._figure), []).append(attrs.get("href", ""))
        for name in ("src", "href"):
            if name in attrs and not attrs[name].startswith("#"):
                self.external.append(attrs[name])

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "figure":
            self._figure = None
        elif tag == "symbol":
            self._symbol = None


def outline(html: str) -> _Outline:
    """Parse a page into its outline."""
    parser = _Outline()
    parser.feed(html)
    for where, refs in parser.uses.items():
        for ref in refs:
            assert ref.startswith("#") and ref[1:] in parser.symbols, f"{where} uses a missing drawing {ref}"
            parser.paths.setdefault(where, []).extend(parser.symbols[ref[1:]])
    return parser


def test_static_report_is_deterministic_and_self_contained():
    plans = _plans([ROOT / "slo_specs"])
    page = render_report(plans)
    assert page == render_report(plans)
    found = outline(page)
    assert found.sections == [plan.id for plan in plans]
    assert found.rows["summary"] == len(plans) + 1
    assert not found.external and "<script" not in page and "url(" not in page
    assert "slogen report --prometheus URL" in page  # says how to get live history
    assert re.findall(r'<td><a href="#([^"]+)">', page) == [plan.id for plan in plans]  # the summary is the index
    for plan in plans:
        if any(sev.tiers for sev in plan.severities):
            assert len(found.paths[(plan.id, "detection")]) == 2 * sum(len(sev.tiers) for sev in plan.severities)


def test_each_detection_drawing_is_in_the_page_once():
    # 40 SLOs of one shape (objective, window, tiers): one drawing, 40 references to it.
    plans = [plan for plan in _plans([GROUPED]) for _ in range(40)]
    page = render_report(plans)
    found = outline(page)
    assert len(found.symbols) == 1 and page.count("<path") == 8
    assert sum(len(refs) for refs in found.uses.values()) == 40
    assert len(page) < 40 * 4000


def test_user_text_is_escaped():
    page = render_report(_plans([GROUPED]))
    assert "Requests per route; &quot;quotes&quot;, \\backslashes\\ and {{ $labels.x }} stay inert." in page
    assert '"quotes"' not in page


@pytest.mark.slow
def test_report_renders_in_chromium(tmp_path):
    write_spec(tmp_path / "slo_specs", GROUPED.read_text(), "gateway.yaml")
    (tmp_path / "slo_specs" / "checkout.yaml").write_text((ROOT / "slo_specs" / "checkout.yaml").read_text())
    result = run_slogen("report", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = tmp_path / "output" / "report" / "index.html"
    dom = outline(dump_dom(page, tmp_path / "profile"))
    assert dom.sections == ["checkout-availability", "checkout-latency", "gateway-route-availability"]
    assert dom.rows["summary"] == 4 and dom.rows["policy"] == 3 * 5 and dom.rows["tiers"] == 3 * 5
    for section in dom.sections:
        curves = dom.paths[(section, "detection")]
        assert len(curves) == 8  # four tiers, worst case and workbook each
        assert all(len(re.findall(r"[ML]", d)) >= 10 for d in curves), curves
    pixels = screenshot(page, tmp_path / "profile", tmp_path / "shot.png", 1000, 2000)
    counts = Counter(p for row in pixels for p in row)
    assert counts[(255, 255, 255)] < 0.95 * 1000 * 2000  # not a blank page
    # The first section's plot is on screen: its page-tier curve is drawn in the first colour.
    red = tuple(int(COLOURS[0][i : i + 2], 16) for i in (1, 3, 5))
    assert counts[red] > 200, counts.most_common(10)


@pytest.fixture(scope="module")
def live(tmp_path_factory, engine):
    """A Prometheus (each engine) evaluating slogen's rules (see live_prometheus.py)."""
    with live_slogen_prometheus(tmp_path_factory.mktemp("report"), engine) as found:
        yield found


@pytest.mark.slow
def test_live_report_plots_history(live, tmp_path):
    url, root = live
    # On a busy machine the first evaluations may be only a few seconds old: wait for
    # enough history that every line has points to draw.
    wait_for(url, "min(count_over_time(slo:period_error_budget_remaining:ratio[2m])) >= 5", 1, timeout=60)
    result = run_slogen("report", str(root / "slo_specs"), "--prometheus", url, "--since", "2m", "--out", str(tmp_path / "out"), cwd=root)
    assert result.returncode == 0, result.stderr
    page = tmp_path / "out" / "report" / "live.html"
    dom = outline(dump_dom(page, tmp_path / "profile"))
    assert dom.sections == ["edge-routes", "shop-availability", "shop-checkout"]
    for section, lines in (("edge-routes", 2), ("shop-availability", 1), ("shop-checkout", 1)):
        for figure in ("burndown", "burnrate"):
            paths = dom.paths[(section, figure)]
            assert len(paths) == lines, (section, figure, paths)
            assert all(len(re.findall(r"[ML]", d)) >= 2 for d in paths)
    assert f"Live data from {url}." in page.read_text()
    pixels = screenshot(page, tmp_path / "profile", tmp_path / "live.png", 1000, 2000)
    assert sum(1 for row in pixels for p in row if p != (255, 255, 255)) > 0.05 * 1000 * 2000


GHOST = """
service: ghost
slos:
  - name: probe
    objective: 99
    sli:
      ratio: {errors: 'ghost_total{code="500"}', total: ghost_total}
"""


def test_live_report_with_short_history_draws_what_exists(live, tmp_path):
    # The default --since is each SLO's window (30d) and Prometheus holds seconds of it:
    # each chart starts where the history does and says so; an SLO whose rules were
    # never loaded says it has no history yet.
    url, root = live
    wait_for(url, "min(count_over_time(slo:period_error_budget_remaining:ratio[10m])) >= 5", 1, timeout=60)
    shutil.copytree(root / "slo_specs", tmp_path / "slo_specs")
    write_spec(tmp_path / "slo_specs", GHOST, "ghost.yaml")
    result = run_slogen("report", "--prometheus", url, cwd=tmp_path)
    assert result.returncode == 0 and "4 SLOs -> output/report/live.html" in result.stderr, result.stderr
    page = tmp_path / "output" / "report" / "live.html"
    text = page.read_text()
    dom = outline(dump_dom(page, tmp_path / "profile"))
    assert set(dom.sections) == {"edge-routes", "ghost-probe", "shop-availability", "shop-checkout"}
    for section in ("edge-routes", "shop-availability", "shop-checkout"):
        lines = [[float(x) for x in re.findall(r"[ML]([\d.]+),", d)] for figure in ("burndown", "burnrate") for d in dom.paths[(section, figure)]]
        # Several points a line, up to the right edge (624): within one step of it, as the
        # range query's last step falls anywhere in the step before "now"; the SLO's first
        # point (of either chart: the 1h burn rate may be recorded an evaluation earlier)
        # at the left edge.
        assert all(len(xs) >= 5 and max(xs) >= 624 - (xs[-1] - xs[-2]) - 0.5 for xs in lines), (section, lines)
        assert min(min(xs) for xs in lines) == 64, (section, lines)
    spans = re.findall(r'text-anchor="middle">last ([^<]+)</text>', text)
    assert len(spans) == 6 and all(re.fullmatch(r"[\d.]+(s|min) of 30d", span) for span in spans), spans
    assert ("ghost-probe", "burndown") not in dom.paths and ("ghost-probe", "burnrate") not in dom.paths
    assert "No history yet: Prometheus holds no budget or burn rate of this SLO in the last 30d." in text


def test_live_page_is_ignored_by_the_readme_gitignore(live, tmp_path):
    # The README's .gitignore block, in a fresh repository that commits output/: after
    # `report --prometheus` nothing is untracked (the live page is a moment of a Prometheus).
    url, root = live
    block = re.search(r"```gitignore\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block is not None
    shutil.copytree(root / "slo_specs", tmp_path / "slo_specs")
    (tmp_path / ".gitignore").write_text(block.group(1))

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    git("init", "-q")
    assert run_slogen("generate", cwd=tmp_path).returncode == 0
    git("add", "-A")
    git("commit", "-q", "-m", "specs and output")
    result = run_slogen("report", "--prometheus", url, "--since", "1m", cwd=tmp_path)
    assert result.returncode == 0 and (tmp_path / "output" / "report" / "live.html").exists(), result.stderr
    assert git("status", "--porcelain", "--untracked-files=all") == ""


def test_report_errors_are_one_line(tmp_path):
    write_spec(tmp_path / "slo_specs", GROUPED.read_text(), "gateway.yaml")
    bad = run_slogen("report", "--prometheus", "http://127.0.0.1:1", cwd=tmp_path)
    assert bad.returncode == 3 and bad.stderr.strip() == "cannot reach Prometheus at http://127.0.0.1:1: [Errno 111] Connection refused"
    assert run_slogen("report", "--prometheus", "http://127.0.0.1:1", "--since", "7x", cwd=tmp_path).returncode == 2


def test_report_beside_generated_output_survives_generate_and_check(tmp_path):
    # `make generate` runs generate then report into the same output/.
    write_spec(tmp_path / "slo_specs", GROUPED.read_text(), "gateway.yaml")
    generated = run_slogen("generate", cwd=tmp_path)
    assert generated.returncode == 0 and "1 service, 1 SLO -> output/ (" in generated.stderr, generated.stderr
    reported = run_slogen("report", cwd=tmp_path)
    assert reported.returncode == 0 and "1 SLO -> output/report/index.html" in reported.stderr, reported.stderr
    report = (tmp_path / "output" / "report" / "index.html").read_bytes()
    again = run_slogen("generate", cwd=tmp_path)
    assert again.returncode == 0 and "1 service, 1 SLO -> output/ (up to date" in again.stderr, again.stderr
    assert (tmp_path / "output" / "report" / "index.html").read_bytes() == report
    assert run_slogen("check", cwd=tmp_path).returncode == 0
