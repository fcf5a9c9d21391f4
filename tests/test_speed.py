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
