"""`flask serve`: the embedded default server, printing where everything is."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the webview (and the sandbox when enabled) with the embedded worker."""
    app = current_app._get_current_object()
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


def init_app(app: Flask) -> None:
    """Register the serve command."""
    app.cli.add_command(serve_command)
