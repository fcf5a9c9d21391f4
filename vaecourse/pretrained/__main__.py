"""python -m vaecourse.pretrained [NAME ...]: re-create the shipped models (all of them by default)."""

import sys

from . import NAMES, remake

unknown = [name for name in sys.argv[1:] if name not in NAMES]
if unknown:
    sys.exit(f"unknown pretrained model(s) {', '.join(unknown)}; available: {', '.join(NAMES)}")
remake(sys.argv[1:] or NAMES)
