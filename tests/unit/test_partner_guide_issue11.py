"""Issue 11 points 1-5 and 7: what the partner guide says matches what the code does (and stays so)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from webview.config import SETTINGS
from webview.payments import poller
from webview.products import PRODUCTS
from webview.themes import FONT_STACKS, validate_theme

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "partners"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def doc(name: str) -> str:
    return (GUIDE / name).read_text(encoding="utf-8")


def default(name: str):
    return next(setting.default for setting in SETTINGS if setting.name == name)


def seconds(value: float) -> str:
    return f"{value:g} s"


# -- point 4: retries, schedule and timeouts, from the settings table ---------------------------------------------


def test_the_timeouts_and_retries_in_the_guide_are_the_settings_defaults():
    connect, read = seconds(default("PARTNER_CONNECT_TIMEOUT")), seconds(default("PARTNER_READ_TIMEOUT"))
    retries, backoff = default("PARTNER_RETRIES"), default("PARTNER_BACKOFF_SECONDS")
    pauses = ", ".join(seconds(backoff * 2 ** n) for n in range(retries))  # "0.25 s, 0.5 s"
    for name in ("handoff.md", "errors.md", "payment-status.md", "refunds.md"):
        text = doc(name)
        assert f"{connect} to connect" in text and f"{read} to read" in text, name
        assert f"{retries} more tries" in text, name
        assert pauses in text.replace(", then ", ", ").replace(" and ", ", "), name
    assert f"{seconds(default('RESULT_SYNC_TIMEOUT_SECONDS'))} in all" in doc("payment-status.md")


def test_the_poller_schedule_in_the_guide_is_the_pollers():
    text = doc("payment-status.md")
    delays = [poller.next_delay(n) for n in range(poller.LATE_AFTER_ATTEMPTS)]
    assert f"{poller.FIRST_DELAY_S} s after your create answer" in text
    assert f"every {poller.CAP_DELAY_S} s" in text and f"every {poller.LATE_DELAY_S // 60} minutes" in text
    assert f"{poller.LATE_AFTER_ATTEMPTS} checks" in text
    assert delays[:5] == [5, 10, 20, 40, 80]


def test_partner_settings_never_point_partners_at_a_source_file():
    for setting in SETTINGS:
        if setting.name.startswith(("PARTNER_", "RESULT_SYNC")):
            assert ".py" not in setting.doc and "webview/" not in setting.doc, setting.name
    for path in GUIDE.glob("*.md"):
        assert not re.search(r"webview/[a-z_/]+\.py", path.read_text(encoding="utf-8")), path.name


# -- points 1-3: unusable answers and the payment_url fallback ----------------------------------------------------


def test_the_guide_says_unusable_answers_are_logged_with_their_reason():
    for name in ("errors.md", "payment-status.md", "handoff.md"):
        assert "unusable answer" in doc(name), name
    text = doc("payment-status.md")
    assert "`transaction_amount`" in text and "failed check" in text
    assert "today they change nothing" not in doc("changelog.md")


def test_the_guide_documents_the_payment_url_fallback():
    text = doc("handoff.md")
    assert "today the checkout fails" not in text
    assert "registered payment URL" in text and "?transaction_id=" in text
    assert "registered `payment_url`" in README or "registered payment URL" in README


# -- point 5 -------------------------------------------------------------------------------------------------------


def test_a_second_success_on_a_paid_order_answers_6_in_the_docs():
    assert "another `transaction_id` for an order\nalready paid is 6" in README or \
        re.search(r"another `transaction_id`[^.]*already paid[^.]*6", README.replace("\n", " "))
    assert re.search(r"another `transaction_id`.*6", doc("errors.md").replace("\n", " "))


def test_field_level_errors_are_documented():
    for text in (doc("errors.md"), README):
        assert "data.errors" in text and '"reason"' in text


def test_every_sandbox_page_in_docs_sandbox_md_exists(app):
    text = (ROOT / "docs" / "sandbox.md").read_text(encoding="utf-8")
    rules = [rule.rule for rule in app.url_map.iter_rules()]
    listed = re.findall(r"^\| `(/sandbox/[^`<?]*)`", text, re.MULTILINE)
    assert listed
    for path in listed:
        assert path in rules, f"docs/sandbox.md lists {path}, which is not a route"


def test_readmes_theme_refusal_example_is_what_the_api_answers():
    match = re.search(r"for a contrast failure the\s+foreground one, e\.g\. `(theme\.[a-z_]+)`", README)
    assert match
    token = match.group(1).removeprefix("theme.")
    background = {"button_text_color": "button_color", "text_color": "bg_color"}[token]
    assert validate_theme({background: "#ffffff", token: "#fefefe"}, launch_override=True) == [f"theme.{token}"]


def test_every_font_stack_is_published():
    text = doc("theming.md")
    for name, stack in FONT_STACKS.items():
        assert f"| `{name}` | `{stack}` |" in text, name


def test_the_envelope_guide_lists_product_types_properties_stale_timestamp_and_typed_contacts():
    text = doc("envelope.md")
    for product in PRODUCTS.values():
        assert f"`{product.product_type}`" in text, product.code
    assert "`properties`" in text and "refunded_amount" in text
    assert "types their" in text.replace("\n", " ") and "phone" in text and "email" in text
    errors = doc("errors.md").replace("\n", " ")
    assert re.search(r"\| 04 \|[^\n]*timestamp beyond ±300 s", errors)


# -- point 7 -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--support-email", "--support-phone", "--support-hours"])
def test_the_support_contact_is_part_of_onboarding_in_the_docs(flag):
    assert flag in README and flag in doc("README.md")
