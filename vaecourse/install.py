"""What a notebook's first cell says when it had to install the course (Colab, or a bare Jupyter server).

The cell installs, with pip, the release of the course that its notebooks belong
to. pip may upgrade a library that the kernel has already imported (Colab
imports some when it starts); Python keeps the old version in memory until the
kernel restarts, so the notebook would run on a mix of two versions. The cell
then says which libraries, and to restart.
"""

import re
import sys
from importlib.metadata import PackageNotFoundError, packages_distributions, version


def _release(text):
    """The first three numbers of a version: 2026.10.19 and 2026.10.19.post1, or 2.1.0+cu121 and 2.1.0, are one."""
    return re.findall(r"\d+", text)[:3]


def stale_modules():
    """(module, version in memory, version installed) for each imported library that pip has since replaced."""
    distributions = packages_distributions()
    stale = []
    for name, module in sorted(sys.modules.items()):
        loaded = getattr(module, "__version__", None)
        if "." in name or not isinstance(loaded, str):
            continue
        for distribution in distributions.get(name, []):
            try:
                installed = version(distribution)
            except PackageNotFoundError:
                continue
            if _release(installed) != _release(loaded):
                stale.append((name, loaded, installed))
                break
    return stale


def report(source):
    """Print what was installed, from where, and whether the kernel must restart.

    First used in notebook 00.
    """
    print(f"installed vaecourse {version('vaecourse')} from {source}, with TensorFlow {version('tensorflow')}")
    stale = stale_modules()
    if stale:
        upgraded = ", ".join(f"{name} ({loaded} in memory, {installed} installed)" for name, loaded, installed in stale)
        print(f"pip upgraded libraries this kernel had already imported: {upgraded}.\n"
              "Restart the kernel now (Colab: Runtime > Restart session; Jupyter: Kernel > Restart Kernel), "
              "then run the notebook from the top.")
