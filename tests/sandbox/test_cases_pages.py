"""The case runner's screen reader (sandbox.cases.pages): forms with their tokens, selectors, JSON blocks."""

from __future__ import annotations

import pytest

from sandbox.cases.pages import Page

HTML = """<!doctype html><html><body>
<section data-testid="order-status" data-booking-status="BOOKED" data-reference-transaction-id="261126-ABCD1234">
<h2>Held</h2></section>
<a data-testid="select-offer" href="/w/book?offer=V:monthly">Choose</a>
<form method="post" action="/w/book?offer=V:monthly" data-testid="traveller-form">
<input id="csrf_token" name="csrf_token" type="hidden" value="tok-1">
<input name="travellers-0-full_name" value="">
<input type="radio" name="travellers-0-gender" value="male">
<input type="radio" name="travellers-0-gender" value="female" checked>
<input type="checkbox" name="news" value="yes">
<select name="adults"><option value="1">1</option><option value="2" selected>2</option></select>
<select name="city"><option value="HAN">Ha Noi</option><option value="SGN">HCMC</option></select>
<textarea name="note"></textarea>
<button type="submit" name="go" value="1">Go</button>
</form>
<form method="post" action="/w/orders/261126-ABCD1234/release"><input name="csrf_token" type="hidden" value="tok-2">
</form>
<script type="application/json" id="checkout-handoff" nonce="n">{"transaction_id": "SBX1", "amount": 59000}</script>
</body></html>"""


@pytest.fixture
def page() -> Page:
    return Page("http://127.0.0.1:5000/w/orders/261126-ABCD1234", HTML)


def test_forms_submit_what_a_browser_would(page):
    form = page.form(testid="traveller-form")
    assert form.action == "http://127.0.0.1:5000/w/book?offer=V:monthly" and form.method == "post"
    assert form.fields == {"csrf_token": "tok-1", "travellers-0-full_name": "", "travellers-0-gender": "female",
                           "adults": "2", "city": "HAN", "note": ""}
    assert form.values(**{"travellers-0-full_name": "AN", "news": "yes"})["news"] == "yes"
    with pytest.raises(KeyError, match="no field"):
        form.values(nickname="x")
    assert page.form(action_contains="/release").fields == {"csrf_token": "tok-2"}
    assert page.form(containing="adults") is form
    with pytest.raises(LookupError):
        page.form(testid="search-form")


def test_selectors_links_and_json_blocks(page):
    assert page.testid("order-status").attrs["data-booking-status"] == "BOOKED"
    assert "Held" in page.testid("order-status").text
    assert page.link("select-offer") == "http://127.0.0.1:5000/w/book?offer=V:monthly"
    assert page.has("select-offer") and not page.has("pay-button")
    with pytest.raises(LookupError, match="pay-button"):
        page.testid("pay-button")
    assert page.json_block("checkout-handoff") == {"transaction_id": "SBX1", "amount": 59000}
    with pytest.raises(LookupError):
        page.json_block("other")
