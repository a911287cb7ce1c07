"""/docs/api: the readable reference, rendered from the served OpenAPI document."""

from __future__ import annotations

import re


def test_the_reference_lists_every_operation_webhook_and_schema(client):
    document = client.get("/api/openapi.json").get_json()
    page = client.get("/docs/api")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    ids = set(re.findall(r'id="([^"]+)" data-testid="api-operation"', html))
    expected = {operation["operationId"] for section in ("paths", "webhooks")
                for item in document[section].values() for operation in item.values() if "operationId" in operation}
    assert expected and ids == expected
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    for link in set(re.findall(r'href="#schema-([^"]+)"', html)):
        assert link in document["components"]["schemas"], link  # every link lands on a schema
    assert "<script" not in html and 'nonce="' in html  # no script; its style carries the CSP nonce
