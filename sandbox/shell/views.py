"""The host shell views."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

bp = Blueprint("sandbox_shell", __name__, url_prefix="/sandbox",
               static_folder=str(Path(__file__).parent / "static"), static_url_path="/static")
