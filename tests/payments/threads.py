"""Running work in parallel threads against the real app: each thread has its own app context and session."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from webview.extensions import db

IS_POSTGRES = (os.environ.get("DATABASE_URL") or "").startswith("postgres")
postgres_only = pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)")


def in_threads(app: Flask, count: int, work: Callable[[int], Any]) -> list:
    """Run work(index) in `count` threads released at once, each in its own app context; returns the results.

    An exception raised by `work` is returned in its slot, so the test sees it.
    """
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[index] = work(index)
            except Exception as error:  # reported to the test
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
