"""Partner registry services: onboarding, credentials, secrets rotation, keys, status and handoff checks."""

from __future__ import annotations

import ipaddress
import re
import secrets
import string
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any
from urllib.parse import quote, urlsplit

from blinker import Namespace
from flask import current_app
from sqlalchemy import select

from webview.core.netguard import host_refusal
from webview.db import utcnow
from webview.extensions import db
from webview.partners.keys import KeyFormatError, merchant_public_key_pem, parse_public_key, public_key_pem
from webview.partners.models import ENVIRONMENTS, Partner, served_environments
from webview.profiles import HMAC, PROFILE_CODES, PROFILES, SUITES, get_profile, profile_of
from webview.profiles.handoffs import BRIDGE, HANDOFF_CODES, is_bridge_function
from webview.themes import FONT_STACKS, effective_theme, validate_theme
from webview.vault import hash_api_key, open_sealed, seal

CLIENT_SECRET_PURPOSE = "client-secret"  # noqa: S105  (a vault purpose label, not a secret)
CODE_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,38}")
SCHEME_PATTERN = re.compile(r"[a-z][a-z0-9+.-]{1,31}")
HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
EMAIL_PATTERN = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")
PHONE_PATTERN = re.compile(r"\+?[0-9][0-9 .-]{5,18}")
SAFE_LOGO_PATH = re.compile(r"/(?!/)[A-Za-z0-9/._-]+")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
UNSAFE_SCHEMES = {"http", "https", "javascript", "data", "vbscript", "file", "blob", "about", "ftp", "ws", "wss"}
DEEPLINK_FIELDS = {"transaction_id", "amount"}
MAX_URL = 500
MAX_LOOKUP = 200


class PartnerError(ValueError):
    """An onboarding or registry operation was refused; the message is one clear line."""


@dataclass(frozen=True)
class PartnerSpec:
    """Everything given at onboarding (the CLI flags, or the fields of a --from file)."""

    code: str
    name: str
    address: str = ""
    website: str = ""
    environment: str = "sandbox"
    profile: str = HMAC.code
    suite: str = "modern"
    allow_legacy: bool = False
    handoff: str = "redirect"
    public_key: str | bytes | None = None  # PEM or .NET XML text
    admin_name: str = ""
    admin_email: str = ""
    admin_phone: str = ""
    support_email: str = ""
    support_phone: str = ""
    support_hours: str = ""
    create_transaction_url: str | None = None
    query_transaction_url: str | None = None
    refund_url: str | None = None
    payment_url: str | None = None
    deeplink_template: str | None = None
    bridge_function: str | None = None
    return_hosts: tuple[str, ...] = ()
    theme: Mapping[str, Any] | None = None
    logo_url: str | None = None
    font_stack: str = "system"


@dataclass(frozen=True)
class IssuedCredentials:
    """What the partner receives once at onboarding; `warnings` are for the operator and not part of it."""

    partner_code: str
    client_id: str
    client_secret: str
    api_key: str
    access_code: str
    merchant_public_key_pem: str
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def to_json(self) -> dict[str, str]:
        """The six values handed to the partner, exactly."""
        data = asdict(self)
        data.pop("warnings")
        return data


# ---------------------------------------------------------------- lookups


def find_partner(code: str) -> Partner | None:
    """The partner with this partner_code, or None."""
    if not isinstance(code, str) or not code or len(code) > MAX_LOOKUP:
        return None
    return db.session.scalar(select(Partner).where(Partner.code == code))


def find_partner_by_client_id(client_id: str) -> Partner | None:
    """The partner this deployment serves with this client_id (hmac X-Client-Id), or None."""
    if not isinstance(client_id, str) or not client_id or len(client_id) > MAX_LOOKUP:
        return None
    return db.session.scalar(select(Partner).where(Partner.client_id == client_id,
                                                   Partner.environment.in_(served_environments())))


def find_partner_by_access_code(access_code: str) -> Partner | None:
    """The partner this deployment serves with this access_code (envelope x-ibe-req-name), or None."""
    if not isinstance(access_code, str) or not access_code or len(access_code) > MAX_LOOKUP:
        return None
    return db.session.scalar(select(Partner).where(Partner.access_code == access_code,
                                                   Partner.environment.in_(served_environments())))


# ---------------------------------------------------------------- secrets


def _master_key() -> str:
    return current_app.config["MASTER_KEY"]


def partner_secrets(partner: Partner, now: datetime) -> list[str]:
    """The partner's valid client secrets in plaintext, newest first (the previous one only within its grace)."""
    found = [open_sealed(_master_key(), partner.client_secret_sealed, CLIENT_SECRET_PURPOSE).decode("utf-8")]
    expires_at = partner.previous_secret_expires_at
    if partner.previous_client_secret_sealed and expires_at is not None and expires_at > now:
        previous = open_sealed(_master_key(), partner.previous_client_secret_sealed, CLIENT_SECRET_PURPOSE)
        found.append(previous.decode("utf-8"))
    return found


def current_client_secret(partner: Partner) -> str:
    """The newest client secret, used to sign our own calls to the partner."""
    return open_sealed(_master_key(), partner.client_secret_sealed, CLIENT_SECRET_PURPOSE).decode("utf-8")


def new_credential(nbytes: int) -> str:
    """A fresh random credential (base64url of `nbytes` random bytes) that never starts with "-": partners pass
    them as command-line values and in shell scripts, where a leading dash reads as an option."""
    while True:
        value = secrets.token_urlsafe(nbytes)
        if not value.startswith("-"):
            return value


def new_client_secret() -> str:
    """A fresh client secret (384 random bits)."""
    return new_credential(48)


def new_api_key() -> str:
    """A fresh API key (256 random bits); only its hash is stored."""
    return new_credential(32)


def rotate_secret(partner: Partner, grace_seconds: int) -> str:
    """Issue a new client secret; the current one stays valid for `grace_seconds` (the caller commits)."""
    if isinstance(grace_seconds, bool) or not isinstance(grace_seconds, int) or grace_seconds < 0:
        raise PartnerError("grace period must be a whole number of seconds, 0 or more")
    secret = new_client_secret()
    partner.previous_client_secret_sealed = partner.client_secret_sealed
    partner.previous_secret_expires_at = utcnow() + timedelta(seconds=grace_seconds)
    partner.client_secret_sealed = seal(_master_key(), secret, CLIENT_SECRET_PURPOSE)
    db.session.flush()
    return secret


def rotate_api_key(partner: Partner) -> str:
    """Issue a new API key at once (the old one stops working; the caller commits)."""
    api_key = new_api_key()
    partner.api_key_hash = hash_api_key(api_key)
    db.session.flush()
    return api_key


# ---------------------------------------------------------------- validation helpers


def _has_unsafe_characters(url: str) -> bool:
    return any(c.isspace() or ord(c) < 32 or c in "\\<>\"'`" for c in url)


def _is_plain_web_url(url: str) -> bool:
    """An informational http(s) link (a company website): never fetched, so http is fine."""
    if len(url) > 300 or _has_unsafe_characters(url):
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme in {"http", "https"} and bool(parts.hostname) and parts.username is None
    except ValueError:
        return False


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    if len(host) > 253 or ("." not in host and host != "localhost"):
        return False
    return all(HOST_LABEL.fullmatch(label) for label in host.split("."))


def normalise_host(value: str, what: str = "host") -> str:
    """A lowercase hostname or IP address, or PartnerError."""
    host = (value or "").strip().lower().rstrip(".")
    if not host or not _valid_host(host):
        raise PartnerError(f"{what} {value!r} is not a valid hostname")
    return host


def _url_allowed(url: str, environment: str, max_length: int = MAX_URL) -> str | None:
    """Why an http(s) URL is not acceptable for a partner of this environment, or None when it is."""
    if not isinstance(url, str) or not url or len(url) > max_length:
        return f"must be an http(s) URL of at most {max_length} characters"
    if _has_unsafe_characters(url):
        return "must not contain spaces, quotes, backslashes or control characters"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in {"http", "https"} or not host:
        return "must be an absolute http(s) URL"
    if parts.username is not None or parts.password is not None:
        return "must not contain credentials"
    if parts.fragment:
        return "must not contain a fragment (#)"
    if not _valid_host(host.lower()):
        return "has an invalid host"
    if parts.scheme == "http":
        if environment == "production":
            return "must use https for a production partner"
        if host.lower() not in LOOPBACK_HOSTS:
            return "may use http only for 127.0.0.1 or localhost (sandbox); use https"
    if environment == "production":  # server-side request forgery: see webview.core.netguard
        refusal = host_refusal(host)
        if refusal:
            return f"must point at a public internet host ({refusal} refused for production partners)"
    return None


def check_url(url: str, environment: str, what: str) -> str:
    """The URL itself when acceptable for the environment, else PartnerError naming the field."""
    problem = _url_allowed(url, environment)
    if problem:
        raise PartnerError(f"{what} {problem} (got {url!r})")
    return url


def _deeplink_target(template: str, environment: str) -> tuple[str, str]:
    """('scheme', name) or ('host', name) that a deep-link template points at, or PartnerError."""
    if not isinstance(template, str) or not template or len(template) > MAX_URL:
        raise PartnerError("--deeplink-template is required for the deeplink handoff (at most 500 characters)")
    try:
        fields = [name for _, name, spec, conv in string.Formatter().parse(template) if name is not None]
    except ValueError as error:
        raise PartnerError(f"--deeplink-template has unbalanced braces ({error})") from error
    if "transaction_id" not in fields:
        raise PartnerError("--deeplink-template must contain {transaction_id}")
    unknown = sorted(set(fields) - DEEPLINK_FIELDS)
    if unknown:
        raise PartnerError(f"--deeplink-template may use only {{transaction_id}} and {{amount}} (got {unknown})")
    sample = template.format(transaction_id="T1", amount=1000)
    scheme = sample.split(":", 1)[0].lower() if ":" in sample else ""
    if scheme in {"http", "https"}:
        if scheme == "http":
            raise PartnerError("--deeplink-template app links must use https")
        check_url(sample, environment, "--deeplink-template")
        return "host", urlsplit(sample).hostname.lower()
    if not SCHEME_PATTERN.fullmatch(scheme) or scheme in UNSAFE_SCHEMES:
        raise PartnerError("--deeplink-template must start with a custom scheme (e.g. walletpay://) or https://")
    if _has_unsafe_characters(sample):
        raise PartnerError("--deeplink-template must not contain spaces, quotes or control characters")
    return "scheme", scheme


def _clean(value: str | None) -> str:
    return (value or "").strip()


def _require_choice(value: str, choices: Sequence[str], flag: str) -> str:
    if value not in choices:
        raise PartnerError(f"{flag} must be one of {', '.join(choices)} (got {value!r})")
    return value


def _require_served(environment: str) -> None:
    """PartnerError unless this deployment serves partners of that environment."""
    if environment not in served_environments():
        served = served_environments()
        raise PartnerError(f"this deployment serves {' and '.join(served)} partners only: use --environment "
                           f"{served[0]} ({environment} partners live on the {environment} deployment)")


def _check_logo_url(value: str, environment: str) -> str:
    if SAFE_LOGO_PATH.fullmatch(value) and len(value) <= MAX_URL:
        return value
    return check_url(value, environment, "--logo-url")


@dataclass
class _Checked:
    """The validated, normalised values of a spec, ready to write."""

    values: dict[str, Any]
    public_key_pem: str | None
    public_key_bits: int | None
    warnings: list[str]


def validate_spec(spec: PartnerSpec, existing: Partner | None = None) -> _Checked:
    """Check every onboarding rule of DESIGN.md; PartnerError names the first problem. Writes nothing.

    With `existing`, the spec re-describes that partner (its own code is not "taken").
    """
    code = _clean(spec.code)
    if not CODE_PATTERN.fullmatch(code):
        raise PartnerError(f"--code must be 2-39 characters of a-z, 0-9 and '-', starting with a letter or digit "
                           f"(got {spec.code!r})")
    if (existing is None or existing.code != code) and find_partner(code) is not None:
        raise PartnerError(f"partner code {code!r} is already taken")
    name = _clean(spec.name)
    if not name or len(name) > 200:
        raise PartnerError("--name is required (at most 200 characters)")
    environment = _require_choice(spec.environment, ENVIRONMENTS, "--environment")
    _require_served(environment)
    profile = _require_choice(spec.profile, PROFILE_CODES, "--profile")
    suite = _require_choice(spec.suite, SUITES, "--suite")
    handoff = _require_choice(spec.handoff, HANDOFF_CODES, "--handoff")
    integration = get_profile(profile)
    if suite not in integration.suites:
        others = ", ".join(code for code, other in PROFILES.items() if suite in other.suites)
        raise PartnerError(f"--suite {suite} applies to the {others} profile only")
    if suite == "legacy" and environment == "production" and not spec.allow_legacy:
        raise PartnerError("the legacy suite is refused for production partners unless --allow-legacy is given")
    if handoff not in integration.handoffs:
        raise PartnerError(f"{profile} partners use the {' or '.join(integration.handoffs)} handoff")

    address = _clean(spec.address)
    if len(address) > 300:
        raise PartnerError("--address is at most 300 characters")
    website = _clean(spec.website)
    if website and not _is_plain_web_url(website):
        raise PartnerError(f"--website must be an http(s) URL (got {spec.website!r})")
    admin_name, admin_email, admin_phone = _clean(spec.admin_name), _clean(spec.admin_email), _clean(spec.admin_phone)
    if not admin_name or len(admin_name) > 200:
        raise PartnerError("--admin-name is required (at most 200 characters)")
    if not EMAIL_PATTERN.fullmatch(admin_email):
        raise PartnerError(f"--admin-email must be an email address (got {spec.admin_email!r})")
    if admin_phone and not PHONE_PATTERN.fullmatch(admin_phone):
        raise PartnerError(f"--admin-phone must be a phone number (got {spec.admin_phone!r})")

    support = check_support_contact(spec.support_email, spec.support_phone, spec.support_hours)

    urls: dict[str, str | None] = {}
    for attr in ("create_transaction_url", "query_transaction_url", "refund_url", "payment_url"):
        value = _clean(getattr(spec, attr)) or None
        flag = "--" + attr.replace("_", "-")
        if value is None and attr in integration.required_urls:
            raise PartnerError(f"{flag} is required for {profile} partners")
        urls[attr] = check_url(value, environment, flag) if value else None

    payment_hosts: list[str] = []
    deeplink_schemes: list[str] = []
    if urls["payment_url"]:
        payment_hosts.append(urlsplit(urls["payment_url"]).hostname.lower())
    elif handoff == "redirect":
        raise PartnerError("--payment-url is required for the redirect handoff")
    deeplink_template = _clean(spec.deeplink_template) or None
    if handoff == "deeplink":
        kind, target = _deeplink_target(deeplink_template or "", environment)
        (deeplink_schemes if kind == "scheme" else payment_hosts).append(target)
    elif deeplink_template:
        raise PartnerError("--deeplink-template applies to the deeplink handoff only")
    bridge_function = _clean(spec.bridge_function) or None
    if handoff == BRIDGE.code:
        if not is_bridge_function(bridge_function):
            raise PartnerError("--bridge-function must be a dotted identifier path such as window.Bridge.openPayment")
    elif bridge_function:
        raise PartnerError("--bridge-function applies to the bridge handoff only")

    return_hosts = sorted({normalise_host(host, "--return-host") for host in spec.return_hosts})

    theme = dict(spec.theme or {})
    logo_url = _clean(spec.logo_url) or _clean(theme.pop("logo_url", None) if isinstance(theme, dict) else None)
    font_stack = _clean(theme.pop("font_stack", None)) if spec.font_stack == "system" else spec.font_stack
    font_stack = font_stack or "system"
    if font_stack not in FONT_STACKS:
        raise PartnerError(f"--font-stack must be one of {', '.join(FONT_STACKS)} (got {font_stack!r})")
    problems = validate_theme(theme) or effective_theme(theme, None)[1]
    if problems:
        raise PartnerError(f"theme refused (unknown name, not #rrggbb, radius not 0-24 or contrast below 4.5:1): "
                           f"{', '.join(problems)}")
    if font_stack != "system":
        theme["font_stack"] = font_stack  # the screens read the stack from the theme; the column is the record
    if logo_url:
        _check_logo_url(logo_url, environment)

    key_pem: str | None = None
    key_bits: int | None = None
    warnings: list[str] = []
    if spec.public_key is not None and (spec.public_key.strip() if spec.public_key else ""):
        try:
            key, warnings = parse_public_key(spec.public_key, environment)
        except KeyFormatError as error:
            raise PartnerError(f"--public-key: {error}") from error
        key_pem, key_bits = public_key_pem(key), key.key_size
    elif integration.needs_public_key:
        raise PartnerError(f"--public-key is required for the {profile} profile")

    values = {
        "code": code,
        "name": name,
        "address": address,
        "website": website,
        "admin_name": admin_name,
        "admin_email": admin_email,
        "admin_phone": admin_phone,
        **support,
        "environment": environment,
        "profile": profile,
        "suite": suite,
        "allow_legacy_in_production": bool(spec.allow_legacy),
        "status": "active" if environment == "sandbox" else "pending_activation",
        "handoff": handoff,
        "payment_hosts": sorted(set(payment_hosts)),
        "deeplink_schemes": deeplink_schemes,
        "deeplink_template": deeplink_template if handoff == "deeplink" else None,
        "bridge_function": bridge_function if handoff == "bridge" else None,
        "return_hosts": return_hosts,
        "theme": theme,
        "logo_url": logo_url or None,
        "font_stack": font_stack,
        **urls,
    }
    return _Checked(values, key_pem, key_bits, warnings)


# ---------------------------------------------------------------- customer support


MAX_SUPPORT_HOURS = 100


@dataclass(frozen=True)
class SupportContact:
    """Where a partner's customers get help; `from_partner` is False when it is the merchant's fallback."""

    email: str
    phone: str = ""
    hours: str = ""
    from_partner: bool = False

    @property
    def tel(self) -> str:
        """The phone for a tel: link (digits and a leading +)."""
        return re.sub(r"[^0-9+]", "", self.phone)


def check_support_contact(email: str | None, phone: str | None, hours: str | None) -> dict[str, str]:
    """The cleaned support_email/phone/hours columns; PartnerError names a bad one. All optional."""
    email, phone, hours = _clean(email), _clean(phone), _clean(hours)
    if email and (len(email) > 254 or not EMAIL_PATTERN.fullmatch(email)):
        raise PartnerError(f"--support-email must be an email address (got {email!r})")
    if phone and not PHONE_PATTERN.fullmatch(phone):
        raise PartnerError(f"--support-phone must be a phone number (got {phone!r})")
    if len(hours) > MAX_SUPPORT_HOURS or any(not char.isprintable() for char in hours):
        raise PartnerError(f"--support-hours is one line of at most {MAX_SUPPORT_HOURS} characters, "
                           "e.g. '8:00-22:00 every day'")
    return {"support_email": email, "support_phone": phone, "support_hours": hours}


def set_support_contact(partner: Partner, *, email: str | None = None, phone: str | None = None,
                        hours: str | None = None) -> None:
    """Change a partner's support contact (None keeps a value, "" clears it); the caller commits."""
    current = {"support_email": partner.support_email, "support_phone": partner.support_phone,
               "support_hours": partner.support_hours}
    given = {"support_email": email, "support_phone": phone, "support_hours": hours}
    merged = {name: current[name] if value is None else value for name, value in given.items()}
    for name, value in check_support_contact(*merged.values()).items():
        setattr(partner, name, value)


def merchant_support_email() -> str:
    """The merchant's own support address: SUPPORT_EMAIL, else the MAIL_FROM address."""
    configured = current_app.config["SUPPORT_EMAIL"]
    return configured or parseaddr(current_app.config["MAIL_FROM"])[1] or "support@webview.local"


def support_contact(partner: Partner | int | None) -> SupportContact:
    """The partner's customer-support contact (by row or id), else the merchant's support email."""
    if isinstance(partner, int):
        partner = db.session.get(Partner, partner)
    if partner is not None and partner.support_email:
        return SupportContact(partner.support_email, partner.support_phone or "", partner.support_hours or "",
                              from_partner=True)
    return SupportContact(merchant_support_email())


# ---------------------------------------------------------------- onboarding and changes


def create_partner(spec: PartnerSpec) -> tuple[Partner, IssuedCredentials]:
    """Validate the spec, then add the partner with fresh credentials; nothing is written on error.

    Sandbox partners start `active`, production partners `pending_activation`. The caller commits.
    """
    checked = validate_spec(spec)
    client_secret, api_key = new_client_secret(), new_api_key()
    access_code = new_credential(16)
    merchant_pem = merchant_public_key_pem(checked.values["environment"])
    partner = Partner(
        **checked.values,
        client_id=str(uuid.uuid4()),
        client_secret_sealed=seal(_master_key(), client_secret, CLIENT_SECRET_PURPOSE),
        api_key_hash=hash_api_key(api_key),
        access_code=access_code,
        public_key_pem=checked.public_key_pem,
        public_key_bits=checked.public_key_bits,
    )
    db.session.add(partner)
    db.session.flush()
    issued = IssuedCredentials(
        partner_code=partner.code,
        client_id=partner.client_id,
        client_secret=client_secret,
        api_key=api_key,
        access_code=access_code,
        merchant_public_key_pem=merchant_pem,
        warnings=tuple(checked.warnings),
    )
    return partner, issued


def update_registration(partner: Partner, spec: PartnerSpec) -> list[str]:
    """Re-apply onboarding data (URLs, handoff, theme, contacts, key) to a partner; code, environment,
    status and credentials stay. Validates everything first; returns key warnings (the caller commits)."""
    if spec.code != partner.code or spec.environment != partner.environment:
        raise PartnerError("a partner's code and environment cannot change")
    checked = validate_spec(spec, existing=partner)
    for name, value in checked.values.items():
        if name not in {"code", "environment", "status"}:
            setattr(partner, name, value)
    if checked.public_key_pem is not None:
        partner.public_key_pem, partner.public_key_bits = checked.public_key_pem, checked.public_key_bits
    db.session.flush()
    return checked.warnings


def set_public_key(partner: Partner, key_text: str | bytes) -> list[str]:
    """Register (or replace) the partner's RSA public key; returns warnings (the caller commits)."""
    try:
        key, warnings = parse_public_key(key_text, partner.environment)
    except KeyFormatError as error:
        raise PartnerError(str(error)) from error
    partner.public_key_pem = public_key_pem(key)
    partner.public_key_bits = key.key_size
    db.session.flush()
    return warnings


# Sent inside the caller's transaction when a partner is suspended; the features built on partners (launch
# sessions) subscribe, so this lower layer never imports them.
partner_suspended = Namespace().signal("partner-suspended")


def suspend_partner(partner: Partner) -> None:
    """Suspend the partner: its API calls are refused and its users' sessions end now (the caller commits)."""
    partner.status = "suspended"
    db.session.flush()
    partner_suspended.send(partner)


def activate_partner(partner: Partner) -> None:
    """Make a pending or suspended partner active (the caller commits)."""
    _require_served(partner.environment)
    if profile_of(partner).needs_public_key and not partner.public_key_pem:
        raise PartnerError(f"partner {partner.code} has no public key; run `flask partners set-key` first")
    if partner.suite == "legacy" and partner.environment == "production" and not partner.allow_legacy_in_production:
        raise PartnerError(f"partner {partner.code} uses the legacy suite, refused in production")
    partner.status = "active"
    db.session.flush()


# ---------------------------------------------------------------- checkout handoff checks


def check_payment_url(partner: Partner, url: str) -> bool:
    """Whether a payment URL or deep link (ours or the partner's) may be opened for this partner:
    an http(s) URL on a registered payment host, or a link with one of its registered deep-link schemes."""
    if not isinstance(url, str) or not url or len(url) > 2000 or _has_unsafe_characters(url):
        return False
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme in {"http", "https"}:
        if _url_allowed(url, partner.environment, max_length=2000):
            return False
        host = (urlsplit(url).hostname or "").lower()
        return host in {h.lower() for h in partner.payment_hosts or []}
    return bool(scheme) and scheme in (partner.deeplink_schemes or []) and scheme not in UNSAFE_SCHEMES


def build_deeplink(partner: Partner, transaction_id: str, amount: int) -> str:
    """The partner's deep link for a transaction, values URL-encoded; PartnerError if it cannot be built."""
    if partner.handoff != "deeplink" or not partner.deeplink_template:
        raise PartnerError(f"partner {partner.code} has no deep-link template")
    if not isinstance(transaction_id, str) or not transaction_id or len(transaction_id) > 100:
        raise PartnerError("transaction_id must be a non-empty string")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise PartnerError("amount must be a whole number of VND, 0 or more")
    link = partner.deeplink_template.format(transaction_id=quote(transaction_id, safe=""), amount=amount)
    if not check_payment_url(partner, link):
        raise PartnerError(f"deep link of partner {partner.code} does not match its registered scheme or host")
    return link


def is_return_host_allowed(partner: Partner, url: str) -> bool:
    """Whether a URL to send the user back to is http(s) on one of the partner's registered return hosts."""
    if not isinstance(url, str) or _url_allowed(url, partner.environment):
        return False
    host = (urlsplit(url).hostname or "").lower()
    return host in {h.lower() for h in partner.return_hosts or []}
