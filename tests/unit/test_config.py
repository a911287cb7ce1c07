"""Configuration: development defaults, production refusals, generated instance secrets."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from webview import ConfigError, create_app
from webview.config import load_config

README = Path(__file__).resolve().parents[2] / "README.md"
PRODUCTION_DATABASE_URL = "postgresql+psycopg://webview@db.example/webview"  # never connected to here
STRONG_SECRET = "Wq3v8Zr1Kx0Lb5Nd7Tf2Yh4Jm6Pc9Sg1Ae3Ri5Uo7Ik"  # 44 characters from 62: about 262 bits
STRONG_MASTER = "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a1c3e5b7d9f0a2c4e6b8d0f"  # 32 bytes in hex


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
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"MASTER_KEY": ""}, "MASTER_KEY must be set"),
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
        "SECRET_KEY": STRONG_SECRET,
        "MASTER_KEY": STRONG_MASTER,
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
            "SECRET_KEY": STRONG_SECRET,
            "MASTER_KEY": STRONG_MASTER,
            "PUBLIC_BASE_URL": "https://shop.example",
        }
    )
    assert app.config["SANDBOX_ENABLED"] is False
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("database_url", ["sqlite:///{tmp}/x.db", None])
def test_production_refuses_sqlite(tmp_path, monkeypatch, database_url):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = {"APP_ENV": "production", "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": STRONG_SECRET,
              "MASTER_KEY": STRONG_MASTER, "PUBLIC_BASE_URL": "https://shop.example"}
    if database_url is not None:  # None: the embedded default under instance/
        config["DATABASE_URL"] = database_url.format(tmp=tmp_path)
    with pytest.raises(ConfigError, match="SQLite"):
        create_app(config)


def test_tunables_come_from_the_environment_and_bad_ones_fail_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("HOLD_MINUTES_FLIGHT", "25")
    monkeypatch.setenv("PARTNER_READ_TIMEOUT", "2.5")
    monkeypatch.delenv("HOLD_MINUTES_HOTEL", raising=False)
    config = load_config(tmp_path)
    assert config["HOLD_MINUTES_FLIGHT"] == 25 and config["PARTNER_READ_TIMEOUT"] == 2.5
    assert config["HOLD_MINUTES_HOTEL"] == 30  # the settings table's default
    monkeypatch.setenv("HOLD_MINUTES_FLIGHT", "twenty")
    with pytest.raises(ConfigError, match="HOLD_MINUTES_FLIGHT must be a whole number"):
        load_config(tmp_path)
    monkeypatch.setenv("HOLD_MINUTES_FLIGHT", "-1")
    with pytest.raises(ConfigError, match="must be at least 0"):
        load_config(tmp_path)


# --- production secrets (issue 9 finding 7) -------------------------------------------------------------------

WEAK_SECRETS = ["x", "y" * 80, "password-password-password-password", "0123456789abcdef" * 3,
                "abcdefghijklmnopabcdefghijklmnop", "Tr0ub4dor&3-horse"]


def production_config(tmp_path, **overrides) -> dict:
    """A complete production configuration (PostgreSQL URL never connected to); overrides win."""
    return {"APP_ENV": "production", "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": PRODUCTION_DATABASE_URL,
            "SECRET_KEY": STRONG_SECRET, "MASTER_KEY": STRONG_MASTER, "PUBLIC_BASE_URL": "https://shop.example",
            **overrides}


@pytest.mark.parametrize("name", ["SECRET_KEY", "MASTER_KEY"])
@pytest.mark.parametrize("weak", WEAK_SECRETS)
def test_production_refuses_weak_secrets_in_one_line(tmp_path, name, weak):
    with pytest.raises(ConfigError) as refused:
        load_config(tmp_path, production_config(tmp_path, **{name: weak}))
    message = str(refused.value)
    assert message.startswith(f"{name} is too weak for production") and "32 bytes" in message
    assert "\n" not in message and weak not in message  # one line, and the secret is never echoed


@pytest.mark.parametrize("strong", [
    STRONG_SECRET,
    STRONG_MASTER,  # 64 hex digits
    "q0Z_x9-VbT4kLmN2rS8wYc6JdH1fGp3e5aUi7oKj0Rw",  # secrets.token_urlsafe(32)
    "3q2+7wAAAAC0DkQ5P2x8Vb1Yq9Zr3Ls6Nt0Wu4Xc8Ye=",  # standard base64 of 32 bytes
    "correct horse battery staple: 7 tigers jump over 9 lazy foxes at dawn",
])
def test_production_accepts_secrets_of_32_bytes_or_more(tmp_path, strong):
    other = STRONG_SECRET if strong == STRONG_MASTER else STRONG_MASTER
    config = load_config(tmp_path, production_config(tmp_path, SECRET_KEY=strong, MASTER_KEY=other))
    assert config["SECRET_KEY"] == strong


def test_production_refuses_the_same_value_for_both_secrets(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY and MASTER_KEY must differ"):
        load_config(tmp_path, production_config(tmp_path, MASTER_KEY=STRONG_SECRET))


def test_development_keeps_short_secrets(tmp_path):
    config = load_config(tmp_path, {"SECRET_KEY": "dev", "MASTER_KEY": "dev-master"})
    assert config["SECRET_KEY"] == "dev"


# --- one typed settings table (finding 18) ---------------------------------------------------------------------

def test_api_rate_limit_is_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("API_RATE_LIMIT", "7/minute")
    assert load_config(tmp_path)["API_RATE_LIMIT"] == "7/minute"
    assert load_config(tmp_path, {"API_RATE_LIMIT": "9/minute"})["API_RATE_LIMIT"] == "9/minute"  # overrides win


def test_every_setting_is_read_from_the_environment(tmp_path, monkeypatch):
    from webview.config import SETTINGS

    for setting in SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    for setting in SETTINGS:
        raw, expected = setting.example
        monkeypatch.setenv(setting.name, raw)
        config = load_config(tmp_path)
        key = "SQLALCHEMY_DATABASE_URI" if setting.name == "DATABASE_URL" else setting.name
        assert config[key] == expected, setting.name
        monkeypatch.delenv(setting.name)


def test_bad_values_are_one_line_configuration_errors(tmp_path, monkeypatch):
    for name, raw, message in [("LAUNCH_TOKEN_TTL_SECONDS", "soon", "must be a whole number"),
                               ("JOBS_LEASE_SECONDS", "0", "must be at least"),
                               ("JOBS_EMBEDDED_WORKER", "perhaps", "must be one of"),
                               ("APP_ENV", "staging", "APP_ENV must be one of")]:
        monkeypatch.setenv(name, raw)
        with pytest.raises(ConfigError, match=message):
            load_config(tmp_path)
        monkeypatch.delenv(name)


def readme_configuration_table() -> dict[str, str]:
    """{variable: default cell} of the table under README's "## Configuration" heading."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows, header = {}, None
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None and cells[0] == "variable":
            header = cells
        elif header and line.startswith("| `"):
            name = cells[0].strip("`")
            assert name not in rows, f"README lists {name} twice"
            rows[name] = cells[header.index("default")]
    return rows


def test_readme_configuration_table_is_the_settings_table():
    from webview.config import SETTINGS

    assert readme_configuration_table() == {setting.name: setting.shown_default for setting in SETTINGS}


def test_settings_command_prints_the_readme_table(runner):
    from webview.config import SETTINGS

    result = runner.invoke(args=["settings"])
    assert result.exit_code == 0, result.output
    assert [line.split("`")[1] for line in result.output.splitlines() if line.startswith("| `")] == \
        [setting.name for setting in SETTINGS]
    assert result.output.strip() in README.read_text(encoding="utf-8")  # README's table is this output, verbatim
