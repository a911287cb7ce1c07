"""WSGI entry point: `gunicorn wsgi:app`, or `flask --app wsgi ...`."""

import sys

from webview import ConfigError, create_app

try:
    app = create_app()
except ConfigError as error:  # one clear line for the operator, no traceback
    sys.exit(f"webview: configuration error: {error}")
