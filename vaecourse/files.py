"""Writing files so that nothing saved is ever half-written.

Checkpoints, exported models with their cards, and the parsed MNIST subset
are all written through :func:`atomic_write`: a run interrupted mid-write (a
Ctrl-C, a full disk, a lost Colab runtime) leaves the previous file intact.
"""

import os
from pathlib import Path


def atomic_write(path, write):
    """Call write(temporary_path), then rename onto path: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
