"""Catalog fixtures: a small generated catalog starting tomorrow (GMT+7)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.booking.conftest import count_queries  # noqa: F401  (shared fixture)
from webview.catalog.generator import generate_catalog, local_today

SEED = "catalog-tests"


@pytest.fixture
def catalog(app):
    """Three days of catalog from tomorrow; returns the GenerationResult."""
    return generate_catalog(3, start=local_today() + timedelta(days=1), seed=SEED)
