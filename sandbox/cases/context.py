"""What a running case has at hand: the live app, the partner it plays, the test API, fresh webview users, and the
evidence it collects (the exchanges it made, key answers, and the logged messages of the orders it touched)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field

import requests

from sandbox.cases.client import SandboxApi
from sandbox.cases.webview_user import Traveller, WebviewUser
from sandbox.credentials import PartnerCredentials
from sandbox.partner.styled import spoken_style
from sandbox.protocol.styles import can_report

BODY_EVIDENCE = 300  # characters of a JSON answer kept as evidence


class CaseFailed(AssertionError):
    """A case's expectation that did not hold."""


class CaseNotApplicable(Exception):
    """The case cannot apply to this partner's set-up (the message says why): reported "not run"."""


@dataclass
class Context:
    """One case's run: base URL, partner, evidence, and the orders (references) it made."""

    base_url: str
    partner: PartnerCredentials
    evidence: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    token: str | None = None  # SANDBOX_TOKEN of the sandbox under test (docs/sandbox.md "Access")
    _api: SandboxApi | None = None

    @property
    def profile(self) -> str:
        """The partner's integration profile: hmac or envelope."""
        return self.partner.profile

    def style_cannot(self, status: str) -> str | None:
        """Why this partner cannot report `status` (its integration style has no word for it), or None."""
        style = spoken_style(self.partner.partner_code)
        if style is None or can_report(style.document["status_in"], status):
            return None
        return f"the partner speaks the {style.name} style, which has no way to report {status}"

    @property
    def api(self) -> SandboxApi:
        """The sandbox test API of the live app (acting as this partner's back end and wallet)."""
        if self._api is None:
            self._api = SandboxApi(self.base_url, self.token)
        return self._api

    def record(self, label: str, response: requests.Response) -> None:
        """Keep a short trace of one exchange: method, path, status, and the start of a JSON answer."""
        request = response.request
        path = (request.path_url or "").split("?")[0]
        kind = response.headers.get("Content-Type", "")
        body = response.text[:BODY_EVIDENCE] if "json" in kind else f"({kind.split(';')[0] or 'no body'})"
        self.evidence.append(f"{label}: {request.method} {path} → HTTP {response.status_code} {body}")

    def note(self, label: str, value: object) -> None:
        """Keep a value as evidence (a test API answer, the statuses of an order)."""
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        self.evidence.append(f"{label}: {text[:BODY_EVIDENCE * 2]}")

    def expect(self, condition: bool, message: str) -> None:
        """Fail the case with `message` unless `condition` holds."""
        if not condition:
            raise CaseFailed(message)

    def user(self, tag: str) -> WebviewUser:
        """A new customer of this partner with a fresh webview (own cookies) and a unique user id."""
        return WebviewUser(self.base_url, self.api, self.partner.partner_code,
                           f"case-{tag}-{secrets.token_hex(4)}", record=self.record)

    def traveller(self, user: WebviewUser, full_name: str = "NGUYEN VAN AN") -> Traveller:
        """The traveller details for this user's booking, with a contact address only this case uses."""
        return Traveller(full_name=full_name, contact_email=f"{user.identify_code}@example.com")

    def hold(self, user: WebviewUser, full_name: str = "NGUYEN VAN AN") -> tuple[str, int]:
        """Open the webview, hold a VIP plan through the screens; remember the order for the evidence."""
        user.open_webview()
        reference, amount = user.hold_vip(self.traveller(user, full_name))
        self.references.append(reference)
        self.note("held", {"reference_transaction_id": reference, "amount": amount})
        return reference, amount

    def delivered(self, answer: dict) -> list[object]:
        """The result codes the merchant answered to the IPN(s) or commit(s) the wallet sent."""
        codes = [sent.get("code") for sent in answer.get("ipn", [])]
        self.note("wallet → merchant", {"sent": answer.get("ipn"), "status": answer.get("status")})
        return codes

    def success_code(self) -> int | str:
        """The merchant's success code for this profile (hmac 0, envelope "00")."""
        return "00" if self.profile == "envelope" else 0

    def collect_exchanges(self) -> None:
        """Append the logged exchanges of every order this case made (both ways), one line each."""
        for reference in self.references:
            try:
                rows = self.api.messages(reference)
            except (requests.RequestException, RuntimeError) as error:
                self.evidence.append(f"exchanges of {reference}: unavailable ({error})")
                continue
            for row in rows:
                self.evidence.append(
                    f"exchange {reference}: {row.get('direction')} {row.get('kind')} {row.get('method')} "
                    f"→ HTTP {row.get('status_code')} code {row.get('result_code')} · {row.get('verdict') or ''}")
