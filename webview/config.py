"""Configuration from the environment, with generated development secrets under instance/."""

from __future__ import annotations

import math
import os
import re
import secrets
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url


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


# Production secrets need MIN_SECRET_BITS of entropy, estimated from the text (README "Configuration"): hex
# digits count 4 bits each, base64/base64url text 6 bits a character, anything else length x log2(the size of the
# character classes it uses); fewer than MIN_DISTINCT_CHARACTERS different characters is refused outright.
MIN_SECRET_BITS = 256
MIN_DISTINCT_CHARACTERS = 12
HEX_TEXT = re.compile(r"(?:[0-9a-f]{2})+|(?:[0-9A-F]{2})+")
BASE64_TEXT = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
CHARACTER_CLASSES = ((string.digits, 10), (string.ascii_lowercase, 26), (string.ascii_uppercase, 26))
OTHER_CHARACTERS = 33  # printable ASCII punctuation and space


def secret_entropy_bits(value: str) -> float:
    """A length and character-class estimate of a secret's entropy, in bits (0 when it repeats few characters)."""
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return 0.0
    if HEX_TEXT.fullmatch(value):
        return 4.0 * len(value)
    if BASE64_TEXT.fullmatch(value):
        return 6.0 * len(value.rstrip("="))
    pool = sum(size for chars, size in CHARACTER_CLASSES if any(c in chars for c in value))
    if any(not c.isascii() or not c.isalnum() for c in value):
        pool += OTHER_CHARACTERS
    return len(value) * math.log2(pool)


def check_secret_strength(name: str, value: str) -> None:
    """ConfigError (one line, never the value) unless a production secret carries MIN_SECRET_BITS of entropy."""
    bits = secret_entropy_bits(value)
    if bits < MIN_SECRET_BITS:
        raise ConfigError(
            f"{name} is too weak for production (about {bits:.0f} bits): use at least 32 bytes (256 bits) of "
            f"entropy, e.g. the output of: python -c 'import secrets; print(secrets.token_urlsafe(32))'")


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


Kind = type[str] | type[int] | type[float] | type[bool] | type[list]
KIND_NAMES = {str: "text", int: "integer", float: "number", bool: "on/off", list: "list"}


@dataclass(frozen=True)
class Setting:
    """One configuration variable: read from the environment; a `create_app(config)` mapping overrides it.

    `default` None means unset (or computed in load_config, described by `shown`); numbers are refused below
    `minimum`; `secret` values are never printed. README's configuration table is `flask settings`' output.
    """

    name: str
    kind: Kind
    default: Any
    doc: str
    secret: bool = False
    minimum: float | None = None
    choices: tuple[str, ...] = ()
    shown: str | None = None  # README's default cell when the default is computed or unset
    sample: str | None = None  # a value the settings test sets in the environment (generic by kind otherwise)

    @property
    def shown_default(self) -> str:
        """The default as README's table shows it."""
        if self.shown is not None:
            return self.shown
        if self.kind is bool:
            return "on" if self.default else "off"
        if self.kind is float:
            return f"`{self.default:g}`"
        return f"`{self.default}`"

    @property
    def example(self) -> tuple[str, Any]:
        """(raw environment value, the value load_config makes of it) for the settings test."""
        if self.sample is not None:
            raw = self.sample
        elif self.kind is bool:
            raw = "0" if self.default else "1"
        elif self.kind is int:
            raw = str(max(int(self.minimum or 0), self.default or 0) + 7)
        elif self.kind is float:
            raw = str(float(self.default or 0) + 1.5)
        elif self.kind is list:
            raw = "first.module, second.module"
        else:
            raw = f"{self.name.lower()}-from-env"
        return raw, parse_setting(self, raw)

    def table_row(self) -> str:
        """This setting's row in README's configuration table."""
        kind = KIND_NAMES[self.kind] + (", secret" if self.secret else "")
        return f"| `{self.name}` | {kind} | {self.shown_default} | {self.doc} |"


# The settings table: every variable the application reads. Adding one is one line here (then `flask settings`
# prints README's table); code reads it as current_app.config[NAME].
SETTINGS: tuple[Setting, ...] = (
    Setting("APP_ENV", str, "development", "`development` or `production`. Production refuses to start with "
            "`SANDBOX_ENABLED`, weak or missing `SECRET_KEY`/`MASTER_KEY` (see below), SQLite, or without https in "
            "`PUBLIC_BASE_URL`.", choices=("development", "production"),
            sample="development"),
    Setting("DATABASE_URL", str, None, "e.g. `postgresql+psycopg://user@host:5432/db` (`postgres://` and "
            "`postgresql://` are accepted too). PostgreSQL in production.", secret=True,
            shown="SQLite file `instance/webview.db`", sample="postgresql+psycopg://webview@db.example/webview"),
    Setting("SECRET_KEY", str, None, "signs the session cookie and result links; production: 32 bytes of entropy "
            "or more.", secret=True, shown="generated into `instance/secret_key` (development)"),
    Setting("MASTER_KEY", str, None, "encrypts secrets at rest (client secrets, private keys); production: 32 "
            "bytes of entropy or more. Keep it safe: without it they cannot be read.", secret=True,
            shown="generated into `instance/master_key` (development)"),
    Setting("PUBLIC_BASE_URL", str, "http://127.0.0.1:5000", "the address partners and users reach; used in "
            "`url_open`, the result URL and IPN URLs.", sample="https://shop.example"),
    Setting("PARTNER_ENVIRONMENTS", list, (), "the partner environments this deployment serves (their "
            "credentials, sessions and result links work; others are unknown to it): a sandbox deployment sets "
            "`sandbox`; production serves `production` only and refuses to start with anything else.",
            choices=("sandbox", "production"), shown="`production` in production, `sandbox,production` in "
            "development", sample="sandbox"),
    Setting("SANDBOX_ENABLED", bool, None, "registers `/sandbox/*`.", shown="on in development, off in production",
            sample="0"),
    Setting("SANDBOX_TOKEN", str, None, "when set, every operator and QA page and the test API under `/sandbox` "
            "require it, from any address (docs/sandbox.md).", secret=True, shown="unset"),
    Setting("MAIL_URL", str, None, "`smtp://user:pass@host:587?starttls=1` or `smtps://…`.", secret=True,
            shown="unset (mail goes to the sandbox catcher)", sample="smtp://mail.example:25"),
    Setting("MAIL_FROM", str, "webview <no-reply@webview.local>", "sender of customer emails."),
    Setting("MERCHANT_NAME", str, "webview", "the seller's name shown to customers where they commit to buy.",
            sample="Shop Travel"),
    Setting("SUPPORT_EMAIL", str, None, "the merchant's support address, shown in customer emails and on the "
            "order screens of a partner that registered no support contact (`partners create --support-email`).",
            shown="the address of `MAIL_FROM`", sample="help@shop.example"),
    Setting("RATELIMIT_STORAGE_URI", str, "memory://", "`redis://127.0.0.1:6379/0` when several nodes serve.",
            secret=True, sample="redis://127.0.0.1:6379/0"),
    Setting("API_RATE_LIMIT", str, "120/minute", "partner API calls per partner credential.", sample="7/minute"),
    Setting("API_ADDRESS_RATE_LIMIT", str, "600/minute", "partner API calls per client address, counted before "
            "any credential is checked.", sample="9/minute"),
    Setting("ORDER_STATUS_RATE_LIMIT", str, "60/minute", "order status polls of the result screen.",
            sample="9/minute"),
    Setting("LAUNCH_TOKEN_TTL_SECONDS", int, 300, "lifetime of the single-use token in `url_open`.", minimum=1),
    Setting("SESSION_TTL_SECONDS", int, 3600, "lifetime of a webview session.", minimum=1),
    Setting("SECRET_ROTATION_GRACE_SECONDS", int, 7 * 24 * 3600, "how long the previous client secret keeps "
            "verifying after a rotation.", minimum=0),
    Setting("MESSAGE_LOG_RETENTION_DAYS", int, 90, "partner message log retention.", minimum=1),
    Setting("MAX_CONTENT_LENGTH", int, 64 * 1024, "request size limit in bytes (413 above it).", minimum=1024),
    Setting("HOLD_MINUTES_FLIGHT", int, 20, "how long a held flight booking waits for payment.", minimum=0),
    Setting("HOLD_MINUTES_HOTEL", int, 30, "how long a held hotel booking waits for payment.", minimum=0),
    Setting("HOLD_MINUTES_VIP", int, 15, "how long a held VIP plan booking waits for payment.", minimum=0),
    Setting("CATALOG_SEED_DAYS", int, 60, "days of demo catalog the seed generates.", minimum=1),
    Setting("PARTNER_CONNECT_TIMEOUT", float, 3.05, "connect timeout of our calls to partner APIs, seconds.",
            minimum=0),
    Setting("PARTNER_READ_TIMEOUT", float, 10.0, "read timeout of our calls to partner APIs, seconds.", minimum=0),
    Setting("PARTNER_RETRIES", int, 2, "extra tries of a partner call (same idempotency key).", minimum=0),
    Setting("PARTNER_BACKOFF_SECONDS", float, 0.25, "first pause between partner call tries (then doubled).",
            minimum=0),
    Setting("PAYMENT_SYNC_MIN_INTERVAL_SECONDS", float, 10.0, "least time between two queries of a partner about "
            "one pending payment.", minimum=0),
    Setting("RESULT_SYNC_AFTER_SECONDS", float, 5.0, "how long the result screen waits before asking the partner "
            "about a pending payment.", minimum=0),
    Setting("RESULT_SYNC_TIMEOUT_SECONDS", float, 3.0, "the result screen's one try at the partner about a pending "
            "payment, connect and read together, no retry (the poller keeps the PARTNER_* budget).", minimum=0.1),
    Setting("RESULT_REFRESH_SECONDS", int, 5, "refresh period of the result screen while a payment is pending.",
            minimum=1),
    Setting("BRIDGE_TIMEOUT_MS", int, 4000, "how long the handoff screen waits for the host's bridge before "
            "showing its button.", minimum=0),
    Setting("JOBS_EMBEDDED_WORKER", bool, False, "run the jobs worker in a thread of the web process "
            "(`flask serve` turns it on)."),
    Setting("JOBS_LEASE_SECONDS", float, 60.0, "how long a worker holds a job before another may take it over.",
            minimum=0.01),
    Setting("JOBS_POLL_SECONDS", float, 1.0, "how often an idle worker looks for due jobs.", minimum=0.01),
    Setting("JOBS_BACKOFF_BASE_SECONDS", float, 2.0, "first pause before a failed job is retried (then doubled).",
            minimum=0.01),
    Setting("JOBS_BACKOFF_CAP_SECONDS", float, 600.0, "longest pause between two tries of a job.", minimum=0.01),
    Setting("JOBS_RETENTION_DAYS", float, 30.0, "how long finished jobs are kept.", minimum=0.01),
    Setting("JOBS_EXTRA_MODULES", list, (), "comma-separated modules with more job handlers, imported at start.",
            shown="none"),
    Setting("DEMO_SUPPLIER_SLOW_SECONDS", float, 5.0, "delay of the `slow-issue@` demo supplier value.", minimum=0),
    Setting("GUNICORN_BIND", str, "127.0.0.1:8000", "where gunicorn (`gunicorn.conf.py`) listens; `--bind` "
            "overrides it."),
    Setting("GUNICORN_WORKERS", int, None, "gunicorn worker processes.", minimum=1,
            shown="2 × CPU cores + 1, at most 8"),
    Setting("GUNICORN_THREADS", int, 4, "threads of each gunicorn (gthread) worker.", minimum=1),
    Setting("GUNICORN_TIMEOUT", int, 30, "seconds a gunicorn worker may stay silent before it is killed and "
            "replaced.", minimum=1),
    Setting("GUNICORN_GRACEFUL_TIMEOUT", int, 30, "seconds a stopping gunicorn worker has to finish its requests "
            "(SIGTERM).", minimum=1),
    Setting("GUNICORN_KEEPALIVE", int, 5, "seconds gunicorn keeps an idle connection from the proxy open.",
            minimum=0),
    Setting("FORWARDED_ALLOW_IPS", str, "127.0.0.1,::1", "addresses whose X-Forwarded-Proto gunicorn believes "
            "(the proxy's), comma-separated."),
    Setting("PROXY_FIX_X_FOR", int, 0, "trusted proxies in front of the app for X-Forwarded-For (client "
            "addresses: rate limits, logs); 0 = none, 1 behind one proxy.", minimum=0),
    Setting("PROXY_FIX_X_PROTO", int, 0, "trusted proxies for X-Forwarded-Proto (https seen by the app); 0 = none.",
            minimum=0),
    Setting("LOG_FORMAT", str, None, "`json` (one JSON object a line) or `text`.", choices=("json", "text"),
            shown="json in production, text in development", sample="json"),
    Setting("METRICS_TOKEN", str, None, "when set, `/metrics` also answers `Authorization: Bearer <token>` from "
            "any address (it always answers loopback).", secret=True, shown="unset (loopback only)"),
    Setting("PROMETHEUS_MULTIPROC_DIR", str, None, "an empty directory per gunicorn node where its worker "
            "processes keep their metrics (read by prometheus-client at start).", shown="unset (one process)"),
    Setting("INSTANCE_PATH", str, None, "the folder of the SQLite file, generated development secrets and "
            "`demo-partners.json`.", shown="`instance/` of the checkout"),
    Setting("DRAIN_FILE", str, None, "while this file exists `/readyz` answers 503 `draining` (take the node out "
            "of the load balancer, README \"Operating\").", shown="unset"),
    Setting("OPS_EMAIL", str, None, "the merchant's operations address: reconciliation reports go there.",
            shown="unset (reports only to the partner's finance contacts)", sample="ops@shop.example"),
    Setting("RECON_MAX_ROWS_PER_PART", int, 500_000, "most rows in one part of a reconciliation file.", minimum=1),
    Setting("PORTAL_ACTIVATION_HOURS", int, 72, "lifetime of the partner portal's emailed activation and "
            "invitation links (single use).", minimum=1),
    Setting("PORTAL_RESET_MINUTES", int, 60, "lifetime of a portal password-reset link (single use).", minimum=5),
    Setting("PORTAL_REQUIRE_TOTP_FOR_OPERATORS", bool, None, "operators must set up TOTP two-factor sign-in "
            "before using the portal.", shown="on in production, off in development", sample="1"),
    Setting("PORTAL_MAX_FAILED_SIGNINS", int, 5, "wrong passwords or codes in a row before a portal account is "
            "locked for `PORTAL_LOCKOUT_MINUTES`.", minimum=1),
    Setting("PORTAL_LOCKOUT_MINUTES", int, 15, "how long a portal account stays locked after too many failed "
            "sign-ins.", minimum=1),
    Setting("PORTAL_SIGNIN_RATE_LIMIT", str, "10/minute", "portal sign-in attempts per client address.",
            sample="7/minute"),
    Setting("PORTAL_ACCOUNT_SIGNIN_RATE_LIMIT", str, "20/hour", "portal sign-in attempts per account (email), "
            "from any address.", sample="9/hour"),
    Setting("PORTAL_SESSION_IDLE_MINUTES", int, 30, "a portal session ends after this long without a request.",
            minimum=1),
    Setting("PORTAL_SESSION_MAX_HOURS", int, 12, "a portal session ends this long after sign-in, whatever "
            "happens.", minimum=1),
)
SETTINGS_BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}


def parse_setting(setting: Setting, raw: Any) -> Any:
    """The typed value of a setting from its raw text (environment) or value (overrides); ConfigError if bad."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return list(setting.default) if setting.kind is list else setting.default
    name, kind = setting.name, setting.kind
    if kind is bool:
        return parse_bool(name, raw, bool(setting.default))
    if kind is list:
        items = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
            raise ConfigError(f"{name} must be a comma-separated list (got {raw!r})")
        values = [item.strip() for item in items if item.strip()]
        if setting.choices and not all(item.lower() in setting.choices for item in values):
            raise ConfigError(f"{name} must list some of {', '.join(setting.choices)} (got {raw!r})")
        return [item.lower() for item in values] if setting.choices else values
    if kind is str:
        value = str(raw).strip()
        if setting.choices and value.lower() not in setting.choices:
            raise ConfigError(f"{name} must be one of {', '.join(setting.choices)} (got {value!r})")
        return value.lower() if setting.choices else value
    try:
        if isinstance(raw, bool):
            raise ValueError
        value = int(raw) if kind is int else float(raw)
    except (TypeError, ValueError):
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{name} must be {what} (got {raw!r})") from None
    if kind is int and isinstance(raw, float) and raw != value:
        raise ConfigError(f"{name} must be a whole number (got {raw!r})")
    if setting.minimum is not None and value < setting.minimum:
        raise ConfigError(f"{name} must be at least {setting.minimum:g} (got {raw!r})")
    return value


def settings_table() -> str:
    """README's configuration table (markdown), generated from SETTINGS."""
    lines = ["| variable | type | default | meaning |", "|---|---|---|---|"]
    return "\n".join(lines + [setting.table_row() for setting in SETTINGS])


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the Flask config mapping from SETTINGS (environment, then `overrides`) and the fixed settings."""
    overrides = dict(overrides or {})
    config: dict = {
        setting.name: parse_setting(setting, overrides.get(setting.name, os.environ.get(setting.name)))
        for setting in SETTINGS
    }
    production = config["APP_ENV"] == "production"
    config.update({
        "SIGNATURE_WINDOW_SECONDS": 300,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "WTF_CSRF_TIME_LIMIT": None,
        # WTForms ships no Vietnamese catalog and our forms carry their own translated messages: Flask-WTF's
        # per-request catalog lookup (a handful of stat calls each request) would only ever find English.
        "WTF_I18N_ENABLED": False,
        # Templates are compiled once per process and never re-read in production (a deploy restarts); development
        # follows Flask's rule (reload when debugging).
        "TEMPLATES_AUTO_RELOAD": False if production else None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    })
    config["PUBLIC_BASE_URL"] = config["PUBLIC_BASE_URL"].rstrip("/")
    if config["SANDBOX_ENABLED"] is None:
        config["SANDBOX_ENABLED"] = not production
    config["SANDBOX_TOKEN"] = config["SANDBOX_TOKEN"] or None
    served = config["PARTNER_ENVIRONMENTS"] = list(dict.fromkeys(config["PARTNER_ENVIRONMENTS"])) or (
        ["production"] if production else list(SETTINGS_BY_NAME["PARTNER_ENVIRONMENTS"].choices))
    if production and served != ["production"]:  # sandbox credentials never work in production
        raise ConfigError(f"PARTNER_ENVIRONMENTS must be production in production (got {','.join(served)!r})")
    if config["PORTAL_REQUIRE_TOTP_FOR_OPERATORS"] is None:
        config["PORTAL_REQUIRE_TOTP_FOR_OPERATORS"] = production
    elif production and not config["PORTAL_REQUIRE_TOTP_FOR_OPERATORS"]:
        raise ConfigError("PORTAL_REQUIRE_TOTP_FOR_OPERATORS cannot be turned off in production")

    database_url = config["DATABASE_URL"] or f"sqlite:///{instance_path / 'webview.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    config["DATABASE_URL"] = config["SQLALCHEMY_DATABASE_URI"] = database_url

    base = urlsplit(config["PUBLIC_BASE_URL"])
    if base.scheme not in {"http", "https"} or not base.hostname:
        raise ConfigError(f"PUBLIC_BASE_URL must be an absolute http(s) URL (got {base.geturl()!r})")
    config["SESSION_COOKIE_SECURE"] = base.scheme == "https"
    config["PREFERRED_URL_SCHEME"] = base.scheme

    for name in ("SECRET_KEY", "MASTER_KEY"):
        if not config[name]:
            if production:
                raise ConfigError(f"{name} must be set in production")
            config[name] = instance_secret(instance_path, name.lower())
        elif production:
            check_secret_strength(name, config[name])
    if production and config["SECRET_KEY"] == config["MASTER_KEY"]:
        raise ConfigError("SECRET_KEY and MASTER_KEY must differ in production")

    if production:
        if config["SANDBOX_ENABLED"]:
            raise ConfigError("SANDBOX_ENABLED must be off in production")
        if base.scheme != "https":
            raise ConfigError("PUBLIC_BASE_URL must use https in production")
        if database_url.startswith("sqlite"):  # no row locks across processes: refunds and IPNs need PostgreSQL
            raise ConfigError("DATABASE_URL must be PostgreSQL in production (SQLite is for development)")

    for key, value in overrides.items():  # anything not read above passes through unchanged
        if key not in config and key != "INSTANCE_PATH":
            config[key] = value
    make_sqlite_file_private(database_url, instance_path)
    return config


def make_sqlite_file_private(database_url: str, instance_path: Path) -> None:
    """Create a SQLite database file owner-only (0600) before SQLite creates it under the umask (0644), and
    tighten the one under instance/ if it exists (README: instance/ files are 0600). SQLite gives its journal and
    WAL files the database file's mode. In-memory and URI databases are left alone."""
    if not database_url.startswith("sqlite"):
        return
    name = make_url(database_url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    if not path.exists():
        if path.parent.is_dir():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            os.chmod(path, 0o600)
    elif path.resolve().parent == instance_path.resolve() and path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)


def guard_switched_off(flag: str) -> bool:
    """Whether a TESTING_DISABLE_* switch turns one guard off for the sandbox's guard-off tests (docs/sandbox.md).

    Honoured only in a TESTING app outside production: anywhere else the guard always runs.
    """
    from flask import current_app

    config = current_app.config
    return bool(config.get(flag)) and bool(config.get("TESTING")) and config.get("APP_ENV") == "development"
