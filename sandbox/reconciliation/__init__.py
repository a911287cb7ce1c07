"""The sandbox partner's side of reconciliation: its own daily file from its own records, with fault knobs."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the partner's reconciliation URL and the `flask sandbox recon-file` command."""
    from sandbox.reconciliation.views import bp, recon_file_command
    from webview.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
    sandbox_group = app.cli.commands.get("sandbox")
    if sandbox_group is not None:
        sandbox_group.add_command(recon_file_command)
    else:
        app.cli.add_command(recon_file_command)
