"""SFTP against a real OpenSSH sshd: atomic upload to OUTBOUND/, fetch from INBOUND/, archive, host-key checks."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest

from tests.payments.factories import hold_vip
from tests.reconciliation.conftest import local, paid_booking, past_day
from tests.reconciliation.sshd import start_sshd
from tests.reconciliation.test_matching import payment_row, their_file
from webview.extensions import db
from webview.reconciliation import sftp
from webview.reconciliation.delivery import deliver_by_sftp
from webview.reconciliation.files import file_bytes, generate_day
from webview.reconciliation.jobs import deliver_due_files
from webview.reconciliation.runs import run_day
from webview.reconciliation.settings import SettingsChange, configure, settings_of


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    server.stop()


@pytest.fixture
def on_sftp(app, wallet, sshd):
    """wallet-one reconciles by SFTP with the test sshd; its folders start empty."""
    for folder in ("OUTBOUND", "INBOUND", "ARCHIVED"):
        for path in (sshd.root / folder).iterdir():
            path.unlink()
    app.config.update(PARTNER_RETRIES=0, PARTNER_BACKOFF_SECONDS=0.0)
    configure(wallet.partner, SettingsChange(transport="sftp", sftp_host=sshd.host, sftp_port=sshd.port,
                                             sftp_user=sshd.user, sftp_key=sshd.client_key,
                                             sftp_known_hosts=sshd.known_hosts))
    db.session.commit()
    return wallet


def test_our_file_is_uploaded_atomically_with_its_sidecars_once(on_sftp, sshd):
    day = past_day(1)
    paid_booking(on_sftp.partner, local(day, 9))
    closing = local(day + timedelta(days=1), 2, 0)  # yesterday closes at 02:00 today: not yet just after midnight
    part = generate_day(on_sftp.partner, day, now=closing)[0]
    data = b"".join(file_bytes(part.id))
    assert deliver_due_files(closing) == [part.name]
    outbound = sshd.root / "OUTBOUND"
    assert sorted(path.name for path in outbound.iterdir()) == [part.name, part.name + ".sha256",
                                                               part.name + ".sig"]  # no .part left behind
    assert (outbound / part.name).read_bytes() == data
    assert (outbound / (part.name + ".sha256")).read_text().split()[0] == hashlib.sha256(data).hexdigest()
    assert (outbound / (part.name + ".sig")).read_text().strip() == hmac.new(
        on_sftp.secret.encode(), data, hashlib.sha256).hexdigest()
    assert deliver_due_files(closing) == []  # delivered once


def test_the_partner_file_is_fetched_from_inbound_and_archived(on_sftp, sshd):
    day = past_day()
    paid = paid_booking(on_sftp.partner, local(day, 9))
    data = their_file([payment_row(paid, day)])
    name = f"partner_{day:%Y%m%d}.csv"
    (sshd.root / "INBOUND" / name).write_bytes(data)
    (sshd.root / "INBOUND" / (name + ".sig")).write_text(
        hmac.new(on_sftp.secret.encode(), data, hashlib.sha256).hexdigest())
    run = run_day(on_sftp.partner, day)
    assert (run.status, run.source, run.file_name) == ("completed", "sftp", name), run.finding
    assert run.counts == {"matched": 1}
    assert list((sshd.root / "INBOUND").iterdir()) == []
    assert sorted(path.name for path in (sshd.root / "ARCHIVED").iterdir()) == [name, name + ".sig"]


def test_a_rejected_inbound_file_is_archived_as_rejected(on_sftp, sshd):
    day = past_day()
    booking = hold_vip(on_sftp.partner, identify_code="x")
    name = f"partner_{day:%Y%m%d}.csv"
    (sshd.root / "INBOUND" / name).write_bytes(their_file([payment_row(booking, day)]))
    (sshd.root / "INBOUND" / (name + ".sig")).write_text("0" * 64)
    run = run_day(on_sftp.partner, day)
    assert run.status == "rejected" and "signature does not verify" in run.finding
    assert sorted(path.name for path in (sshd.root / "ARCHIVED").iterdir()) == [
        f"rejected-{name}", f"rejected-{name}.sig"]


def test_a_changed_host_key_is_refused_and_reported(on_sftp, sshd, tmp_path):
    import subprocess

    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "other")], check=True)
    other = (tmp_path / "other.pub").read_text().split()
    configure(on_sftp.partner, SettingsChange(
        sftp_known_hosts=f"[{sshd.host}]:{sshd.port} {other[0]} {other[1]}\n"))
    db.session.commit()
    with pytest.raises(sftp.SftpRefused, match=r"host key of .* changed"), \
            sftp.connect(settings_of(on_sftp.partner)):
        pass
    day = past_day()
    generate_day(on_sftp.partner, day)
    with pytest.raises(sftp.SftpRefused):
        deliver_by_sftp(on_sftp.partner, day)
    run = run_day(on_sftp.partner, day)
    assert run.status == "rejected" and "changed" in run.finding and "refused" in run.finding
    assert list((sshd.root / "OUTBOUND").iterdir()) == []


def test_the_sandbox_partner_uploads_its_own_file_to_inbound(on_sftp, sshd):
    from sandbox.credentials import load_credentials, upsert_credentials
    from sandbox.models import SandboxTransaction
    from sandbox.reconciliation.services import partner_file, upload_to_inbound

    upsert_credentials([{"partner_code": on_sftp.code, "client_id": on_sftp.client_id,
                         "client_secret": on_sftp.secret, "api_key": "k", "access_code": "a",
                         "merchant_public_key_pem": "", "profile": "hmac", "suite": "modern",
                         "handoff": "redirect"}])
    day = past_day()
    paid = paid_booking(on_sftp.partner, local(day, 9), transaction_id="SBX-T")
    db.session.add(SandboxTransaction(
        transaction_id="SBX-T", partner_code=on_sftp.code, reference_transaction_id=paid.reference,
        amount=paid.amount, status="SUCCESS", description="VIP plan", ipn_url="http://127.0.0.1/ipn",
        return_url="http://127.0.0.1/r", expires_at=local(day, 10), created_at=local(day, 8),
        updated_at=local(day, 9)))
    db.session.commit()
    file = partner_file(load_credentials(on_sftp.code), day, ("change_amount",))
    upload_to_inbound(file, host=sshd.host, port=sshd.port, username=sshd.user, private_key_pem=sshd.client_key,
                      host_key_line=sshd.known_hosts)
    assert sorted(path.name for path in (sshd.root / "INBOUND").iterdir()) == [file.name, file.name + ".sig"]
    run = run_day(on_sftp.partner, day)
    assert (run.status, run.source, run.counts) == ("completed", "sftp", {"amount_mismatch": 1}), run.finding
