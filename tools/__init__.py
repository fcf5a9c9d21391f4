"""Commands for the people who maintain the course: re-run notebooks, build test data, the site, the lock.

None of it is part of the vaecourse package. The tests' own helpers live in tests/.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
