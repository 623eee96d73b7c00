"""The index and the committed examples: lint clean, index up to date; lint and guide from the CLI."""

from __future__ import annotations

from pathlib import Path

from pm_support import ROOT
from slogen.postmortem.files import load_postmortems
from slogen.postmortem.index import index_entry, render_index
from slogen.postmortem.lint import lint_postmortem

from slogen_testing import run_slogen

COMMITTED = ROOT / "postmortems"
SAMPLE = (COMMITTED / "2024-03-01-checkout-5xx-after-payment-config-push.md").read_text()




def test_committed_postmortems_lint_clean() -> None:
    postmortems, problems = load_postmortems([COMMITTED])
    assert postmortems and not problems
    assert [str(f) for pm in postmortems for f in lint_postmortem(pm)] == []


def test_committed_index_is_up_to_date() -> None:
    postmortems, _ = load_postmortems([COMMITTED])
    assert (COMMITTED / "README.md").read_text() == render_index([index_entry(pm) for pm in postmortems])


def test_index_rows_newest_first_with_open_action_items(tmp_path: Path) -> None:
    (tmp_path / "2024-03-01-checkout.md").write_text(SAMPLE)
    quick = SAMPLE.replace("date: 2024-03-01", "date: 2024-04-02").replace("title: \"Checkout 5xx after payment config push\"", "title: \"Card | wallet split\"")
    quick = quick.replace("| done |", "| open |")
    (tmp_path / "2024-04-02-wallet.md").write_text(quick)
    result = run_slogen("postmortem", "index", "--dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "README.md").read_text().splitlines()
    rows = [line for line in lines if line.startswith("| 2024")]
    assert rows == [
        "| 2024-04-02 | [Card \\| wallet split](2024-04-02-wallet.md) | SEV2 | 12m | checkout/availability | <= 27.78% | 3 |",
        "| 2024-03-01 | [Checkout 5xx after payment config push](2024-03-01-checkout.md) | SEV2 | 12m | checkout/availability | <= 27.78% | 1 |",
    ]
    assert "2 postmortems: 2 SEV2" in lines and "Open action items: 4." in lines
    assert run_slogen("postmortem", "index", "--dir", str(tmp_path), "--check").returncode == 0
    (tmp_path / "2024-04-02-wallet.md").write_text(quick.replace("severity: SEV2", "severity: SEV3"))
    stale = run_slogen("postmortem", "index", "--dir", str(tmp_path), "--check")
    assert stale.returncode == 1 and stale.stderr.strip() == f"{tmp_path}/README.md: stale (run `slogen postmortem index`)"


def test_lint_cli_prints_path_line_message_and_exits_nonzero(tmp_path: Path) -> None:
    bad = SAMPLE.replace("| @platform-config |", "| the platform team |")
    path = tmp_path / "pm.md"
    path.write_text(bad)
    line = next(i for i, text in enumerate(bad.splitlines(), start=1) if "the platform team" in text)
    result = run_slogen("postmortem", "lint", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{path}:{line}: error: action item: owner 'the platform team' is not an @handle [action-items]"
    ]
    relaxed = run_slogen("postmortem", "lint", str(path), "--rule", "action-items=warning")
    assert relaxed.returncode == 0 and "warning: action item" in relaxed.stdout
    unknown = run_slogen("postmortem", "lint", str(path), "--rule", "owners=off")
    assert unknown.returncode == 2 and "unknown check 'owners'" in unknown.stderr
    missing = run_slogen("postmortem", "lint", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such file or directory" in missing.stderr


def test_guide_prints_the_60_minute_agenda() -> None:
    result = run_slogen("postmortem", "guide")
    assert result.returncode == 0
    for row in ("00-05 min  Opening (5 min)", "05-20 min  Timeline (15 min)", "20-40 min  Analysis (20 min)",
                "40-55 min  Action items (15 min)", "55-60 min  Closing (5 min)"):
        assert row in result.stdout
    assert "Postmortem meeting (60 minutes)" in result.stdout and 'what conditions allowed this?' in result.stdout
