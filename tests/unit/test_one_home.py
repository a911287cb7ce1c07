"""One home per concept: products, integration profiles, handoff methods and statuses are declared once, and the
rest of the code asks them (these tests fail when a product code, a profile name or a status is spelled out again).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from webview.api.schemas import WebviewUrlRequest
from webview.booking.states import BookingStatus, IssueStatus, PartnerStatus, PaymentStatus
from webview.config import SETTINGS
from webview.payments.gateway import GATEWAYS, PartnerUnavailable, check_bridge_function
from webview.payments.models import RefundStatus
from webview.products import PRODUCT_CODES, PRODUCTS, product_of_offer, product_of_type
from webview.profiles import PROFILES, profile_of
from webview.profiles.handoffs import HANDOFF_METHODS, is_bridge_function

ROOT = Path(__file__).resolve().parents[2]
WEBVIEW = ROOT / "webview"


def source_files(*, skip: tuple[str, ...]) -> list[Path]:
    return [path for path in WEBVIEW.rglob("*.py")
            if not any(str(path.relative_to(ROOT)).startswith(prefix) for prefix in skip)]


def spelled(pattern: str, files: list[Path]) -> list[str]:
    regex = re.compile(pattern)
    return [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
            for path in files for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if regex.search(line)]


def test_every_product_is_complete_and_found_from_each_of_its_keys():
    icons = (ROOT / "static/img/icons.svg").read_text(encoding="utf-8")
    settings = {setting.name for setting in SETTINGS}
    launch_products = set(WebviewUrlRequest.model_json_schema()["properties"]["product"]["enum"])
    assert launch_products == set(PRODUCT_CODES)
    for code, product in PRODUCTS.items():
        assert product_of_offer(f"{product.offer_prefix}:1") is product
        assert product_of_type(product.product_type) is product
        assert f'id="{product.icon}"' in icons, product.icon
        assert f"HOLD_MINUTES_{code.upper()}" in settings
        if product.search_template:
            assert (ROOT / "templates" / product.search_template).is_file()


def test_no_product_code_is_spelled_outside_the_registry():
    codes = "|".join(PRODUCT_CODES)
    # (the OpenAPI document's examples are published sample messages, not code that branches)
    found = spelled(rf"""["']({codes})["']""", source_files(skip=("webview/products/", "webview/catalog/models.py",
                                                                    "webview/api/openapi.py")))
    templates = [path for path in (ROOT / "templates").rglob("*.html")]
    found += spelled(rf"""(==|!=)\s*["']({codes})["']|\{{["']({codes})["']:""", templates)
    assert not found, found


def test_no_profile_is_branched_on_by_name_outside_its_package():
    names = "|".join(PROFILES)
    found = spelled(rf"""profile\s*(==|!=)|["']({names})["']|isinstance\([^)]*Gateway""",
                    source_files(skip=("webview/profiles/",)))
    assert not found, found
    assert set(GATEWAYS) == set(PROFILES)  # every profile has its adapter


def test_statuses_are_spelled_only_in_their_enums():
    words = {*BookingStatus, *PaymentStatus, *IssueStatus, *PartnerStatus, *RefundStatus}
    pattern = rf"""["']({"|".join(sorted(words))})["']"""
    homes = ("webview/booking/states.py", "webview/payments/models.py", "webview/api/openapi.py")
    found = spelled(pattern, source_files(skip=homes))
    assert not found, found


@pytest.mark.parametrize(("name", "allowed"), [
    ("window.SandboxBridge.openPayment", True), ("openPayment", True), ("$app.pay", True),
    ("a.b.c.d.e.f", True), ("a.b.c.d.e.f.g", False), ("window['x']", False), ("alert(1)", False),
    ("a..b", False), ("", False), ("x" * 201, False),
])
def test_one_bridge_rule_at_onboarding_and_checkout(name, allowed):
    """A function name that passes onboarding can never fail every checkout, and the reverse."""
    assert is_bridge_function(name) is allowed
    if allowed:
        assert check_bridge_function(name) == name
    else:
        with pytest.raises(PartnerUnavailable):
            check_bridge_function(name)


def test_each_profile_declares_what_its_partners_may_choose():
    for profile in PROFILES.values():
        assert profile.handoffs and set(profile.handoffs) <= set(HANDOFF_METHODS)
        assert profile.suites
        assert profile_of(type("P", (), {"profile": profile.code})()) is profile
