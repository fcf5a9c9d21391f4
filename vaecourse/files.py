"""Writing files so that nothing saved is ever half-written.

Checkpoints, exported models with their cards, and the parsed MNIST subset
are all written through :func:`atomic_write`: a run interrupted mid-write (a
Ctrl-C, a full disk, a lost Colab runtime) leaves the previous file intact.
"""

import json
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


def save_with_card(model, path, card):
    """Write ``model`` to ``path`` and ``card`` beside it as JSON (same name, ``.json``), each atomically."""
    atomic_write(path, model.save)
    atomic_write(Path(path).with_suffix(".json"), lambda p: Path(p).write_text(json.dumps(card, indent=1) + "\n"))
