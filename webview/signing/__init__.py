"""Signing for both integration profiles, as pure functions (no Flask, no database).

* `webview.signing.hmac`: the hmac profile (Tiki style): request signatures and result links.
* `webview.signing.envelope`: the envelope profile (Gotadi style): RSA-signed, encrypted pipe-joined messages.

Keys are `cryptography` key objects; loading, storing and choosing them is the partners feature's job.
"""
