"""Each claim runs once per MNIST path, over the values of that path's run of its notebook."""

import pytest

from tests.claims import values_of


@pytest.fixture(params=["subset", "full"])
def values(request):
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    return values_of(name, request.param)
