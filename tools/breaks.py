"""Break each notebook's taught code once and see which of its claims catch it.

    python -m tools.breaks [NOTEBOOK ...]

For each notebook (default: all twelve), the ``BREAK`` of its claims module
(tests/claims/: a log-variance used as a log std, a KL term left out, ...) is
made in a copy of the notebook, which runs on the subset in a fresh kernel;
then each claim of the notebook is evaluated on that run. The command fails
when some break is caught by no claim: the claims would not notice the lesson
teaching it wrong. The runs go to test-artifacts/breaks/, apart from the
notebooks' own. About as long as ``tools.notebooks measure`` (20 minutes for all).
"""

import argparse
import sys
from pathlib import Path

import pytest
from nbclient.exceptions import CellExecutionError

from tests.claims import Values, claims_in, claims_module, exports_of
from tools.notebooks import ARTIFACTS, course_notebooks, execute

BROKEN_RUNS = ARTIFACTS / "breaks"


def caught_by(name, run):
    """{claim: why it failed} for each claim of notebook ``name`` that fails on ``run``."""
    values, failed = Values(run), {}
    for test_name, claim, _, _ in claims_in(claims_module(name)):
        try:
            claim(values)
        except (Exception, pytest.fail.Exception) as error:  # pytest.fail's exception is not an Exception
            failed[test_name] = (str(error).strip().splitlines() or [type(error).__name__])[0][:150]
    return failed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.breaks", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    uncaught = []
    for path in args.notebooks or course_notebooks():
        name = Path(path).stem
        broken = claims_module(name).BREAK
        print(f"{name}: {broken.what}", flush=True)
        try:
            run = execute(path, "subset", exports=exports_of(name), edit=broken.apply, runs=BROKEN_RUNS)
        except CellExecutionError as error:  # a break that crashes tests the code, not the claims
            print(f"   the notebook stopped with an error, so no claim was asked: {error.ename}", flush=True)
            uncaught.append(name)
            continue
        failed = caught_by(name, run)
        for test_name, why in failed.items():
            print(f"   caught by {test_name}: {why}", flush=True)
        if not failed:
            print("   caught by no claim", flush=True)
            uncaught.append(name)
    return 1 if uncaught else 0


if __name__ == "__main__":
    sys.exit(main())
