"""The certification test-case runner: /sandbox/cases and `flask sandbox run-cases`."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the page and the CLI group."""
    from sandbox.cases.cli import sandbox_cli
    from sandbox.cases.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(sandbox_cli)
