"""Configuration from the environment, with generated development secrets under instance/."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message is one line for the operator."""


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def parse_bool(name: str, value: str | bool | None, default: bool) -> bool:
    """Read an on/off setting; anything else is a configuration error."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be one of 1/0, true/false, yes/no, on/off (got {value!r})")


def write_private_file(path: Path, text: str) -> None:
    """Create a file readable by the owner only (mode 0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def instance_secret(instance_path: Path, name: str) -> str:
    """Return a generated secret kept in instance/<name>, creating it on first use."""
    path = instance_path / name
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    value = secrets.token_urlsafe(48)
    write_private_file(path, value + "\n")
    return value


# Optional numeric settings read from the environment when present (see the README's configuration table).
TUNABLES: dict[str, type] = {
    "HOLD_MINUTES_FLIGHT": int,
    "HOLD_MINUTES_HOTEL": int,
    "HOLD_MINUTES_VIP": int,
    "CATALOG_SEED_DAYS": int,
    "PARTNER_CONNECT_TIMEOUT": float,
    "PARTNER_READ_TIMEOUT": float,
    "PARTNER_RETRIES": int,
    "PARTNER_BACKOFF_SECONDS": float,
    "PAYMENT_SYNC_MIN_INTERVAL_SECONDS": float,
    "JOBS_LEASE_SECONDS": float,
}


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the Flask config mapping from the environment and optional overrides."""
    overrides = dict(overrides or {})
    env = {**os.environ, **{k: v for k, v in overrides.items() if isinstance(v, str)}}

    def setting(name: str, default=None):
        return overrides.get(name, env.get(name, default))

    app_env = str(setting("APP_ENV", "development")).strip().lower()
    if app_env not in {"development", "production"}:
        raise ConfigError(f"APP_ENV must be 'development' or 'production' (got {app_env!r})")
    production = app_env == "production"

    config: dict = {
        "APP_ENV": app_env,
        "PUBLIC_BASE_URL": str(setting("PUBLIC_BASE_URL", "http://127.0.0.1:5000")).rstrip("/"),
        "SANDBOX_ENABLED": parse_bool("SANDBOX_ENABLED", setting("SANDBOX_ENABLED"), not production),
        "SANDBOX_TOKEN": setting("SANDBOX_TOKEN") or None,
        "MAIL_URL": setting("MAIL_URL") or None,
        "MAIL_FROM": setting("MAIL_FROM", "webview <no-reply@webview.local>"),
        "RATELIMIT_STORAGE_URI": setting("RATELIMIT_STORAGE_URI", "memory://"),
        "LAUNCH_TOKEN_TTL_SECONDS": int(setting("LAUNCH_TOKEN_TTL_SECONDS", 300)),
        "SESSION_TTL_SECONDS": int(setting("SESSION_TTL_SECONDS", 3600)),
        "SIGNATURE_WINDOW_SECONDS": 300,
        "SECRET_ROTATION_GRACE_SECONDS": int(setting("SECRET_ROTATION_GRACE_SECONDS", 7 * 24 * 3600)),
        "MESSAGE_LOG_RETENTION_DAYS": int(setting("MESSAGE_LOG_RETENTION_DAYS", 90)),
        "MAX_CONTENT_LENGTH": int(setting("MAX_CONTENT_LENGTH", 64 * 1024)),
        "JOBS_EMBEDDED_WORKER": parse_bool("JOBS_EMBEDDED_WORKER", setting("JOBS_EMBEDDED_WORKER"), False),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }

    database_url = setting("DATABASE_URL") or f"sqlite:///{instance_path / 'webview.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    config["SQLALCHEMY_DATABASE_URI"] = database_url

    base = urlsplit(config["PUBLIC_BASE_URL"])
    if base.scheme not in {"http", "https"} or not base.hostname:
        raise ConfigError(f"PUBLIC_BASE_URL must be an absolute http(s) URL (got {base.geturl()!r})")
    config["SESSION_COOKIE_SECURE"] = base.scheme == "https"
    config["PREFERRED_URL_SCHEME"] = base.scheme

    for name in ("SECRET_KEY", "MASTER_KEY"):
        value = setting(name)
        if not value:
            if production:
                raise ConfigError(f"{name} must be set in production")
            value = instance_secret(instance_path, name.lower())
        config[name] = value

    if production:
        if config["SANDBOX_ENABLED"]:
            raise ConfigError("SANDBOX_ENABLED must be off in production")
        if base.scheme != "https":
            raise ConfigError("PUBLIC_BASE_URL must use https in production")
        if database_url.startswith("sqlite"):  # no row locks across processes: refunds and IPNs need PostgreSQL
            raise ConfigError("DATABASE_URL must be PostgreSQL in production (SQLite is for development)")

    for name, kind in TUNABLES.items():  # optional tunables: only set when given, the code keeps its defaults
        raw = setting(name)
        if raw is None or raw == "":
            continue
        try:
            value = kind(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be a number (got {raw!r})") from None
        if value < 0:
            raise ConfigError(f"{name} must not be negative (got {raw!r})")
        config[name] = value

    for key, value in overrides.items():  # anything not read above passes through unchanged
        if key not in config and key not in {"DATABASE_URL", "INSTANCE_PATH"}:
            config[key] = value
    return config


def guard_switched_off(flag: str) -> bool:
    """Whether a TESTING_DISABLE_* switch turns one guard off for the sandbox's guard-off tests (docs/sandbox.md).

    Honoured only in a TESTING app outside production: anywhere else the guard always runs.
    """
    from flask import current_app

    config = current_app.config
    return bool(config.get(flag)) and bool(config.get("TESTING")) and config.get("APP_ENV") == "development"
