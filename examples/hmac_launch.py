#!/usr/bin/env python3
"""Partner sample (profile hmac): ask the merchant for the URL that opens the webview, and print url_open.

Needs only `requests`. Usage:
    python examples/hmac_launch.py --base-url http://127.0.0.1:5000 --client-id ID --client-secret SECRET \
        --identify-code user-42 --identify-phone 0912345678
    python examples/hmac_launch.py --demo instance/demo-partners.json --partner demo-redirect

Signing (docs/partners/hmac.md):
    X-Timestamp = unix milliseconds
    P           = timestamp + "." + client_id + "." + raw body bytes (exactly the bytes sent)
    X-Signature = lowercase hex HMAC-SHA256(key = client_secret as UTF-8, msg = base64url_nopad(P))
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import sys
import time

import requests

TIMEOUT = (3.05, 15)  # connect, read: never wait forever on the network


def sign(client_id: str, client_secret: str, timestamp: str, body: bytes) -> str:
    """The X-Signature of one request."""
    payload = f"{timestamp}.{client_id}.".encode() + body
    message = base64.urlsafe_b64encode(payload).rstrip(b"=")
    return hmac.new(client_secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def request_webview_url(base_url: str, client_id: str, client_secret: str, launch: dict) -> dict:
    """POST /api/v1/webview-url and return the parsed answer {code, message, data}."""
    body = json.dumps(launch, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    timestamp = str(int(time.time() * 1000))
    headers = {
        "Content-Type": "application/json",
        "X-Client-Id": client_id,
        "X-Timestamp": timestamp,
        "X-Signature": sign(client_id, client_secret, timestamp, body),
    }
    response = requests.post(base_url.rstrip("/") + "/api/v1/webview-url", data=body, headers=headers,
                             timeout=TIMEOUT)
    try:
        return response.json()
    except ValueError:
        return {"code": -1, "message": f"HTTP {response.status_code}, not JSON"}


def demo_credentials(path: str, partner_code: str) -> dict:
    """One partner's entry of the demo credentials file written by `flask demo seed`."""
    with open(path, encoding="utf-8") as handle:
        entries = json.load(handle)
    for entry in entries:
        if entry.get("partner_code") == partner_code:
            return entry
    raise SystemExit(f"partner {partner_code!r} is not in {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5000")
    parser.add_argument("--client-id")
    parser.add_argument("--client-secret")
    parser.add_argument("--demo", metavar="FILE", help="read credentials from instance/demo-partners.json")
    parser.add_argument("--partner", default="demo-redirect", help="partner code in the --demo file")
    parser.add_argument("--identify-code", default="demo-user-1", help="your user's id")
    parser.add_argument("--identify-phone", default="0912345678")
    parser.add_argument("--identify-fullname")
    parser.add_argument("--email")
    parser.add_argument("--product", choices=["flight", "hotel", "vip"])
    parser.add_argument("--layout", choices=["single", "dual"])
    parser.add_argument("--locale", choices=["vi", "en"])
    args = parser.parse_args(argv)

    client_id, client_secret = args.client_id, args.client_secret
    if args.demo:
        entry = demo_credentials(args.demo, args.partner)
        client_id, client_secret = client_id or entry["client_id"], client_secret or entry["client_secret"]
    if not client_id or not client_secret:
        parser.error("give --client-id and --client-secret, or --demo FILE --partner CODE")

    launch = {"identify_code": args.identify_code, "identify_phone": args.identify_phone}
    for name in ("identify_fullname", "email", "product", "layout", "locale"):
        if getattr(args, name):
            launch[name] = getattr(args, name)
    try:
        answer = request_webview_url(args.base_url, client_id, client_secret, launch)
    except requests.RequestException as error:
        print(f"cannot reach {args.base_url}: {error}", file=sys.stderr)
        return 1
    if answer.get("code") != 0:
        print(f"refused: code {answer.get('code')}: {answer.get('message')} {answer.get('data') or ''}".rstrip(),
              file=sys.stderr)
        return 1
    print(answer["data"]["url_open"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
