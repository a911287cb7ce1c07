"""Browser journeys: one live server per module, seeded with the demo partners and a few catalog days.

The server is built from the same config as the `app` fixture and serves real HTTP in a thread; journeys
launch the webview the way a partner does, through the sandbox test API, which calls the real partner API.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page

from tests.e2e.phones import PHONES
from tests.live import LiveServer, seeded_live_server

CATALOG_DAYS = 4
VIEWPORT = {"width": 390, "height": 844}
DEMO_THEMES = ("demo-redirect", "demo-deeplink", "demo-bridge", "demo-envelope")


@dataclass
class DemoSite:
    """The running server and how to open the webview on it as a demo partner."""

    server: LiveServer

    @property
    def url(self) -> str:
        return self.server.url

    def launch_url(self, partner_code: str, identify_code: str, **launch) -> str:
        """url_open for a user of a demo partner, from POST /sandbox/api/launch (the real partner API behind it)."""
        body = {"partner_code": partner_code, "identify_code": identify_code, "identify_phone": "0912345678",
                "identify_fullname": "Nguyễn Văn An", "email": f"{identify_code}@example.com", **launch}
        answer = requests.post(f"{self.url}/sandbox/api/launch", json=body, timeout=20)
        assert answer.status_code == 200, answer.text
        return answer.json()["url_open"]


@pytest.fixture(scope="module")
def demo_site(base_config, _schema) -> Iterator[DemoSite]:
    """A live server with the demo partners and catalog; its rows are deleted when the module ends."""
    with seeded_live_server(base_config, CATALOG_DAYS) as server:
        yield DemoSite(server)


@pytest.fixture(scope="module")
def site(base_config, _schema) -> Iterator[LiveServer]:
    """For the money-path journeys: demo partners and catalog; the result screen asks the partner after 1 s."""
    with seeded_live_server(base_config, 2, RESULT_SYNC_AFTER_SECONDS=1,
                            PAYMENT_SYNC_MIN_INTERVAL_SECONDS=1) as server:
        yield server


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, playwright):
    """A Pixel 7 (mobile, touch, Android Chrome) at a 390×844 viewport."""
    pixel = dict(playwright.devices["Pixel 7"])
    pixel.pop("default_browser_type", None)
    return {**browser_context_args, **pixel, "viewport": VIEWPORT, "device_scale_factor": 2}


@pytest.fixture(scope="session")
def screens_dir(artifacts_dir) -> Path:
    """test-artifacts/screens/: one PNG per screen, journey and theme."""
    path = artifacts_dir / "screens"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def base_url() -> None:
    """No base URL: journeys navigate to the live server's absolute URLs (this also replaces pytest-playwright's
    fallback fixture, which pytest 9 deprecates)."""
    return None


# -- phones for the issue-17 suites (tests/e2e/phones.py holds their matrix and helpers) --------------------------


@pytest.fixture(scope="session")
def issue17_dir(artifacts_dir) -> Path:
    path = artifacts_dir / "issue17"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def phone(request, browser: Browser, browser_context_args) -> Iterator[Page]:
    """A phone page: request.param = (size, scheme[, javascript])."""
    size, scheme, *rest = request.param
    javascript = rest[0] if rest else True
    viewport = PHONES[size]
    context = browser.new_context(**{**browser_context_args, "viewport": viewport, "screen": viewport,
                                     "color_scheme": scheme, "java_script_enabled": javascript})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
