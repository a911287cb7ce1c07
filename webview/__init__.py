"""webview: a merchant shop embedded as a webview inside partner super apps."""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path

from flask import Flask
from jinja2 import FileSystemBytecodeCache

from webview.config import ConfigError, load_config
from webview.core.logfilter import install_credential_filter
from webview.extensions import babel, compress, csrf, db, limiter, migrate

__all__ = ["ConfigError", "create_app"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Each feature package exposes init_app(app): its blueprints, CLI commands and hooks.
FEATURES = (
    "webview.core",
    "webview.i18n",
    "webview.messagelog",
    "webview.partners",
    "webview.products",
    "webview.themes",
    "webview.api",
    "webview.launch",
    "webview.jobs",
    "webview.emails",
    "webview.catalog",
    "webview.booking",
    "webview.payments",
    "webview.reconciliation",
    "webview.portal",
    "webview.demo",
)


def create_app(config: dict | None = None) -> Flask:
    """Build the application; `config` overrides settings read from the environment."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(instance_path or PROJECT_ROOT / "instance"),
        static_folder=str(PROJECT_ROOT / "static"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True, mode=0o700)
    app.config.update(load_config(Path(app.instance_path), config))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    register_extensions(app)
    register_template_cache(app)
    for name in FEATURES:
        importlib.import_module(name).init_app(app)
    if app.config["SANDBOX_ENABLED"]:
        importlib.import_module("sandbox").init_app(app)
    install_credential_filter(app)
    return app


def register_template_cache(app: Flask) -> None:
    """Compiled templates shared by a server's processes through instance/jinja-bytecode (a new process, a new
    gunicorn worker, skips compiling them; Jinja keys each entry by the template's source checksum)."""
    folder = Path(app.instance_path) / "jinja-bytecode"
    folder.mkdir(exist_ok=True, mode=0o700)
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(folder))


def register_extensions(app: Flask) -> None:
    """Bind the shared extensions to this app."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app)
    compress.init_app(app)
