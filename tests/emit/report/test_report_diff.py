"""The committed report page reviews like code: a one-objective change is a diff of a few
short lines (one element, table row, tick or curve a line), in a page that stays byte-deterministic."""

from __future__ import annotations

import difflib
import re
import shutil

from slogen_testing import ROOT, run_slogen

PAGE = "output/report/index.html"
# A curve is one <path> of 80 points: its line is the only kind allowed past 1,000 characters.
MAX_LINE, MAX_PATH_LINE = 1000, 1200


def _page(root) -> list[str]:
    result = run_slogen("generate", cwd=root)
    assert result.returncode == 0, result.stderr
    return (root / PAGE).read_text().splitlines()


def _drawing_lines(lines: list[str]) -> set[int]:
    """Indexes of the lines inside the shared detection drawings (<symbol> ... </symbol>)."""
    inside, found = False, set()
    for index, line in enumerate(lines):
        inside = inside or line.startswith("<symbol ")
        if inside:
            found.add(index)
        inside = inside and not line.endswith("</symbol>")
    return found


def test_one_objective_change_is_a_small_diff(tmp_path):
    shutil.copytree(ROOT / "slo_specs", tmp_path / "slo_specs")
    before = _page(tmp_path)
    spec = tmp_path / "slo_specs" / "checkout.yaml"
    text = spec.read_text()
    assert text.count("objective: 99\n") == 1  # checkout/latency
    spec.write_text(text.replace("objective: 99\n", "objective: 99.5\n"))
    after = _page(tmp_path)

    removed, added = [], []
    for group in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        tag, a0, a1, b0, b1 = group
        if tag != "equal":
            removed += range(a0, a1)
            added += range(b0, b1)
    in_drawing_before, in_drawing_after = _drawing_lines(before), _drawing_lines(after)
    text_removed = [before[i] for i in removed if i not in in_drawing_before]
    text_added = [after[i] for i in added if i not in in_drawing_after]
    # Outside the drawings, 10 lines change, each side: the summary row, the objective
    # sentence, the 3 downtime rows, the 4 alert-tier rows (detection times follow the
    # budget) and the plot that names the SLO's drawing.
    assert len(text_removed) == len(text_added) == 10, (text_removed, text_added)
    assert sum(1 for line in text_added if "checkout-latency" in line) == 1  # the summary row
    assert sum(1 for line in text_added if line.startswith("<tr><td>page</td>") or line.startswith("<tr><td>ticket</td>")) == 4
    assert sum(1 for line in text_added if line.startswith('<svg class="plot"') and "<use href=" in line) == 1
    # The drawing of checkout/latency's shape is redrawn in place (no other SLO shares it):
    # its curves (8: four tiers, worst case and workbook each) and the ticks whose places
    # moved, and nothing of the other drawings.
    drawing_removed = [before[i] for i in removed if i in in_drawing_before]
    drawing_added = [after[i] for i in added if i in in_drawing_after]
    assert sum(line.startswith('<path class="curve"') for line in drawing_added) == 8
    assert len(drawing_removed) <= 20 and len(drawing_added) <= 20, (len(drawing_removed), len(drawing_added))
    # Those 20 lines are read, not the page's ~70,000 characters (once a single line).
    changed = sum(len(line) for line in text_removed + text_added)
    assert changed < 3000 < 60_000 < sum(len(line) for line in after), changed


def test_no_line_is_long_and_the_page_is_deterministic(tmp_path):
    shutil.copytree(ROOT / "slo_specs", tmp_path / "slo_specs")
    page = (ROOT / PAGE).read_bytes()
    lines = page.decode().splitlines()
    for line in lines:
        limit = MAX_PATH_LINE if re.match(r'<path class="curve" d="M[\d., L]+" ', line) else MAX_LINE
        assert len(line) <= limit, line[:200]
    # The committed page is what generate writes from any copy of the specs, byte for byte.
    assert run_slogen("generate", cwd=tmp_path).returncode == 0
    assert (tmp_path / PAGE).read_bytes() == page
