"""pytest set-up for `make test`: unit tests, notebook regression tests (nbval), browser test."""

import os

# Tests never depend on the network, and the stored notebook outputs were made
# with the offline MNIST subset: use it everywhere.
os.environ.setdefault("VAECOURSE_MNIST", "subset")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def pytest_collectstart(collector):
    # TensorFlow writes timestamped log lines to stderr whatever the log level,
    # so stderr can never compare equal between two runs: skip comparing it.
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)
