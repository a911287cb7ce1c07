"""The demo seed: demo partners of the sandbox, their credentials file and pluggable seed steps."""

from flask import Flask

from webview.demo.services import DemoSeedError, SeedStep, register_seed_step, run_seed, seed_steps

__all__ = ["DemoSeedError", "SeedStep", "register_seed_step", "run_seed", "seed_steps"]


def init_app(app: Flask) -> None:
    """Register `flask demo seed`."""
    from webview.demo.cli import demo_cli

    app.cli.add_command(demo_cli)
