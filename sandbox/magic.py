"""Magic values for unattended runs: a user id that makes the sandbox wallet decline, pend, drop or duplicate.

The sandbox partner learns the user from the create-transaction call (`customer.identify_code`, the same
`identify_code` the partner launched the webview with), so a suite launches with e.g. `sbx-decline-42` and then
simply approves with the PIN: the wallet does what the table says. Explicit knobs (payment page or test API
`faults`) win over magic values. docs/sandbox.md lists this table; keep the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.partner.services import IpnFaults


@dataclass(frozen=True)
class MagicValue:
    """One row: the user-id prefix, what the wallet does on approve, and the faults of the IPN/commit."""

    prefix: str
    action: str  # approve | decline | pend | cancel | timeout
    faults: IpnFaults
    effect: str  # for the docs and the payment page


MAGIC_VALUES: tuple[MagicValue, ...] = (
    MagicValue("sbx-decline", "decline", IpnFaults(), "approve becomes insufficient funds (FAILURE)"),
    MagicValue("sbx-cancel", "cancel", IpnFaults(), "approve becomes a user cancel (FAILURE)"),
    MagicValue("sbx-pend", "pend", IpnFaults(), "the payment stays PENDING (IPN PENDING)"),
    MagicValue("sbx-timeout", "timeout", IpnFaults(), "the wallet times out (FAILURE)"),
    MagicValue("sbx-drop", "approve", IpnFaults(drop=True), "paid, but the IPN/commit is never sent"),
    MagicValue("sbx-dup", "approve", IpnFaults(duplicate=2), "paid, the IPN/commit is sent 3 times"),
    MagicValue("sbx-delay", "approve", IpnFaults(delay_s=5), "paid, the IPN/commit arrives 5 s later"),
    MagicValue("sbx-reorder", "approve", IpnFaults(reorder=True), "hmac: FAILURE is sent, then SUCCESS"),
    MagicValue("sbx-badsig", "approve", IpnFaults(bad_signature=True), "paid, the IPN/commit has a wrong signature"),
    MagicValue("sbx-amount", "approve", IpnFaults(wrong_amount=True), "hmac: the IPN carries amount + 1,000 VND"),
    MagicValue("sbx-stale", "approve", IpnFaults(stale_timestamp=True), "the IPN/commit is 10 minutes old"),
)

# Values the sandbox does not act on but the demo supplier does (webview.payments.supplier): listed for the docs.
SUPPLIER_MAGIC = (
    ("traveller named ISSUE FAIL, or contact email fail-issue@…", "issuance fails → issue FAILED → automatic refund"),
    ("contact email fail-void@…", "the supplier refuses to void: an operator cancel of an issued order is refused"),
    ("contact email slow-issue@…", "issuance takes DEMO_SUPPLIER_SLOW_SECONDS (default 5 s)"),
)


def magic_for(identify_code: str | None) -> MagicValue | None:
    """The magic row whose prefix the user id starts with (case-insensitive), or None."""
    code = (identify_code or "").strip().lower()
    return next((row for row in MAGIC_VALUES if code.startswith(row.prefix)), None)
