"""How fast this machine trains Keras models, compared with the machine the notebooks' time budget is for.

    python -m tools.speed      time the workload here and print the ratio to the reference machine

The time budget (tools/notebooks.py) is a promise about a 2-core machine of a
given speed. Machines of the same kind are not equally fast: the CI machine ran
the notebooks 2 to 3 times slower on 2026-12-02 than on 2026-12-01, with the
same code and the same libraries. So a fixed workload like the notebooks' (a
dense and a convolutional autoencoder trained for a fixed number of steps on
fixed random data) is timed in a fresh Python, and the time budget is scaled by
its time here over ``REFERENCE_SECONDS``, its time on the machine the budget
was set on. Memory budgets are not scaled.

A shared machine's speed also changes within minutes (on 2026-12-03 the same
VAE training ran at 11 ms a step and, five minutes later, at 29): timed once at
the start, the workload can find the machine far faster than it is an hour
later. So the budget tests time it right before and right after each notebook
(:func:`slowness_now`) and scale that notebook's budget by the mean.
"""

import functools
import json
import os
import statistics
import subprocess
import sys
import time

from tools.harness import TEST_ENV

# A probe taken this recently is reused: the one right after a notebook is the one right before the next.
REUSE_SECONDS = 30

# The workload's median time on the 2-core CI machine on which the notebooks ran within 120 s each
# (2026-12-01). On 2026-12-02 the same kind of machine took 4.7-5.3 s (median 4.8) and ran the unchanged
# notebooks 02, 06, 08 and 10 2.6, 2.8, 1.9 and 2.2 times slower (median 2.3): 4.8 / 2.3.
REFERENCE_SECONDS = 2.1
ROUNDS = 3


def workload_seconds():
    """Median over ROUNDS of the time to train both autoencoders (after one warm-up round)."""
    for variable, value in TEST_ENV.items():  # before TensorFlow is imported
        os.environ.setdefault(variable, value)
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
        start = time.perf_counter()
        dense.fit(images, images, batch_size=128, epochs=5, verbose=0)  # 160 steps
        conv.fit(images, images, batch_size=64, epochs=2, verbose=0)  # 128 steps
        return time.perf_counter() - start

    one_round()  # tracing and first-touch costs, which are not speed
    return statistics.median(one_round() for _ in range(ROUNDS))


@functools.cache
def slowness():
    """This machine's workload time over the reference machine's (2.0: twice as slow), timed once per process.

    Call it first when the machine is otherwise idle: timed beside a running notebook, it would
    find the machine slower than it is and loosen the budget.
    """
    return measure_slowness()


def measure_slowness():
    """Time the workload now, in a fresh Python, and return its time over the reference machine's."""
    from tools.harness import ROOT

    result = subprocess.run([sys.executable, "-m", "tools.speed", "--json"], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    return json.loads(result.stdout)["seconds"] / REFERENCE_SECONDS


_last_probe = {}


def slowness_now():
    """The machine's slowness at this moment: a probe taken within REUSE_SECONDS, or a new one."""
    if _last_probe and time.monotonic() - _last_probe["at"] < REUSE_SECONDS:
        return _last_probe["slowness"]
    value = measure_slowness()
    _last_probe.update(at=time.monotonic(), slowness=value)
    return value


def around(before, after):
    """The slowness one run's budget is scaled by: the mean of the probes right before and right after it."""
    return (before + after) / 2


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    seconds = workload_seconds()
    if "--json" in argv:
        print(json.dumps({"seconds": seconds}))
    else:
        print(f"workload: {seconds:.2f} s here, {REFERENCE_SECONDS:.2f} s on the reference machine: "
              f"{seconds / REFERENCE_SECONDS:.2f} times its time")


if __name__ == "__main__":
    main()
