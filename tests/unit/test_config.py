"""Configuration: development defaults, production refusals, generated instance secrets."""

from __future__ import annotations

import stat

import pytest

from webview import ConfigError, create_app


def test_healthz_pings_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "up"}


def test_development_generates_private_instance_secrets(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("MASTER_KEY", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    for name in ("secret_key", "master_key"):
        path = tmp_path / name
        assert path.exists()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["MASTER_KEY"] == again.config["MASTER_KEY"]
    assert len(app.config["SECRET_KEY"]) >= 43


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": "", "MASTER_KEY": "m"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "s", "MASTER_KEY": ""}, "MASTER_KEY must be set"),
        ({"SANDBOX_ENABLED": "1"}, "SANDBOX_ENABLED must be off"),
        ({"PUBLIC_BASE_URL": "http://shop.example"}, "https"),
        ({"SANDBOX_ENABLED": "maybe"}, "SANDBOX_ENABLED must be one of"),
        ({"APP_ENV": "staging"}, "APP_ENV must be"),
    ],
)
def test_production_refuses_unsafe_settings(tmp_path, monkeypatch, overrides, message):
    for name in ("SECRET_KEY", "MASTER_KEY", "SANDBOX_ENABLED", "PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    config = {
        "APP_ENV": "production",
        "INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        "SECRET_KEY": "s",
        "MASTER_KEY": "m",
        "PUBLIC_BASE_URL": "https://shop.example",
        **overrides,
    }
    with pytest.raises(ConfigError, match=message):
        create_app(config)


def test_production_with_safe_settings_starts(tmp_path):
    app = create_app(
        {
            "APP_ENV": "production",
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            "SECRET_KEY": "s" * 40,
            "MASTER_KEY": "m" * 40,
            "PUBLIC_BASE_URL": "https://shop.example",
        }
    )
    assert app.config["SANDBOX_ENABLED"] is False
    assert app.config["SESSION_COOKIE_SECURE"] is True
