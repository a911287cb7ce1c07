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
    part = generate_day(on_sftp.partner, day)[0]
    data = b"".join(file_bytes(part.id))
    closing = local(day + timedelta(days=1), 2, 0)
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
