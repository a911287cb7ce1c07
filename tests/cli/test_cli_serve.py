"""`flask serve`: the embedded development server, refused under APP_ENV=production (issue 9 finding 19)."""

from __future__ import annotations

import pytest

from webview import create_app

GUNICORN = "gunicorn -w 4 -k gthread --threads 4 'wsgi:app'"


@pytest.fixture
def production_app(tmp_path):
    """A production configuration (its PostgreSQL URL is never connected to: serve must stop first)."""
    return create_app({
        "APP_ENV": "production", "INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": "postgresql+psycopg://webview@db.example/webview",
        "SECRET_KEY": "Wq3v8Zr1Kx0Lb5Nd7Tf2Yh4Jm6Pc9Sg1Ae3Ri5Uo7Ik",
        "MASTER_KEY": "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a1c3e5b7d9f0a2c4e6b8d0f",
        "PUBLIC_BASE_URL": "https://shop.example",
    })


def test_production_refuses_the_development_server_and_names_gunicorn(production_app, monkeypatch):
    started = []
    monkeypatch.setattr("webview.core.cli.run_simple", lambda *args, **kwargs: started.append(args))
    result = production_app.test_cli_runner().invoke(args=["serve", "--port", "5999"])
    assert result.exit_code == 2
    assert started == []
    (line,) = result.stderr.strip().splitlines()
    assert "production" in line and GUNICORN in line


def test_development_serves(app, monkeypatch):
    started = []
    monkeypatch.setattr("webview.core.cli.run_simple", lambda *args, **kwargs: started.append(args))
    app.extensions.pop("webview.start_embedded_worker", None)  # no worker thread in this test
    result = app.test_cli_runner().invoke(args=["serve", "--port", "5999"])
    assert result.exit_code == 0, result.output
    assert started and started[0][:2] == ("127.0.0.1", 5999)
