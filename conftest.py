"""pytest set-up for the notebook regression tests (nbval) run by `make test`."""

import os

# Stored notebook outputs were made with the offline subset; tests use it too.
os.environ.setdefault("VAECOURSE_MNIST", "subset")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def pytest_collectstart(collector):
    # TensorFlow writes timestamped log lines to stderr whatever the log level,
    # so stderr can never compare equal between two runs: skip comparing it.
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)
