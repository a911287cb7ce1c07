"""Issue 9, finding 12: credentials are rewritten out of log lines by the filter create_app installs."""

from __future__ import annotations

import logging

import pytest

from webview.core.logfilter import CredentialFilter, redact_credentials

TOKEN, SIG = "e6eBR_FkHCtRnoCNPADxko_gy7Yhf3p_Ffyw", "06c5f02be2033615034a11dcb983673b6cc92838be71f6ed632bc0b1695c5559"


@pytest.mark.parametrize("line", [
    f'127.0.0.1 - - [30/Nov/2026 09:40:46] "GET /w/launch?token={TOKEN} HTTP/1.1" 303 -',
    f'"GET /w/result?partner_code=demo&transaction_id=T1&timestamp=1&sig={SIG} HTTP/1.1" 200 -',
    f'http://127.0.0.1:5000 "GET /sandbox/partner/p/pay?key={TOKEN}&data={SIG} HTTP/1.1" 200 512',
    f"sent headers {{'X-Client-Id': 'c', 'X-Signature': '{SIG}', 'apikey': '{TOKEN}'}}",
    f"X-Signature: {SIG}",
    f"form pin={SIG[:6]}{TOKEN} access_code={TOKEN}",
])
def test_credentials_are_redacted(line):
    cleaned = redact_credentials(line)
    assert TOKEN not in cleaned and SIG not in cleaned and "[redacted]" in cleaned


def test_other_text_is_left_alone():
    line = '"GET /api/v1/transaction?reference_transaction_id=261122-7QK4M2XD HTTP/1.1" 200 -'
    assert redact_credentials(line) == line


def test_create_app_installs_the_filter_on_werkzeug_and_the_app_logger(app, caplog):
    for name in ("werkzeug", app.logger.name, "urllib3.connectionpool"):
        assert any(isinstance(f, CredentialFilter) for f in logging.getLogger(name).filters), name
    caplog.set_level(logging.INFO)
    logging.getLogger("werkzeug").info('"%s" %s %s', f"GET /w/launch?token={TOKEN} HTTP/1.1", 303, "-")
    app.logger.warning("result link %s", f"/w/result?sig={SIG}")
    assert TOKEN not in caplog.text and SIG not in caplog.text and caplog.text.count("[redacted]") == 2
