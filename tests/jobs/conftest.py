"""Fixtures of the jobs tests: the effect table and a clean call record."""

from __future__ import annotations

import pytest

from tests.jobs import handlers


@pytest.fixture
def effects(app):
    """The test effect table, empty; dropped afterwards."""
    handlers.create_effect_table()
    handlers.CALLS.clear()
    handlers.HEALED.clear()
    yield
    from webview.extensions import db

    db.session.rollback()
    handlers.drop_effect_table()
