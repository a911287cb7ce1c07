"""`GET /api/v1/reconciliation?date=YYYYMMDD[&part=n]`: the merchant's file of a closed day, streamed as CSV.

A blueprint of its own under /api/v1 that runs the partner API's own request hooks (message log, GET without
a body, the per-address limit) and its authentication (webview.reconciliation.profiles), CSRF exempt.
"""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Blueprint, Response, request, stream_with_context

from webview.api.auth import address_rate_limit, client_address_key, note_exchange
from webview.api.errors import ApiError
from webview.api.views import log_api_exchange, start_exchange
from webview.db import utcnow
from webview.extensions import limiter
from webview.reconciliation.files import (
    LOCAL_ZONE,
    ReconciliationError,
    file_bytes,
    generate_day,
    parse_day,
    stored_parts,
)
from webview.reconciliation.profiles import authenticate_api_partner

bp = Blueprint("reconciliation_api", __name__, url_prefix="/api/v1")
bp.before_request(start_exchange)
bp.after_request(log_api_exchange)
limiter.limit(address_rate_limit, key_func=client_address_key)(bp)

PART_PATTERN = re.compile(r"[1-9][0-9]{0,3}")
ON_DEMAND_DAYS = 62  # a closed day this recent is written on first request if the job has not yet; older ones
# are served only when stored (so nobody makes us write files for arbitrary old days)


@bp.get("/reconciliation")
def reconciliation_file() -> Response:
    """Both profiles: one part of the merchant's file for a closed day (code 1 malformed, 3 not there yet)."""
    partner = authenticate_api_partner()
    if isinstance(partner, Response):
        return partner
    if set(request.args) - {"date", "part"}:
        raise ApiError(1, "only date and part are accepted", fields=sorted(set(request.args) - {"date", "part"}))
    part_text = request.args.get("part", "1")
    if not PART_PATTERN.fullmatch(part_text):
        raise ApiError(1, "part must be a whole number from 1", fields=["part"])
    try:
        day = parse_day(request.args.get("date", ""))
        recent = day >= utcnow().astimezone(LOCAL_ZONE).date() - timedelta(days=ON_DEMAND_DAYS)
        parts = generate_day(partner, day) if recent else stored_parts(partner, day)
    except ReconciliationError as error:
        if error.reason == "malformed":
            raise ApiError(1, "date must be YYYYMMDD", fields=["date"]) from error
        note_exchange(verdict=f"signature ok; {error}", result_code="3")
        raise ApiError(3, f"day {request.args['date']} is not closed yet", http_status=404) from error
    if not parts:
        note_exchange(verdict=f"signature ok; no file of {day:%Y%m%d}", result_code="3")
        raise ApiError(3, f"there is no file of {day:%Y%m%d}", http_status=404)
    found = next((stored for stored in parts if stored.part == int(part_text)), None)
    if found is None:
        note_exchange(verdict=f"signature ok; no part {part_text}", result_code="3")
        raise ApiError(3, f"the file of {day:%Y%m%d} has {len(parts)} part(s)", http_status=404)
    note_exchange(verdict=f"signature ok; {found.name}", result_code="0")
    headers = {
        "Content-Disposition": f'attachment; filename="{found.name}"',
        "X-Content-SHA256": found.sha256,
        "X-Content-Signature": found.signature,
        "X-Parts-Total": str(len(parts)),
        "Content-Length": str(found.size),
    }
    return Response(stream_with_context(file_bytes(found.id)), mimetype="text/csv", headers=headers,
                    content_type="text/csv; charset=utf-8")
