"""Certification (acceptance) of a sandbox partner's own integration: the checklist of DESIGN "Partner portal and
go-live", each item judged from what the merchant observed — the message log (`webview.messagelog`), the orders,
their result links — never from what the partner says it did.

An item is `green` (observed, correct; its evidence is the message that proves it), `red` (observed, wrong: the
evidence is the message that was wrong) or `grey` (not observed yet). Items that the partner's integration profile
has no use for (an envelope partner has no create/query/refund endpoints) do not apply and are not required.
Nothing here writes; `evaluate_checklist` is a read of the partner's own rows only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webview.booking.models import Booking
from webview.extensions import db
from webview.messagelog.models import PartnerMessage
from webview.partners.models import Partner
from webview.payments.models import UsedResultLink
from webview.profiles import IntegrationProfile, profile_of

GREEN, GREY, RED = "green", "grey", "red"
INBOUND, OUTBOUND = "inbound", "outbound"
ACCEPTED_CODES = {"0", "00"}  # hmac answers 0, envelope 00 (DESIGN, both profiles)
SCAN_LIMIT = 2000  # the newest messages of one kind looked at per item: the checklist stays cheap on a busy partner

# The message-log kinds (the API endpoint names, `webview.api.views.start_exchange`) by what a profile says of itself.
LAUNCH_KIND = {"hmac-headers": "webview-url", "sealed-envelope": "partner-login"}
STATUS_KIND = {"ipn": "payment-ipn", "commit": "partner-commit"}
CREATE_KIND, QUERY_KIND, REFUND_KIND = "create-transaction", "query-transaction", "refund"
RECON_SERVED_KIND, RECON_FETCHED_KIND = "reconciliation-file", "reconciliation-fetch"


@dataclass(frozen=True)
class CheckItem:
    """One line of the checklist: what is checked, whether go-live needs it, what was observed, and the proof."""

    item_id: str
    title: str
    hint: str  # how the partner's integration makes it green
    required: bool
    applies: bool
    status: str  # green | grey | red
    detail: str = ""
    evidence_message_id: int | None = None
    evidence_reference: str | None = None  # the order it was observed on, when the proof is not a message

    @property
    def green(self) -> bool:
        return self.status == GREEN


@dataclass(frozen=True)
class Checklist:
    """The evaluated checklist of one sandbox partner."""

    partner_code: str
    items: tuple[CheckItem, ...]

    @property
    def required_green(self) -> bool:
        """Every required item is green: the admin may request go-live."""
        return all(item.green for item in self.items if item.required)

    @property
    def missing(self) -> list[str]:
        """Ids of required items not green yet."""
        return [item.item_id for item in self.items if item.required and not item.green]

    def item(self, item_id: str) -> CheckItem:
        return next(item for item in self.items if item.item_id == item_id)

    def as_dict(self) -> dict[str, Any]:
        """The checklist as stored with a go-live request (the operator reviews what the admin saw)."""
        return {"partner_code": self.partner_code, "required_green": self.required_green, "items": [
            {"id": i.item_id, "title": str(i.title), "required": i.required, "applies": i.applies,
             "status": i.status, "detail": i.detail, "evidence_message_id": i.evidence_message_id,
             "evidence_reference": i.evidence_reference} for i in self.items]}


class CertificationError(ValueError):
    """The partner cannot be certified here (not a sandbox partner); the message is one line."""


# ---------------------------------------------------------------- reading what was observed


def answer_code(message: PartnerMessage) -> str | None:
    """The result code of a logged exchange: the logged one, else the `code` of its JSON answer."""
    if message.result_code is not None:
        return message.result_code
    data = _json(message.response_body)
    code = data.get("code") if isinstance(data, dict) else None
    return None if code is None or isinstance(code, bool) else str(code)


def accepted(message: PartnerMessage) -> bool:
    """An exchange answered HTTP 200 with a success code."""
    return message.status_code == 200 and answer_code(message) in ACCEPTED_CODES


def _json(text: str | None) -> Any:
    try:
        return json.loads(text or "")
    except ValueError:
        return None


def _data_field(body: str, name: str) -> str | None:
    """`data.<name>` (or top-level `<name>`) of a logged JSON body."""
    parsed = _json(body)
    if not isinstance(parsed, dict):
        return None
    data = parsed.get("data")
    value = data.get(name) if isinstance(data, dict) and name in data else parsed.get(name)
    return None if value is None else str(value)


def _messages(partner: Partner, kind: str, direction: str) -> list[PartnerMessage]:
    """The partner's logged exchanges of one kind and direction, oldest first (the newest SCAN_LIMIT)."""
    rows = db.session.scalars(
        select(PartnerMessage).where(PartnerMessage.partner_id == partner.id, PartnerMessage.kind == kind,
                                     PartnerMessage.direction == direction)
        .order_by(PartnerMessage.id.desc()).limit(SCAN_LIMIT))
    return list(reversed(list(rows)))


def _describe(message: PartnerMessage) -> str:
    code = answer_code(message)
    return f"#{message.id} {message.method} → HTTP {message.status_code}" + (f", code {code}" if code else "") + (
        f" · {message.verdict}" if message.verdict else "")


# ---------------------------------------------------------------- the items


@dataclass(frozen=True)
class _Judgement:
    status: str
    detail: str = ""
    message_id: int | None = None
    reference: str | None = None


def _latest_answered(rows: list[PartnerMessage], what: str) -> _Judgement:
    """Green when the newest exchange was accepted, red when it was not, grey when there is none."""
    if not rows:
        return _Judgement(GREY, f"no {what} observed yet")
    good = [row for row in rows if accepted(row)]
    latest = rows[-1]
    if accepted(latest):
        return _Judgement(GREEN, _describe(latest), latest.id, latest.reference)
    if good:  # an accepted one exists, the newest failed: show the failure, it is what the partner must fix
        return _Judgement(RED, f"the latest {what} failed: {_describe(latest)}", latest.id, latest.reference)
    return _Judgement(RED, f"no accepted {what} yet: {_describe(latest)}", latest.id, latest.reference)


def judge_launch(partner: Partner, profile: IntegrationProfile) -> _Judgement:
    return _latest_answered(_messages(partner, LAUNCH_KIND[profile.authentication], INBOUND), "signed launch")


def judge_refusals(partner: Partner, profile: IntegrationProfile) -> _Judgement:
    """A call of the partner that the merchant refused, followed by an accepted call of the same kind: the
    partner's integration saw the refusal and recovered (rather than retrying the same wrong call forever)."""
    kinds = (LAUNCH_KIND[profile.authentication], STATUS_KIND[profile.status_arrives_by], RECON_SERVED_KIND)
    rows = sorted((row for kind in kinds for row in _messages(partner, kind, INBOUND)), key=lambda row: row.id)
    refused = [row for row in rows if not accepted(row)]
    if not refused:
        return _Judgement(GREY, "no refused call observed yet (send one signed with a wrong secret, then a "
                                "correct one)")
    for row in refused:
        recovered = next((later for later in rows if later.id > row.id and later.kind == row.kind
                          and accepted(later)), None)
        if recovered is not None:
            return _Judgement(GREEN, f"refused {_describe(row)}; then accepted #{recovered.id}", row.id,
                              row.reference)
    latest = refused[-1]
    return _Judgement(RED, f"refused {_describe(latest)} and no accepted call of that kind since", latest.id,
                      latest.reference)


def judge_create(partner: Partner, profile: IntegrationProfile) -> _Judgement:
    return _latest_answered(_messages(partner, CREATE_KIND, OUTBOUND), "create-transaction answer")


def _repeats(rows: Iterable[PartnerMessage], key: Callable[[PartnerMessage], str | None]) -> dict[str,
                                                                                                     list[PartnerMessage]]:
    groups: dict[str, list[PartnerMessage]] = {}
    for row in rows:
        value = key(row)
        if value:
            groups.setdefault(value, []).append(row)
    return {value: found for value, found in groups.items() if len(found) > 1}


def judge_create_repeat(partner: Partner, profile: IntegrationProfile) -> _Judgement:
    """The same create sent twice for one order: both accepted, with the same transaction_id."""
    answered = [row for row in _messages(partner, CREATE_KIND, OUTBOUND) if accepted(row)]
    repeated = _repeats(answered, lambda row: row.reference)
    if not repeated:
        return _Judgement(GREY, "no repeated create observed yet (the certification cases send one)")
    verdict: _Judgement | None = None
    for reference, found in repeated.items():
        ids = {_data_field(row.response_body, "transaction_id") for row in found}
        if len(ids) == 1 and None not in ids:
            verdict = _Judgement(GREEN, f"order {reference}: {len(found)} creates answered transaction "
                                        f"{ids.pop()}", found[-1].id, reference)
        elif verdict is None:
            verdict = _Judgement(RED, f"order {reference}: the repeated create answered another transaction "
                                      f"({', '.join(sorted(str(value) for value in ids))})", found[-1].id, reference)
    return verdict


def judge_query(partner: Partner, profile: IntegrationProfile) -> _Judgement:
    return _latest_answered(_messages(partner, QUERY_KIND, OUTBOUND), "query answer")


def judge_status(partner: Partner, profile: IntegrationProfile) -> _Judgement:
    what = "IPN" if profile.status_arrives_by == "ipn" else "commit"
    return _latest_answered(_messages(partner, STATUS_KIND[profile.status_arrives_by], INBOUND), f"signed {what}")


def judge_duplicate_status(partner: Partner, profile: IntegrationProfile) -> _Judgement:
    """The same payment status sent again for one order (the partner's retry): accepted again, the order paid
    once."""
    answered = [row for row in _messages(partner, STATUS_KIND[profile.status_arrives_by], INBOUND) if accepted(row)]
    repeated = _repeats(answered, lambda row: row.reference)
    if not repeated:
        return _Judgement(GREY, "no repeated status for one order observed yet")
    reference, found = next(iter(repeated.items()))
    return _Judgement(GREEN, f"order {reference}: {len(found)} deliveries accepted", found[1].id, reference)


def judge_refund(partner: Partner, profile: IntegrationProfile) -> _Judgement:
    return _latest_answered(_messages(partner, REFUND_KIND, OUTBOUND), "refund answer")


def judge_refund_repeat(partner: Partner, profile: IntegrationProfile) -> _Judgement:
    """The same refund request_id sent twice: both answered, with the same answer code."""
    rows = [row for row in _messages(partner, REFUND_KIND, OUTBOUND) if row.status_code == 200]
    repeated = _repeats(rows, lambda row: _data_field(row.request_body, "request_id"))
    if not repeated:
        return _Judgement(GREY, "no refund repeated with the same request_id observed yet")
    verdict: _Judgement | None = None
    for request_id, found in repeated.items():
        if all(accepted(row) for row in found):
            return _Judgement(GREEN, f"refund {request_id}: {len(found)} requests answered code 0", found[-1].id,
                              found[-1].reference)
        verdict = verdict or _Judgement(RED, f"refund {request_id}: a repeat answered "
                                             f"{', '.join(str(answer_code(row)) for row in found)}",
                                        found[-1].id, found[-1].reference)
    return verdict


def judge_result_link(partner: Partner, profile: IntegrationProfile) -> _Judgement:
    """A signed result link of one of the partner's orders was opened and accepted (the merchant keeps each
    accepted link once, `UsedResultLink`); a refused link is never kept."""
    reference = db.session.scalar(
        select(Booking.reference).join(UsedResultLink, UsedResultLink.booking_id == Booking.id)
        .where(Booking.partner_id == partner.id).order_by(UsedResultLink.id.desc()).limit(1))
    if reference is None:
        return _Judgement(GREY, "no signed result link opened yet")
    return _Judgement(GREEN, f"the result link of order {reference} was accepted", None, reference)


def judge_reconciliation(partner: Partner, profile: IntegrationProfile) -> _Judgement:
    """The partner fetched the merchant's file (API), or the merchant fetched the partner's."""
    rows = sorted(_messages(partner, RECON_SERVED_KIND, INBOUND) + _messages(partner, RECON_FETCHED_KIND, OUTBOUND),
                  key=lambda row: row.id)
    good = [row for row in rows if row.status_code == 200 and answer_code(row) in (ACCEPTED_CODES | {None})]
    if good:
        return _Judgement(GREEN, _describe(good[-1]), good[-1].id)
    if rows:
        return _Judgement(RED, f"no file fetched yet: {_describe(rows[-1])}", rows[-1].id)
    return _Judgement(GREY, "no reconciliation file fetched yet")


@dataclass(frozen=True)
class ItemSpec:
    """A checklist item: its id, words, and which profiles it applies to."""

    item_id: str
    title: Any  # a lazy string
    hint: Any
    judge: Callable[[Partner, IntegrationProfile], _Judgement]
    applies: Callable[[IntegrationProfile], bool] = lambda profile: True


ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec("launch", _l("A valid signed launch"),
             _l("Your back end asks for the webview URL with a correct signature."), judge_launch),
    ItemSpec("refusals", _l("Refusals handled"),
             _l("A call refused by the merchant (e.g. a wrong signature) is followed by a corrected one."),
             judge_refusals),
    ItemSpec("create", _l("Create transaction answered"),
             _l("Your create-transaction endpoint answers the merchant's signed call with code 0."), judge_create,
             lambda profile: profile.creates_partner_transaction),
    ItemSpec("create-repeat", _l("Create transaction idempotent on repeat"),
             _l("The same create sent again answers the same transaction_id."), judge_create_repeat,
             lambda profile: profile.creates_partner_transaction),
    ItemSpec("query", _l("Query transaction answered"),
             _l("Your query endpoint answers with the transaction, its status and amount."), judge_query,
             lambda profile: profile.can_query_partner),
    ItemSpec("status", _l("An IPN or commit correctly signed"),
             _l("Your payment status reaches the merchant signed and is accepted."), judge_status),
    ItemSpec("duplicate-status", _l("A duplicate IPN"),
             _l("The same payment status sent again is accepted and changes nothing."), judge_duplicate_status),
    ItemSpec("refund", _l("Refund answered"),
             _l("Your refund endpoint answers the merchant's signed refund with code 0."), judge_refund,
             lambda profile: not profile.refunds_are_manual),
    ItemSpec("refund-repeat", _l("Refund idempotent on the same request_id"),
             _l("The same refund request_id sent again answers the first result."), judge_refund_repeat,
             lambda profile: not profile.refunds_are_manual),
    ItemSpec("result-link", _l("The result link signed"),
             _l("Your user comes back through the signed result link, and the merchant accepts it."),
             judge_result_link),
    ItemSpec("reconciliation", _l("Reconciliation file fetched"),
             _l("Your back end fetches the merchant's reconciliation file of a closed day."), judge_reconciliation),
)
ITEM_IDS: tuple[str, ...] = tuple(spec.item_id for spec in ITEMS)


def require_sandbox_partner(partner: Partner | None) -> Partner:
    """The partner when it can be certified (a sandbox partner); CertificationError otherwise."""
    if partner is None:
        raise CertificationError("unknown partner")
    if partner.environment != "sandbox":
        raise CertificationError(f"partner {partner.code} is a {partner.environment} partner: certification runs "
                                 "in the sandbox environment")
    return partner


def evaluate_checklist(partner: Partner) -> Checklist:
    """The partner's checklist as observed now (reads only the partner's own rows)."""
    require_sandbox_partner(partner)
    profile = profile_of(partner)
    items = []
    for spec in ITEMS:
        applies = spec.applies(profile)
        if not applies:
            items.append(CheckItem(spec.item_id, spec.title, spec.hint, required=False, applies=False, status=GREY,
                                   detail="does not apply to this integration profile"))
            continue
        judged = spec.judge(partner, profile)
        items.append(CheckItem(spec.item_id, spec.title, spec.hint, required=True, applies=True,
                               status=judged.status, detail=judged.detail[:400],
                               evidence_message_id=judged.message_id, evidence_reference=judged.reference))
    return Checklist(partner.code, tuple(items))


def evidence_message(partner: Partner, message_id: int) -> PartnerMessage | None:
    """One logged exchange of this partner (None for another partner's: no reading across partners)."""
    message = db.session.get(PartnerMessage, message_id)
    return message if message is not None and message.partner_id == partner.id else None
