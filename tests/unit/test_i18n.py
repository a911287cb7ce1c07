"""Locale choice, VND/date formatting in GMT+7 and catalog compilation."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import render_template_string
from flask_babel import force_locale, gettext

from webview.db import utcnow
from webview.extensions import db
from webview.i18n import (
    format_duration,
    format_local_date,
    format_local_datetime,
    format_local_time,
    format_vnd,
    select_locale,
    to_local,
)
from webview.i18n.cli import compile_catalogs
from webview.i18n.locale import normalise_locale
from webview.launch.models import LaunchSession
from webview.launch.sessions import SESSION_KEY
from webview.partners.models import Customer, Partner


@pytest.mark.parametrize(
    ("amount", "locale", "expected"),
    [
        (1_250_000, "vi", "1.250.000 ₫"),
        (1_250_000, "en", "1,250,000 ₫"),
        (0, "vi", "0 ₫"),
        (999, "en", "999 ₫"),
        (-50_000, "vi", "-50.000 ₫"),
        (12_345_678_900, "vi", "12.345.678.900 ₫"),
    ],
)
def test_format_vnd_per_locale(amount, locale, expected):
    assert format_vnd(amount, locale) == expected


@pytest.mark.parametrize("bad", [1.5, "100", True])
def test_format_vnd_refuses_non_integers(bad):
    with pytest.raises(TypeError):
        format_vnd(bad, "vi")


def test_format_vnd_follows_the_request_locale(make_app):
    app = make_app()  # no app context pushed: each request context brings its own g
    with app.test_request_context(headers={"Accept-Language": "en-US,en;q=0.8"}):
        assert format_vnd(2_000_000) == "2,000,000 ₫"
    with app.test_request_context():
        assert format_vnd(2_000_000) == "2.000.000 ₫"


def test_each_request_chooses_its_locale_even_in_a_shared_app_context(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert format_vnd(1000) == "1,000 ₫"  # cached on the shared g
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        app.preprocess_request()
        assert format_vnd(1000) == "1.000 ₫"


def test_times_are_shown_in_ho_chi_minh():
    late_utc = datetime(2025, 11, 24, 17, 30, tzinfo=UTC)  # 00:30 on the 25th in GMT+7
    assert to_local(late_utc).utcoffset() == timedelta(hours=7)
    assert format_local_time(late_utc, "vi") == "00:30"
    # The product promises the GMT+7 day, a weekday in the reader's language and dd/MM/yyyy in Vietnamese;
    # the exact weekday abbreviation is CLDR's data (it changed between Babel releases), so it is not pinned here.
    assert format_local_date(late_utc, "en") == "Tue, 25 Nov 2025"
    vi_date = format_local_date(late_utc, "vi")
    assert re.fullmatch(r"(Th|Thứ) ?(3|ba|Ba), 25/11/2025", vi_date), vi_date
    assert format_local_date(date(2025, 11, 24), "en", short=True) == "Mon, 24 Nov"
    assert format_local_datetime(late_utc, "en") == "00:30 · Tue, 25 Nov 2025"
    naive = datetime(2025, 1, 1, 0, 0)  # taken as UTC
    assert format_local_time(naive, "en") == "07:00"


def test_empty_values_format_as_empty_text():
    assert format_vnd(None) == format_local_date(None) == format_local_time(None) == format_duration(None) == ""


@pytest.mark.parametrize(
    ("minutes", "locale", "expected"),
    [(125, "vi", "2 giờ 05 phút"), (125, "en", "2h 05m"), (45, "vi", "45 phút"), (60, "en", "1h 00m")],
)
def test_format_duration(minutes, locale, expected):
    assert format_duration(minutes, locale) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("vi", "vi"), ("EN", "en"), ("en-US", "en"), ("vi_VN", "vi"), ("fr", None), ("", None), (None, None)],
)
def test_normalise_locale(raw, expected):
    assert normalise_locale(raw) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9", "en"),
        ("fr-FR,fr;q=0.9", "vi"),
        ("fr-FR,en;q=0.5", "en"),
        ("vi-VN,vi;q=0.9,en;q=0.8", "vi"),
        (None, "vi"),
    ],
)
def test_locale_from_accept_language(app, header, expected):
    headers = {"Accept-Language": header} if header else {}
    with app.test_request_context(headers=headers):
        assert select_locale() == expected


def make_launch(locale: str) -> LaunchSession:
    """A partner, a customer and a live launch session (rows only, no API)."""
    partner = Partner(
        code="i18n-partner", name="I18n Partner", status="active", client_id="cid-i18n",
        client_secret_sealed="sealed", api_key_hash="0" * 64, access_code="ac-i18n",
    )
    db.session.add(partner)
    db.session.flush()
    customer = Customer(partner_id=partner.id, identify_code="u1")
    db.session.add(customer)
    db.session.flush()
    launch = LaunchSession(
        id=f"sess-{locale}", partner_id=partner.id, customer_id=customer.id, locale=locale,
        expires_at=utcnow() + timedelta(hours=1),
    )
    db.session.add(launch)
    db.session.commit()
    return launch


def test_launch_locale_wins_over_accept_language(app):
    launch = make_launch("en")
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        from flask import session

        session[SESSION_KEY] = launch.id
        assert select_locale() == "en"


def test_catalogs_compile_and_translate(app, tmp_path):
    from pathlib import Path

    directory = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"])
    compile_catalogs(directory)
    assert (directory / "vi" / "LC_MESSAGES" / "messages.mo").exists()
    assert (directory / "en" / "LC_MESSAGES" / "messages.po").exists()
    with app.test_request_context():
        with force_locale("vi"):
            assert gettext("My orders") == "Đơn hàng của tôi"
            assert render_template_string("{{ _('Back') }}") == "Quay lại"
        with force_locale("en"):
            assert gettext("My orders") == "My orders"


def test_compile_is_incremental_and_forced(app, tmp_path):
    po_dir = tmp_path / "vi" / "LC_MESSAGES"
    po_dir.mkdir(parents=True)
    (po_dir / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Hello"\nmsgstr "Xin chào"\n',
        encoding="utf-8",
    )
    assert compile_catalogs(tmp_path) == [po_dir / "messages.mo"]
    assert compile_catalogs(tmp_path) == []
    assert compile_catalogs(tmp_path, force=True) == [po_dir / "messages.mo"]
    assert "Xin chào".encode() in (po_dir / "messages.mo").read_bytes()


def test_compile_command(runner):
    result = runner.invoke(args=["i18n", "compile", "--force"])
    assert result.exit_code == 0, result.output
    assert "vi/LC_MESSAGES/messages.mo" in result.output


def test_every_message_of_the_screens_and_emails_has_a_vietnamese_translation(tmp_path):
    """Vietnamese first: a string added to a template or the code without its translation fails here."""
    import subprocess
    import sys
    from pathlib import Path

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2]
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
                    "-o", str(pot), "."], cwd=root, check=True)
    with pot.open("rb") as handle:
        # the sandbox (a developer tool) is not the end user's: its strings may stay English
        wanted = {message.id for message in read_po(handle) if message.id and any(
            not path.startswith(("sandbox/", "templates/sandbox/")) for path, _ in message.locations)}
    with (root / "webview/translations/vi/LC_MESSAGES/messages.po").open("rb") as handle:
        translated = {message.id for message in read_po(handle) if message.id and message.string}
    missing = sorted(str(message) for message in wanted - translated)
    assert not missing, missing


@pytest.mark.parametrize(("stored", "shown"), [
    ("+84912345678", "0912 345 678"), ("0912345678", "0912 345 678"), ("+842438261234", "024 3826 1234"),
    ("+1 415 555 0100", "+1 415 555 0100"), ("", ""), (None, ""),
])
def test_phone_numbers_are_shown_the_vietnamese_way(stored, shown):
    from webview.i18n import format_vn_phone

    assert format_vn_phone(stored) == shown


def test_template_words_follow_the_request_and_a_forced_locale(app):
    """The templates' gettext finds the catalog in one step (webview.i18n.catalogs) and still follows Flask-Babel's
    choice: the request's language, a force_locale block inside it (an email in the customer's language), and the
    next request's own choice."""
    page = "{{ _('Search flights') }}|{{ ngettext('%(num)d adult', '%(num)d adults', 2) }}"
    with app.test_request_context("/", headers={"Accept-Language": "vi"}):
        assert render_template_string(page) == "Tìm chuyến bay|2 người lớn"
        with force_locale("en"):
            assert render_template_string(page) == "Search flights|2 adults"
        assert render_template_string(page) == "Tìm chuyến bay|2 người lớn"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        app.preprocess_request()  # the app's own before_request: the choice is made afresh
        assert render_template_string(page) == "Search flights|2 adults"
