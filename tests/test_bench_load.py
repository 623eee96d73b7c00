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
    # The machine spent 30 CPU-s while the run took 10 s, 24 of them this process's own:
    # others took 0.6 of a core.  (Counters faked: the real machine runs other tests.)
    machine, own = iter([100.0, 130.0]), iter([5.0, 29.0])
    monkeypatch.setattr(load, "_machine_cpu_s", lambda: next(machine))
    monkeypatch.setattr(load, "_own_cpu_s", lambda: next(own))
    clock = iter([0.0, 0.0, 0.0, 50.0, 60.0])  # settle: the deadline and two waits; then the run
    monkeypatch.setattr(load.time, "monotonic", lambda: next(clock))
    sample = load.timed(lambda: {"x": 1})
    assert (sample["load_before"], sample["load_after"]) == (0.9, 2.0)
    assert abs(sample["other_cores"] - 0.6) < 1e-9
    # A load read after the run counts the run itself: it judges nothing.
    assert not load.summary([sample])["busy"]
    assert load.summary([{**sample, "other_cores": 1.5}])["busy"]


def test_the_exported_key_lists_are_what_a_sample_and_a_summary_add(monkeypatch):
    # compile_speed tells measurements from machine figures by these lists alone.
    monkeypatch.setattr(load, "SETTLE_S", 0.0)
    sample = load.timed(lambda: {"wall_s": 1.0})
    assert set(sample) - {"wall_s"} == set(load.SAMPLE_KEYS)
    assert set(load.summary([sample], ("wall_s",))) - {"wall_s", "samples"} == set(load.SUMMARY_KEYS)


def test_the_real_counters_read_and_a_process_s_own_work_is_its_own():
    machine, own = load._machine_cpu_s(), load._own_cpu_s()
    sum(i * i for i in range(1_000_000))
    assert machine is not None and load._machine_cpu_s() >= machine and load._own_cpu_s() > own


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
