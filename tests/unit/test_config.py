"""Configuration: development defaults, production refusals, generated instance secrets."""

from __future__ import annotations

import stat

import pytest

from webview import ConfigError, create_app
from webview.config import load_config

PRODUCTION_DATABASE_URL = "postgresql+psycopg://webview@db.example/webview"  # never connected to here


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
            "DATABASE_URL": PRODUCTION_DATABASE_URL,
            "SECRET_KEY": "s" * 40,
            "MASTER_KEY": "m" * 40,
            "PUBLIC_BASE_URL": "https://shop.example",
        }
    )
    assert app.config["SANDBOX_ENABLED"] is False
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("database_url", ["sqlite:///{tmp}/x.db", None])
def test_production_refuses_sqlite(tmp_path, monkeypatch, database_url):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = {"APP_ENV": "production", "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "s" * 40,
              "MASTER_KEY": "m" * 40, "PUBLIC_BASE_URL": "https://shop.example"}
    if database_url is not None:  # None: the embedded default under instance/
        config["DATABASE_URL"] = database_url.format(tmp=tmp_path)
    with pytest.raises(ConfigError, match="SQLite"):
        create_app(config)


def test_tunables_come_from_the_environment_and_bad_ones_fail_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("HOLD_MINUTES_FLIGHT", "25")
    monkeypatch.setenv("PARTNER_READ_TIMEOUT", "2.5")
    config = load_config(tmp_path)
    assert config["HOLD_MINUTES_FLIGHT"] == 25 and config["PARTNER_READ_TIMEOUT"] == 2.5
    assert "HOLD_MINUTES_HOTEL" not in config
    monkeypatch.setenv("HOLD_MINUTES_FLIGHT", "twenty")
    with pytest.raises(ConfigError, match="HOLD_MINUTES_FLIGHT must be a number"):
        load_config(tmp_path)
    monkeypatch.setenv("HOLD_MINUTES_FLIGHT", "-1")
    with pytest.raises(ConfigError, match="must not be negative"):
        load_config(tmp_path)
