"""python -m vaecourse.pretrained [NAME ...]: re-create the shipped models and the judge (all by default)."""

import sys

from . import NAMES, remake

unknown = [name for name in sys.argv[1:] if name not in (*NAMES, "judge")]
if unknown:
    sys.exit(f"unknown pretrained model(s) {', '.join(unknown)}; available: {', '.join(NAMES)}, judge")
remake(sys.argv[1:] or (*NAMES, "judge"))
