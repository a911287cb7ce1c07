"""Integration styles: a partner's own API conventions as data (docs/partners/styles.md).

`definition` validates a style document, `canonical` builds signed strings and signs, `inbound` reads and checks a
status-in message, `outbound` builds and reads our calls, `store` keeps each partner's versioned style, `presets`
loads the shipped presets. The `styled` integration profile (`webview.profiles`) names this package's gateway and
endpoint; nothing outside this package branches on a style's content.
"""
