"""The sandbox partner's own protocol code (hmac signing, result links, envelopes), written from DESIGN.md.

It deliberately shares no code with webview.signing or webview.api: the sandbox is a second,
independent implementation, so a bug in one side shows up as a failed exchange instead of cancelling out.
"""
