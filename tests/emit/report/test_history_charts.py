"""The live report's history charts: drawn from where history starts, labelled with the span
they show, and a burn-rate scale on which 0.5x, 1x and 100x are three different heights."""

from __future__ import annotations

import re
from collections import Counter

from slogen_testing import ROOT, compile_paths
from slogen.emit.report.charts import COLOURS, History, burn_rate_plot, span_text
from slogen.emit.report.html import render_report
from slogen.live.prometheus_api import Sample

from chromium import screenshot

NO_ALERTS = ROOT / "tests" / "data" / "no-alerts" / "spec.yaml"  # no detection plot: the only curves are history
END = 1_800_000_000.0
DAY = 86400


def _plan():
    services, diagnostics = compile_paths([NO_ALERTS])
    assert not diagnostics
    return services[0].plans[0]


def _outage(since: float) -> tuple[Sample, ...]:
    """A burn rate of 0.5x for an hour, with a 100x outage of 150s in it (240 points)."""
    step = (END - since) / 240
    return (Sample({}, values=tuple((since + i * step, 100.0 if 100 <= i < 110 else 0.5) for i in range(241))),)


def _ys(svg: str) -> set[float]:
    (d,) = re.findall(r'<path class="curve" d="([^"]+)"', svg)
    return {float(y) for y in re.findall(r"[ML][\d.]+,([\d.]+)", d)}


def _guide_y(svg: str, text: str) -> float:
    (y,) = re.findall(r'<line x1="\d+" y1="([\d.]+)"[^>]*stroke="#888"[^>]*/><text[^>]*>' + re.escape(text) + "</text>", svg)
    return float(y)


def test_burn_rate_scale_separates_half_one_and_a_hundred():
    svg = burn_rate_plot(_plan(), History(END - 30 * DAY, END, END - 3600, (), _outage(END - 3600)))
    one = _guide_y(svg, "1x")  # the 1x reference line stays
    ys = _ys(svg)
    assert len(ys) == 2  # the 0.5x plateau and the 100x outage
    half, hundred = max(ys), min(ys)
    # Log scale: 0.5x lies 0.3 decades under 1x, 100x two decades over it.
    assert half - one > 15 and (one - hundred) / (half - one) > 5, (half, one, hundred)
    assert "burn rate (log)" in svg


def test_nothing_failed_lies_on_the_floor_and_says_so():
    series = (Sample({}, values=tuple((END - 3600 + i * 60, 0.0) for i in range(61))),)
    svg = burn_rate_plot(_plan(), History(END - 3600, END, END - 3600, (), series))
    assert ">&lt;=0.1x</text>" in svg and len(_ys(svg)) == 1


def test_span_label_says_how_much_history_there_is():
    assert span_text(History(END - 30 * DAY, END, END - 30 * DAY, (), ())) == "last 30d"
    assert span_text(History(END - 30 * DAY, END, END - 12 * 60, (), ())) == "last 12.0min of 30d"
    assert span_text(History(END - 7 * DAY, END, END - 3 * DAY, (), ())) == "last 3.0d of 7d"


def test_short_history_is_drawn_across_the_chart():
    # 12 minutes of a 30d window: the curve spans the plot's width, not its last pixel.
    since = END - 720
    svg = burn_rate_plot(_plan(), History(END - 30 * DAY, END, since, (), _outage(since)))
    xs = [float(x) for x in re.findall(r"[ML]([\d.]+),", re.findall(r'<path class="curve" d="([^"]+)"', svg)[0])]
    assert min(xs) == 64 and max(xs) == 624
    assert ">last 12.0min of 30d</text>" in svg


def test_no_history_yet_is_said_not_drawn():
    page = render_report([_plan()], {"probe-uptime": History(END - 30 * DAY, END, None, (), ())}, "http://prometheus:9090")
    assert "No history yet: Prometheus holds no budget or burn rate of this SLO in the last 30d." in page
    assert 'class="burndown"' not in page and 'class="burnrate"' not in page


def test_burn_rate_chart_in_chromium(tmp_path):
    # The page as a browser draws it: the 0.5x plateau (the curve's colour) lies well below
    # the dashed 1x line (#888), not on it.
    plan = _plan()
    page = tmp_path / "live.html"
    page.write_text(render_report([plan], {plan.id: History(END - 30 * DAY, END, END - 3600, (), _outage(END - 3600))}, "http://p:9090"))
    pixels = screenshot(page, tmp_path / "profile", tmp_path / "shot.png", 1000, 1600)
    red = tuple(int(COLOURS[0][i : i + 2], 16) for i in (1, 3, 5))
    rows = {kind: Counter() for kind in ("curve", "guide")}
    for y, row in enumerate(pixels):
        for p in row:
            if p == red:
                rows["curve"][y] += 1
            elif p == (136, 136, 136):
                rows["guide"][y] += 1
    plateau = max(rows["curve"], key=rows["curve"].get)  # the longest horizontal run of the curve
    # The 1x line: 560px dashed 3,3, drawn crisp; the burn-down chart's guides are far above.
    dashed = [y for y, n in rows["guide"].items() if n > 200 and plateau - 244 < y < plateau]
    assert rows["curve"][plateau] > 300 and len(dashed) >= 1, (rows["curve"].most_common(3), rows["guide"].most_common(3))
    assert plateau - max(dashed) > 15, (plateau, dashed)
