"""The sandbox partner: its hmac APIs for the merchant, its wallet payment page, its IPN sender."""

from flask import Flask

from sandbox import models  # noqa: F401  (registers the sandbox tables)


def init_app(app: Flask) -> None:
    """Register the partner API and payment page, and the demo seed step that hands us the credentials."""
    from sandbox.credentials import seed_credentials
    from sandbox.partner.api import bp as api_bp
    from sandbox.partner.pay import bp as pay_bp
    from sandbox.partner.place_order import bp as place_order_bp
    from sandbox.partner.styled import bp as styled_bp
    from webview import demo

    app.register_blueprint(api_bp)
    app.register_blueprint(pay_bp)
    app.register_blueprint(place_order_bp)
    app.register_blueprint(styled_bp)
    # webview.demo gains register_seed_step in the demo issue; until then there is nothing to hook into.
    register_seed_step = getattr(demo, "register_seed_step", None)
    if register_seed_step is not None:
        register_seed_step("sandbox.credentials", seed_credentials)
