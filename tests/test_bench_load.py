"""bench/load.py: runs interleaved, loads recorded, busy comparisons marked, medians with their spread."""

from __future__ import annotations

from bench import load, report


def test_runs_take_turns_and_each_sample_carries_its_load(monkeypatch):
    order: list[str] = []
    loads = iter([0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    monkeypatch.setattr(load, "load_now", lambda: next(loads))
    monkeypatch.setattr(load, "SETTLE_S", 0.0)
    samples = load.interleaved({"a": lambda: order.append("a") or {"wall_s": 1.0}, "b": lambda: order.append("b") or {"wall_s": 2.0}}, 2)
    assert order == ["a", "b", "a", "b"]
    assert [(s["load_before"], s["load_after"]) for s in samples["a"]] == [(0.2, 0.3), (0.6, 0.7)]
    assert [(s["load_before"], s["load_after"]) for s in samples["b"]] == [(0.4, 0.5), (0.8, 0.9)]


def test_a_sample_waits_for_the_load_to_fall_and_counts_others_cpu_not_its_own(monkeypatch):
    monkeypatch.setattr(load, "cpus", lambda: 2)
    loads = iter([1.8, 1.4, 0.9, 2.0])
    monkeypatch.setattr(load, "load_now", lambda: next(loads))
    monkeypatch.setattr(load.time, "sleep", lambda s: None)
    # Its own work (a busy loop in this process) is not other work.
    sample = load.timed(lambda: {"x": sum(i * i for i in range(2_000_000))})
    assert (sample["load_before"], sample["load_after"]) == (0.9, 2.0)
    assert 0.0 <= sample["other_cores"] < 1.0
    # A load read after the run counts the run itself: it judges nothing.
    assert not load.summary([sample])["busy"]
    assert load.summary([{**sample, "other_cores": 1.5}])["busy"]


def test_a_summary_gives_median_and_spread_and_marks_a_busy_machine(monkeypatch):
    monkeypatch.setattr(load, "cpus", lambda: 2)
    quiet = [{"wall_s": w, "cpu_s": 1.0, "load_before": 0.5, "load_after": 1.9} for w in (3.0, 1.0, 2.0)]
    s = load.summary(quiet)
    assert (s["wall_s"]["median"], s["wall_s"]["min"], s["wall_s"]["max"], s["wall_s"]["n"]) == (2.0, 1.0, 3.0, 3)
    assert not s["busy"] and "BUSY" not in load.describe("x", s, "wall_s")
    # One run started while the load was above half the CPUs: the whole comparison is a busy-machine one.
    s = load.summary(quiet + [{"wall_s": 2.5, "cpu_s": 1.0, "load_before": 1.1, "load_after": 0.4}])
    assert s["busy"] and "BUSY" in load.describe("x", s, "wall_s")


def test_the_report_gives_no_verdict_on_a_busy_machine():
    assert report._verdict(True, {"busy": False}) == "**met**"
    assert "no verdict" in report._verdict(True, {"busy": True})
    assert report._range({"wall_s": 2.0, "spread": {"wall_s": {"min": 1.0, "max": 3.0}}}, "wall_s") == "2.00 [1.00..3.00]"
