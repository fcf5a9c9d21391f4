"""Tools for the people who maintain the course: re-run notebooks, build test data, drive browsers.

Shared by the tests (tests/) and the benchmarks (bench/); none of it is part of the vaecourse package.
"""
