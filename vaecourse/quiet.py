"""TensorFlow without its start-up notices (and Keras without one false alarm), so no cell shows a red box.

On a machine without a GPU, TensorFlow writes C++ log lines to stderr, which
Jupyter paints red: when it is imported ("All log messages before
absl::InitializeLog() ...", "Could not find cuda drivers ..."), and when it first
looks for a GPU ("failed call to cuInit"). None of them is a problem. Two
things keep them out, and ``import vaecourse`` does both:

* ``TF_CPP_MIN_LOG_LEVEL=3`` (unless already set) silences TensorFlow's C++ log
  once TensorFlow has started. Errors still reach Python as exceptions.
* The lines written while TensorFlow loads come before that setting is read, so
  the first ``import tensorflow`` runs with the process's stderr caught; lines
  that are start-up notices are dropped, anything else is written back. Its
  Python logger is then set to errors only (no notices of re-traced functions).

Keras also warns, at every ``fit`` on a ``tf.data`` pipeline, that it ignores
``shuffle=True``: the course's pipelines shuffle themselves (``make_dataset``), so
that warning is silenced too.

``import vaecourse`` imports nothing heavy: the catch waits for TensorFlow's import.
"""

import importlib.abc
import importlib.machinery
import os
import re
import sys
import tempfile
import warnings

# "WARNING: All log messages before absl::InitializeLog() ..." and "I0000 00:00:1795... 4496 file.cc:31] ...",
# with the continuation lines that some notices have (indented, or "To enable the following instructions ...").
# Older TensorFlow (2.18) also reports, at import, that its CUDA plugins were registered twice
# ("E0000 ... Unable to register cuDNN factory: ..."): harmless, and dropped with the notices.
NOTICE = re.compile(r"^(WARNING: All log messages before absl::InitializeLog\(\)|[IW]\d{4} \S+\s+\d+ [\w.]+:\d+\] "
                    r"|E\d{4} \S+\s+\d+ [\w.]+:\d+\] Unable to register cu\w+ factory"
                    r"|To enable the following instructions)")


def _is_notice(line):
    return bool(NOTICE.match(line))


class _QuietLoader(importlib.abc.Loader):
    """TensorFlow's own loader, run with the process's stderr (file descriptor 2) caught."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        with tempfile.TemporaryFile() as caught:
            sys.stderr.flush()
            saved = os.dup(2)
            os.dup2(caught.fileno(), 2)
            try:
                self.loader.exec_module(module)
                module.get_logger().setLevel("ERROR")  # its Python warnings too (re-traced functions, ...)
            finally:
                os.dup2(saved, 2)
                os.close(saved)
                caught.seek(0)
                kept = [line for line in caught.read().decode(errors="replace").splitlines(keepends=True)
                        if not _is_notice(line)]
                if kept:
                    sys.stderr.write("".join(kept))


class _QuietFinder(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` as the other finders do, once, and hands it a quiet loader."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "tensorflow":
            return None
        sys.meta_path.remove(self)  # once is enough, and the other finders must not find this one again
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def quiet_tensorflow():
    """Set TF_CPP_MIN_LOG_LEVEL (unless set), catch the notices of TensorFlow's first import, silence one warning."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.filterwarnings("ignore", message="`shuffle=True` was passed", category=UserWarning)
    if "tensorflow" not in sys.modules and not any(isinstance(f, _QuietFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietFinder())
