"""The certification test-case runner: /sandbox/cases and `flask sandbox run-cases`."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the page and the CLI group."""
    from sandbox.cases.cli import sandbox_cli
    from sandbox.cases.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(sandbox_cli)
    register_portal_runner(app)


def register_portal_runner(app: Flask) -> None:
    """Let the partner portal start the own-partner cases (webview never imports the sandbox: it is told)."""
    from sandbox.cases.own_partner import run_own_cases
    from webview.portal.case_runs import register_case_runner

    register_case_runner(app, lambda base_url, partner, wait_s: run_own_cases(base_url, partner,
                                                                               wait_s=wait_s).as_dict())
