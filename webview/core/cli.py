"""`flask serve` (the embedded development server, refused in production) and `flask settings`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from webview.config import settings_table

# The production server: gunicorn is in setup.cfg's `production` extra and in the lock (README "Operating").
PRODUCTION_SERVER = "gunicorn -w 4 -k gthread --threads 4 'wsgi:app'"


class ServeRefused(click.ClickException):
    """`flask serve` under APP_ENV=production: one line on stderr, exit status 2."""

    exit_code = 2


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the webview (and the sandbox when enabled) with the embedded worker; development only."""
    app = current_app._get_current_object()
    if app.config["APP_ENV"] == "production":
        raise ServeRefused(f"flask serve is the development server and is refused in production; "
                           f"run {PRODUCTION_SERVER} and `flask jobs worker` instead")
    base = f"http://{host}:{port}"
    click.echo(f"webview      {base}/healthz")
    click.echo(f"partner API  {base}/api/openapi.json")
    if app.config["SANDBOX_ENABLED"]:
        click.echo(f"sandbox      {base}/sandbox/")
        click.echo(f"mail catcher {base}/sandbox/mail")
    app.config["JOBS_EMBEDDED_WORKER"] = True
    start = app.extensions.get("webview.start_embedded_worker")
    if start is not None:
        start(app)
    run_simple(host, port, app, threaded=True, use_reloader=False)


@click.command("settings")
def settings_command() -> None:
    """Print the configuration table (README's "Configuration" section is this output)."""
    click.echo(settings_table())


def init_app(app: Flask) -> None:
    """Register the serve and settings commands."""
    app.cli.add_command(serve_command)
    app.cli.add_command(settings_command)
