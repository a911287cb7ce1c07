"""The certification test-case runner: each case talks to the live app over HTTP as the partner and its users
would, and passes or fails with evidence (the exchanges it made, and the logged messages of the orders it made).
A case that does not apply to the partner's profile is reported "not run" with the reason."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import requests
from flask import current_app, has_app_context

from sandbox.cases import after_payment, journeys
from sandbox.cases.client import SandboxApiError
from sandbox.cases.context import CaseFailed, CaseNotApplicable, Context
from sandbox.credentials import PartnerCredentials
from sandbox.partner.envelope_side import stranger_key
from sandbox.protocol import envelope, hmac_auth
from sandbox.reconciliation.case import case_reconciliation_file

TIMEOUT = (3.05, 20.0)
PARALLEL_CASES = 4  # cases run side by side (run_cases); most of a case's time is waiting for jobs and the poller


@dataclass(frozen=True)
class Case:
    """One certification case, the profiles it applies to, and why it does not apply to the others."""

    case_id: str
    title: str
    profiles: tuple[str, ...]
    run: Callable[[Context], None]
    reason_not_run: str = ""


@dataclass
class CaseResult:
    case_id: str
    title: str
    outcome: str  # passed | failed | not run
    detail: str
    evidence: list[str]
    seconds: float


@dataclass
class Report:
    partner_code: str
    base_url: str
    started_at: str
    results: list[CaseResult]

    @property
    def failed(self) -> bool:
        return any(result.outcome == "failed" for result in self.results)

    def counts(self) -> dict[str, int]:
        counts = {"passed": 0, "failed": 0, "not run": 0}
        for result in self.results:
            counts[result.outcome] += 1
        return counts

    def as_dict(self) -> dict:
        return {"partner_code": self.partner_code, "base_url": self.base_url, "started_at": self.started_at,
                "counts": self.counts(), "results": [asdict(result) for result in self.results]}


# --- helpers -----------------------------------------------------------------------------------------------

def launch_body(user: str) -> bytes:
    return json.dumps({"identify_code": user, "identify_phone": "0912345678", "product": "vip", "locale": "vi"},
                      separators=(",", ":")).encode()


def post_launch(ctx: Context, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(f"{ctx.base_url}/api/v1/webview-url", data=body, timeout=TIMEOUT,
                         headers={"Content-Type": "application/json", **headers})


def signed(ctx: Context, body: bytes, *, secret: str | None = None) -> dict[str, str]:
    return hmac_auth.signed_headers(ctx.partner.client_id, secret or ctx.partner.client_secret, body)


def post_login(ctx: Context, user: str, *, stranger: bool = False, twice: bool = False):
    partner = ctx.partner
    own = stranger_key() if stranger else envelope.load_private_key(partner.partner_private_key_pem or "")
    merchant = envelope.load_public_key(partner.merchant_public_key_pem)
    values = {"access_code": partner.access_code, "user_id": user, "layout": "dual", "product": "vip"}
    sealed = envelope.seal(envelope.LOGIN_REQUEST, partner.suite, values, sender_private=own, receiver_public=merchant)
    headers = {"apikey": partner.api_key, "x-ibe-req-name": partner.access_code}
    answers = [requests.post(f"{ctx.base_url}/api/v1/partner/login", json=sealed.as_body(), timeout=TIMEOUT,
                             headers=headers) for _ in range(2 if twice else 1)]
    return tuple(answers) if twice else answers[0]


def _code(response: requests.Response) -> object:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code", body.get("error_code")) if isinstance(body, dict) else None


# --- the cases -------------------------------------------------------------------------------------------

def case_launch_valid(ctx: Context) -> None:
    """A correctly signed launch returns url_open, which opens the webview."""
    url_open = launch_url(ctx, f"case-{time.time_ns()}")
    opened = requests.get(url_open, allow_redirects=False, timeout=TIMEOUT)
    ctx.record("open url_open", opened)
    ctx.expect(opened.status_code in (302, 303), "url_open did not open the webview")


def case_launch_bad_signature(ctx: Context) -> None:
    """A launch signed with the wrong key is refused (hmac 7 / envelope 04) and opens nothing."""
    if ctx.partner.profile == "envelope":
        response = post_login(ctx, "case-bad-signature", stranger=True)
        ctx.record("login (stranger's key)", response)
        ctx.expect(response.status_code == 401, "a login signed by another key was accepted")
        return
    body = launch_body("case-bad-signature")
    response = post_launch(ctx, body, signed(ctx, body, secret=ctx.partner.client_secret + "x"))
    ctx.record("launch (wrong secret)", response)
    ctx.expect(response.status_code == 401 and _code(response) == 7, "a badly signed launch was not refused")


def launch_url(ctx: Context, user: str) -> str:
    """url_open of a correctly signed launch: hmac straight from the partner API; envelope through the test API,
    which seals the login, opens the sealed answer and checks its signature and error code 00."""
    if ctx.profile == "envelope":
        urls = ctx.api.launch(ctx.partner.partner_code, user, product="vip")
        ctx.note("login (sealed, answered 00)", urls)
        return urls["url_open"]
    body = launch_body(user)
    response = post_launch(ctx, body, signed(ctx, body))
    ctx.record("launch", response)
    ctx.expect(response.status_code == 200 and _code(response) == 0, "a signed launch was not accepted")
    return response.json()["data"]["url_open"]


def case_launch_token_reused(ctx: Context) -> None:
    """url_open works once: a second use is refused."""
    url_open = launch_url(ctx, f"case-reuse-{time.time_ns()}")
    first = requests.get(url_open, allow_redirects=False, timeout=TIMEOUT)
    second = requests.get(url_open, allow_redirects=False, timeout=TIMEOUT)
    ctx.record("first open", first)
    ctx.record("second open", second)
    ctx.expect(first.status_code in (302, 303), "the first open did not enter the webview")
    ctx.expect(second.status_code >= 400, "the launch token worked twice")


def case_replay_refused(ctx: Context) -> None:
    """The same signed request sent twice: the second is refused (hmac 7; envelope modern 04)."""
    if ctx.profile == "envelope":
        if ctx.partner.suite == "legacy":
            raise CaseNotApplicable("the legacy envelope suite has no timestamp, so no replay window (DESIGN.md: "
                                    "sandbox only unless an operator allows it)")
        first, second = post_login(ctx, f"case-replay-{time.time_ns()}", twice=True)
        ctx.record("login", first)
        ctx.record("the same login again", second)
        ctx.expect(first.status_code == 200, "the original login failed")
        ctx.expect(second.status_code == 401, "the replayed login was accepted")
        return
    body = launch_body(f"case-replay-{time.time_ns()}")
    headers = signed(ctx, body)
    first, second = post_launch(ctx, body, headers), post_launch(ctx, body, headers)
    ctx.record("first", first)
    ctx.record("replay", second)
    ctx.expect(_code(first) == 0, "the original request failed")
    ctx.expect(second.status_code == 401 and _code(second) == 7, "the replayed request was accepted")


BOTH = ("hmac", "envelope")
HMAC_ONLY = "hmac partners only: "
CASES: tuple[Case, ...] = (
    Case("launch-valid", "Launch with a valid signature", BOTH, case_launch_valid),
    Case("launch-bad-signature", "Launch refused for a bad signature", BOTH, case_launch_bad_signature),
    Case("launch-token-reused", "Expired or reused launch token", BOTH, case_launch_token_reused),
    Case("replay-refused", "Replayed request refused", BOTH, case_replay_refused),
    Case("hold-and-pay", "Hold and pay success", BOTH, journeys.case_hold_and_pay),
    Case("decline-then-retry", "Decline then try again", ("hmac",), journeys.case_decline_then_retry,
         HMAC_ONLY + "an envelope wallet commits only payments it took; a declined booking simply expires"),
    Case("cancel", "Cancel (operator cancels an issued booking)", BOTH, after_payment.case_cancel),
    Case("release-hold", "User releases a held booking", BOTH, journeys.case_release_hold),
    Case("pending-then-success", "Pending then success", BOTH, journeys.case_pending_then_success),
    Case("duplicate-ipn", "Duplicate IPN", BOTH, journeys.case_duplicate_ipn),
    Case("lost-ipn-query", "Lost IPN recovered by query", ("hmac",), journeys.case_lost_ipn_query,
         HMAC_ONLY + "the merchant has no query API to call on an envelope partner; its booking expires"),
    Case("wrong-amount", "Wrong amount refused", ("hmac",), journeys.case_wrong_amount,
         HMAC_ONLY + "an envelope commit carries no amount"),
    Case("partial-refund", "Partial refund", BOTH, after_payment.case_partial_refund),
    Case("full-refund", "Full refund", BOTH, after_payment.case_full_refund),
    Case("issue-failed-refund", "Paid but not issued → automatic refund", BOTH, after_payment.case_issue_failed_refund),
    Case("result-fresh-webview", "Result page opened from a fresh webview", BOTH,
         after_payment.case_result_fresh_webview),
    Case("reconciliation-file", "Reconciliation file of a closed day", BOTH, case_reconciliation_file),
)


def run_one(case: Case, ctx: Context) -> tuple[str, str]:
    """Run one case: ("passed", "") or ("failed", why). Any unexpected answer of the live app is a failure."""
    try:
        case.run(ctx)
    except CaseFailed as failure:
        return "failed", str(failure)
    except CaseNotApplicable as reason:
        return "not run", str(reason)
    except (AssertionError, LookupError, ValueError, SandboxApiError, requests.RequestException) as error:
        return "failed", f"{type(error).__name__}: {error}"
    return "passed", ""


def run_cases(base_url: str, partner: PartnerCredentials, only: set[str] | None = None,
              token: str | None = None, workers: int = PARALLEL_CASES) -> Report:
    """Run every case that applies to the partner's profile (or only the given ids) and report, in CASES order.

    Up to `workers` cases run side by side: each case makes its own customers and orders, pays with per-payment
    faults and reads its evidence by its own order references, so no case sees another's (1 runs them one by one).
    `token` is the sandbox's SANDBOX_TOKEN when it has one (its test API and operator panel need it)."""
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    app = current_app._get_current_object() if has_app_context() else None  # cases read the sandbox's own rows

    def result_of(case: Case) -> CaseResult:
        ctx = Context(base_url.rstrip("/"), partner, token=token)
        began = time.perf_counter()
        if partner.profile not in case.profiles:
            outcome, detail = "not run", case.reason_not_run
        else:
            with app.app_context() if app is not None else contextlib.nullcontext():  # each thread its own context
                outcome, detail = run_one(case, ctx)
                ctx.collect_exchanges()
        return CaseResult(case.case_id, case.title, outcome, detail, ctx.evidence,
                          round(time.perf_counter() - began, 3))

    chosen = [case for case in CASES if not only or case.case_id in only]
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="case") as pool:
        results = list(pool.map(result_of, chosen))
    return Report(partner.partner_code, base_url, started, results)
