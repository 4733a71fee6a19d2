"""Fixtures of the rollup tests."""

import pytest

from tests.reports.rollups.helpers import BUILDERS, use_builder


@pytest.fixture(params=BUILDERS)
def builder(request, monkeypatch):
    """Each rebuild path in turn (helpers.use_builder): the tests that take it hold both to the same oracle."""
    return use_builder(monkeypatch, request.param)
