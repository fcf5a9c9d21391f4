"""The notebooks' time budget follows the machine's speed (tools/speed.py); memory budgets do not."""

import nbformat

from tools import notebooks, speed


def test_the_workload_is_timed_in_a_fresh_python():
    speed.slowness.cache_clear()
    ratio = speed.slowness()
    assert 0.1 < ratio < 20, f"the workload took {ratio:.2f} times the reference machine's time"


def test_the_time_budget_scales_with_slowness_and_the_memory_budget_does_not(monkeypatch):
    monkeypatch.setattr(notebooks, "slowness", lambda: 2.5)
    assert notebooks.time_budget() == 2.5 * notebooks.BUDGET_SECONDS
    run = notebooks.Run(path=None, notebook=nbformat.v4.new_notebook(), seconds=2 * notebooks.BUDGET_SECONDS,
                        peak_bytes=int(notebooks.BUDGET_BYTES) - 1, peak_cell=0)
    assert run.within_budget()
    run.peak_bytes = int(notebooks.BUDGET_BYTES)
    assert not run.within_budget()
    monkeypatch.setattr(notebooks, "slowness", lambda: 1.0)
    run.peak_bytes = 0
    assert not run.within_budget()


def test_a_run_can_bring_the_slowness_timed_around_it():
    assert notebooks.time_budget(3.0) == 3.0 * notebooks.BUDGET_SECONDS
    assert notebooks.within_budget(2.9 * notebooks.BUDGET_SECONDS, 0, 3.0)
    assert not notebooks.within_budget(3.1 * notebooks.BUDGET_SECONDS, 0, 3.0)


def test_the_probe_after_one_notebook_serves_as_the_probe_before_the_next(monkeypatch):
    probes, clock = iter([1.5, 2.5]), [1000.0]
    monkeypatch.setattr(speed, "measure_slowness", lambda: next(probes))
    monkeypatch.setattr(speed.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(speed, "_last_probe", {})
    assert speed.slowness_now() == 1.5
    clock[0] += speed.REUSE_SECONDS - 1  # the next notebook starts at once: no new probe
    assert speed.slowness_now() == 1.5
    clock[0] += 100  # a notebook later: the machine is timed again
    assert speed.slowness_now() == 2.5
