"""A real SMTP server (aiosmtpd) in the test process, demo partners with two themes, and order snapshots."""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from webview.emails import OrderSummary
from webview.extensions import db
from webview.partners.models import Partner

# A second demo theme (deep green, rounded): passes the theme validator's contrast checks.
GREEN_THEME = {
    "bg_color": "#fbfdf8", "text_color": "#15291b", "hint_color": "#4a5d4f", "link_color": "#0b6e2e",
    "button_color": "#0b6e2e", "button_text_color": "#ffffff", "secondary_bg_color": "#e8f3ea",
    "header_bg_color": "#0b6e2e", "header_text_color": "#ffffff", "accent_text_color": "#0b6e2e",
    "destructive_text_color": "#a4161a",
    "success_color": "#1b7f3a", "warning_color": "#8a5a00", "radius": 20,
}
THEMES = {"default": {}, "green": GREEN_THEME}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class CollectingHandler:
    """Accepts every message (or refuses with 451 while `refuse` is set) and keeps what arrived."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: bool = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 Try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


class SmtpServer:
    """The test SMTP server: `.messages`, `.refuse`, `.stop()` / `.start()` to simulate an outage."""

    def __init__(self) -> None:
        self.handler = CollectingHandler()
        self.port = free_port()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?timeout=5"

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(make_app, smtp_server):
    """An app sending through the test SMTP server, with its context pushed."""
    application = make_app(MAIL_URL=smtp_server.url, MAIL_FROM="Webview <no-reply@shop.example>",
                           SUPPORT_EMAIL="help@shop.example")
    with application.app_context():
        yield application


def add_partner(name: str = "Ví Demo", theme: dict | None = None, logo_url: str | None = None) -> Partner:
    """A partner row with the fields emails use (credentials are placeholders: never used here)."""
    token = uuid.uuid4().hex
    partner = Partner(code=f"p{token[:10]}", name=name, theme=theme or {}, logo_url=logo_url, status="active",
                      client_id=token, client_secret_sealed="unused", api_key_hash=token, access_code=token)
    db.session.add(partner)
    db.session.commit()
    return partner


def make_order(product: str = "flight", reference: str = "261122-7QK4M2XD", **changes) -> OrderSummary:
    """A realistic order snapshot with a hostile traveller name."""
    titles = {"flight": "HAN → SGN · VN 213", "hotel": "Khách sạn Sông Hàn, Đà Nẵng · 2 đêm",
              "vip": "VIP 12 tháng"}
    values = dict(
        reference=reference, product=product, title=titles.get(product, "?"),
        lines=[("Giá vé / Fare", 1_250_000), ("Thuế, phí / Taxes and fees", 350_000)], total=1_600_000,
        hold_expires_at=datetime(2026, 11, 22, 3, 30, tzinfo=UTC),
        pnr="QK4M2X" if product == "flight" else None,
        tickets={"flight": ["738-2400000001", "738-2400000002"], "hotel": ["HV-88231"],
                 "vip": ["VIP-00042"]}.get(product, []),
        travellers=["<script>alert(1)</script>", "Trần Thị Bình"], link="https://shop.example/w/orders/261122",
    )
    values.update(changes)
    return OrderSummary(**values)
