"""Each notebook's budget, and the calibration that makes its time budget mean the same on any machine.

    python -m tools.budget      time the calibration workload here (CPU seconds, median of ROUNDS rounds)

The rule, in two lines:

* time: the kernel's CPU seconds, TensorFlow on one thread, times REFERENCE_CALIBRATION over the calibration
  workload's CPU seconds (the median of its rounds timed at the start of the same test run, between its
  notebooks' runs and at the end), are at most CORES x BUDGET_SECONDS (what runs in 120 s on both reference
  cores needs at most 240 on one);
* memory: the kernel's peak resident memory (its VmHWM, from /proc) is below BUDGET_BYTES.

CPU seconds, not wall seconds: a shared machine that is slow for a while because
other machines on its host take turns with it, or because another process is
busy, loses wall time, not CPU time. The calibration is a fixed Keras workload
like the notebooks' (a dense and a convolutional autoencoder trained for a fixed
number of steps on fixed random data), timed once per test run in a fresh
Python, on one thread as the tests' kernels run (tests/harness.py, ONE_THREAD):
with TensorFlow's two threads its CPU seconds spread by +-25% from one timing to
the next here (threads spin while they wait for each other), on one thread by
+-6%, idle or with another process busy. On these small models one thread is
also faster than two: 02 on full-size MNIST took 81 s on one, 106 s on two.
Wall time is reported beside it; memory is not scaled. This machine's speed drifts over minutes (the
calibration ranged from 1.95 to 3.34 CPU s here in one day), so a test run times rounds between its notebooks
too (``Calibrator``, tests/runs.py), not only before and after them.
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time

from tools import ROOT

BUDGET_SECONDS = 120
CORES = 2
BUDGET_BYTES = 1.5e9
# The calibration's CPU seconds on the reference machine: this project's 2-core CI machine (AMD EPYC,
# 24 GB) on 2026-12-06, the median of 13 calibrations (5 rounds each) spread over the day, which ranged from
# 2.96 to 4.28 (README, "Budgets").
REFERENCE_CALIBRATION = 3.6
ROUNDS = 5


def _cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def workload():
    """The workload, on one thread, ready to time: a function that runs one round and returns its CPU and wall
    seconds (the first round, tracing and first-touch costs that are not speed, has run already)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow is imported
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)  # before TensorFlow runs anything
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras
    import numpy as np
    from keras import layers

    images = np.random.default_rng(0).random((4096, 28, 28, 1), dtype="float32")
    dense = keras.Sequential([
        keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(256, activation="relu"), layers.Dense(32),
        layers.Dense(256, activation="relu"), layers.Dense(784, activation="sigmoid"), layers.Reshape((28, 28, 1)),
    ])
    conv = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
        layers.Flatten(), layers.Dense(16), layers.Dense(7 * 7 * 32, activation="relu"), layers.Reshape((7, 7, 32)),
        layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid"),
    ])
    for model in (dense, conv):
        model.compile(optimizer="adam", loss="binary_crossentropy")

    def one_round():
        cpu, wall = _cpu_seconds(), time.perf_counter()
        dense.fit(images, images, batch_size=128, epochs=5, verbose=0)  # 160 steps
        conv.fit(images, images, batch_size=64, epochs=2, verbose=0)  # 128 steps
        return _cpu_seconds() - cpu, time.perf_counter() - wall

    one_round()
    return one_round


def _timed(one_round, count):
    rounds = [one_round() for _ in range(count)]
    return {"cpu": [cpu for cpu, _ in rounds], "wall": [wall for _, wall in rounds]}


class Calibrator:
    """The workload in a Python of its own that stays up, so that a test run can time a round at any moment
    for the price of the round (TensorFlow is imported and the models traced once)."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, "-m", "tools.budget", "--serve"], cwd=ROOT, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def rounds(self, count):
        """The CPU seconds of each of ``count`` rounds, timed now."""
        self.process.stdin.write(f"{count}\n")
        self.process.stdin.flush()
        for line in self.process.stdout:
            if line.startswith('{"cpu"'):
                return json.loads(line)["cpu"]
        raise RuntimeError(f"the calibration's Python stopped (exit code {self.process.wait()}); "
                           "python -m tools.budget shows why")

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)


def calibrate():
    """The CPU seconds of each of ROUNDS rounds of the workload, timed now in a fresh Python."""
    calibrator = Calibrator()
    try:
        return calibrator.rounds(ROUNDS)
    finally:
        calibrator.close()


def reference_seconds(cpu_seconds, calibration):
    """CPU seconds here as CPU seconds of the reference machine."""
    return cpu_seconds * REFERENCE_CALIBRATION / calibration


def time_share(run, calibration):
    """The fraction of its time budget a run used."""
    return reference_seconds(run.cpu, calibration) / (CORES * BUDGET_SECONDS)


def within(run, calibration):
    return time_share(run, calibration) <= 1 and run.peak_bytes < BUDGET_BYTES


def describe(run, calibration):
    """One line: wall time, CPU seconds here and on the reference machine, the budget's share, peak memory."""
    flag = "" if within(run, calibration) else "   OVER BUDGET"
    return (f"{run.name:40s} {run.mnist:6s} {run.wall:6.1f} s here, {run.cpu:6.1f} CPU s "
            f"({reference_seconds(run.cpu, calibration):5.1f} on the reference, {time_share(run, calibration):4.0%} "
            f"of {CORES * BUDGET_SECONDS}), peak {run.peak_bytes / 1e9:4.2f} GB "
            f"({run.peak_bytes / BUDGET_BYTES:4.0%} of {BUDGET_BYTES / 1e9:.1f}){flag}")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    one_round = workload()
    if "--serve" in argv:  # for Calibrator: each line read is a number of rounds to time, answered in JSON
        for line in sys.stdin:
            print(json.dumps(_timed(one_round, int(line))), flush=True)
        return
    figures = _timed(one_round, ROUNDS)
    cpu = statistics.median(figures["cpu"])
    print(f"calibration: {cpu:.2f} CPU s here ({statistics.median(figures['wall']):.2f} s of wall time), "
          f"{REFERENCE_CALIBRATION:.2f} CPU s on the reference machine: {cpu / REFERENCE_CALIBRATION:.2f} "
          "times its time")


if __name__ == "__main__":
    main()
