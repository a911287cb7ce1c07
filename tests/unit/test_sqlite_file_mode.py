"""Issue 11 point 5(d): README says the files under instance/ are 0600; the SQLite database is one of them."""

from __future__ import annotations

import os
import stat

from sqlalchemy import text

from webview import create_app
from webview.extensions import db


def test_the_default_sqlite_database_is_created_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    old = os.umask(0o022)  # the usual umask, under which SQLite would create 0644
    try:
        app = create_app({"INSTANCE_PATH": str(tmp_path)})
        with app.app_context():
            db.session.execute(text("CREATE TABLE IF NOT EXISTS probe (id INTEGER)"))
            db.session.commit()
    finally:
        os.umask(old)
    path = tmp_path / "webview.db"
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_existing_instance_database_is_made_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    path = tmp_path / "webview.db"
    path.write_bytes(b"")
    path.chmod(0o644)
    create_app({"INSTANCE_PATH": str(tmp_path)})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_named_sqlite_file_is_created_owner_only(tmp_path):
    path = tmp_path / "elsewhere" / "x.db"
    path.parent.mkdir()
    create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": f"sqlite:///{path}"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
