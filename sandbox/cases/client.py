"""A small client of the sandbox test API (DESIGN.md "Hooks"): what an outside suite, or the case runner, calls to
play the partner — launch, approve/decline/pend/cancel a payment with faults, refund, read messages and mail."""

from __future__ import annotations

import time
from typing import Any

import requests

TIMEOUT = (3.05, 30.0)


class SandboxApiError(RuntimeError):
    """The test API refused a call: its HTTP status and JSON answer (or text) are kept."""

    def __init__(self, method: str, path: str, status: int, body: object) -> None:
        super().__init__(f"{method} {path} → HTTP {status}: {body}")
        self.status = status
        self.body = body


class SandboxApi:
    """Calls /sandbox/api on a running webview; `token` is SANDBOX_TOKEN for a sandbox not on loopback."""

    def __init__(self, base_url: str, token: str | None = None, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, *, json: dict | None = None, params: dict | None = None,
             ok: tuple[int, ...] = (200,)) -> Any:
        """One test API call; the JSON answer, or SandboxApiError when the status is not in `ok`."""
        response = self.session.request(method, f"{self.base_url}/sandbox/api{path}", json=json, params=params,
                                        timeout=TIMEOUT)
        try:
            body = response.json()
        except ValueError:
            body = response.text[:500]
        if response.status_code not in ok:
            raise SandboxApiError(method, path, response.status_code, body)
        return body

    def launch(self, partner_code: str, identify_code: str, identify_phone: str = "0912345678",
               **fields: Any) -> dict:
        """Launch the webview as the partner's back end would: {url_open, url_checkout_result}."""
        body = {"partner_code": partner_code, "identify_code": identify_code, "identify_phone": identify_phone,
                **fields}
        return self.call("POST", "/launch", json=body)

    def transaction(self, reference: str, partner_code: str | None = None) -> dict:
        """The sandbox partner's view of an order's payment (status, amount, refunds)."""
        params = {"reference_transaction_id": reference, **({"partner_code": partner_code} if partner_code else {})}
        return self.call("GET", "/transactions", params=params)

    def settle(self, transaction_id: str, action: str, faults: dict | None = None) -> dict:
        """approve | decline | cancel | pend | timeout, then the IPN or commit is sent (`ipn`, `result_url`)."""
        body = {"faults": faults} if faults is not None else {}
        return self.call("POST", f"/transactions/{transaction_id}/{action}", json=body)

    def approve(self, transaction_id: str, faults: dict | None = None) -> dict:
        """Pay (PIN accepted); `faults` shapes the IPN/commit (delay_s, duplicate, drop, reorder, bad_signature,
        wrong_amount, stale_timestamp); without faults the user id's magic value applies."""
        return self.settle(transaction_id, "approve", faults)

    def decline(self, transaction_id: str) -> dict:
        """Insufficient funds: IPN FAILURE (envelope: nothing is committed)."""
        return self.settle(transaction_id, "decline")

    def pend(self, transaction_id: str) -> dict:
        """Leave the payment pending: IPN PENDING (envelope: nothing is committed)."""
        return self.settle(transaction_id, "pend")

    def cancel(self, transaction_id: str) -> dict:
        """The user cancels in the wallet: IPN FAILURE (envelope: nothing is committed)."""
        return self.settle(transaction_id, "cancel")

    def refund(self, reference: str, amount: int | None, reason: str = "sandbox test refund") -> dict:
        """Operator refund, as `flask refunds create` (amount None: all that is left)."""
        return self.call("POST", "/refunds", json={"reference_transaction_id": reference, "amount": amount,
                                                   "reason": reason})

    def messages(self, reference: str, kind: str | None = None) -> list[dict]:
        """The exchanges of an order, both ways, oldest first."""
        params = {"reference_transaction_id": reference, **({"kind": kind} if kind else {})}
        return self.call("GET", "/messages", params=params)

    def mail(self, to: str) -> list[dict]:
        """The mails caught for an address: [{to, subject, kind, text, html}]."""
        return self.call("GET", "/mail", params={"to": to})

    def wait_mail(self, to: str, kind: str, timeout: float = 15.0) -> dict:
        """The newest mail of `kind` to an address, waiting for the jobs outbox to send it (TimeoutError)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [mail for mail in self.mail(to) if mail.get("kind") == kind]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {kind} mail to {to} within {timeout:.0f} s")
            time.sleep(0.3)
