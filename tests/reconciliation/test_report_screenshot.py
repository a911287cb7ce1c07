"""The HTML report in a real browser (Debian's chromium): counts, VND amounts, each mismatch; a screenshot kept."""

from __future__ import annotations

from tests.reconciliation.conftest import past_day
from webview.extensions import db
from webview.reconciliation.models import ReconciliationItem, ReconciliationRun
from webview.reconciliation.report import render_report


def test_the_report_renders_in_a_browser(app, wallet, page, artifacts_dir):
    day = past_day()
    run = ReconciliationRun(partner_id=wallet.partner.id, day=day, part=1, source="api", status="completed",
                            file_name=f"wallet-one_{day:%Y%m%d}_1.csv",
                            counts={"matched": 41, "missing_at_merchant": 2, "amount_mismatch": 1,
                                    "missing_at_partner": 1},
                            amounts={"ours": 12_450_000, "theirs": 12_549_000})
    db.session.add(run)
    db.session.flush()
    for outcome, reference, ours, theirs, state, text in [
        ("missing_at_merchant", "261127-LOSTIPN1", None, 990_000, "settled", "paid by reconciliation (paid)"),
        ("missing_at_merchant", "261127-SBXGHOST", None, 99_000, "open", "no such order of this partner"),
        ("amount_mismatch", "261127-AMOUNT01", 1_500_000, 1_501_000, "open", "the amounts differ"),
        ("missing_at_partner", "261127-CONFIRM1", 700_000, None, "settled",
         "the partner's query API confirms the payment (their file omits it)"),
    ]:
        db.session.add(ReconciliationItem(run_id=run.id, partner_id=wallet.partner.id, outcome=outcome,
                                          record_type="PAYMENT", reference=reference, our_amount=ours,
                                          their_amount=theirs, our_status="SUCCESS" if ours else "",
                                          their_status="SUCCESS" if theirs else "", state=state, settlement=text))
    db.session.flush()
    html, csv_text = render_report(run)
    assert csv_text.count("\r\n") == 5
    page.set_viewport_size({"width": 1100, "height": 700})
    page.set_content(html, wait_until="load")
    assert page.get_by_test_id("recon-counts").inner_text().count("\t") >= 6
    items = page.get_by_test_id("recon-items")
    assert "261127-SBXGHOST" in items.inner_text() and "1,501,000" in items.inner_text()
    assert page.locator("td.open").count() == 2 and page.locator("td.settled").count() == 2
    path = artifacts_dir / "reconciliation" / "report.png"
    path.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5000
