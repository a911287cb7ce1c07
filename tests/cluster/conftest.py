"""Fixtures of the production-shape tests: the payments stub partner (for outbound calls)."""

from tests.payments.conftest import fast_partner_http, stub  # noqa: F401  (fixtures)
