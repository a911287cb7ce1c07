"""`/docs/api`: the partner API reference, server-rendered from the same OpenAPI document `/api/openapi.json` serves.

No script and no outside renderer: one page of HTML for a partner's engineer to read, with anchors for every
operation, webhook and schema.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from webview.api.openapi import build_document

bp = Blueprint("api_reference", __name__, url_prefix="/docs")

METHODS = ("get", "post", "put", "patch", "delete", "head")


def operations(items: dict[str, Any]) -> list[dict[str, Any]]:
    """Every (path or webhook, method, operation) of a document section, in the document's order."""
    return [{"where": where, "method": method.upper(), **operation}
            for where, item in items.items() for method, operation in item.items() if method in METHODS]


def ref_name(schema: dict[str, Any] | None) -> str | None:
    """`Foo` for {"$ref": "#/components/schemas/Foo"} (also inside one level of items/anyOf), else None."""
    if not isinstance(schema, dict):
        return None
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    for nested in (schema.get("items"), *(schema.get("anyOf") or [])):
        name = ref_name(nested)
        if name:
            return name
    return None


@bp.get("/api")
def reference():
    """The readable API reference."""
    document = build_document(current_app.config["PUBLIC_BASE_URL"])
    return render_template("api/reference.html", document=document, paths=operations(document["paths"]),
                           webhooks=operations(document.get("webhooks", {})), ref_name=ref_name)


def init_app(app) -> None:
    app.register_blueprint(bp)
