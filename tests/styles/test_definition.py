"""A style document is validated whole, with a clear "where: what" per problem; the published schema and presets
are in step with the models."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from webview.styles.definition import StyleError, parse_style, style_json_schema
from webview.styles.presets import PRESET_DIR, preset_document, preset_names

ROOT = Path(__file__).resolve().parents[2]


def test_the_published_json_schema_is_the_models_schema():
    published = json.loads((ROOT / "docs/partners/style.schema.json").read_text(encoding="utf-8"))
    assert published == style_json_schema()


def test_every_preset_file_is_valid_documented_and_cites_its_public_source():
    assert preset_names()[0] == "standard"
    assert {path.stem for path in PRESET_DIR.glob("*.json")} == {"standard", "momo-like", "zalopay-like",
                                                                 "vnpay-like"}
    guide = (ROOT / "docs/partners/styles.md").read_text(encoding="utf-8")
    for name in preset_names():
        style = parse_style(preset_document(name))
        assert style.name == name and f"### {name}" in guide
    assert "developers.momo.vn" in preset_document("momo-like")["description"]
    assert "docs.zalopay.vn" in preset_document("zalopay-like")["description"]
    assert "vnpayment.vn" in preset_document("vnpay-like")["description"]


def problems_of(document) -> list[str]:
    with pytest.raises(StyleError) as caught:
        parse_style(document)
    return caught.value.problems


def edited(change) -> dict:
    document = copy.deepcopy(preset_document("momo-like"))
    change(document)
    return document


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d.update(colour="red"), "colour: Extra inputs are not permitted"),
    (lambda d: d["status_in"].pop("answers"), "status_in.answers: Field required"),
    (lambda d: d["status_in"]["signature"].update(algorithm="MD5"), "status_in.signature.algorithm"),
    (lambda d: d["create"]["body"].update(extra="{secret_key}"), "unknown variable(s) secret_key"),
    (lambda d: d["status_in"].update(methods=["GET"]), "GET carries no body"),
    (lambda d: d["status_in"]["status_values"].update(FAILURE=["0"]), "maps to both"),
    (lambda d: d["status_in"]["signature"]["canonical"].update(recipe="ordered"), "an ordered recipe needs parts"),
    (lambda d: d["status_in"]["signature"].update(canonical={"recipe": "raw_body"}),
     "a signature that travels in a field cannot sign the raw body"),
    (lambda d: d["query"].pop("answer"), "query: answer is required"),
    (lambda d: d["query"]["answer"]["fields"].pop("status"), "query.answer.fields must name status"),
    (lambda d: d["refund"].update(transport="redirect", method="GET"), "only create may be a redirect"),
    (lambda d: d["status_in"]["answers"]["ok"].update(http_status=204, body={"x": 1}), "a 204 answer has no body"),
    (lambda d: d["status_in"].update(replay="timestamp"), "replay by timestamp needs a timestamp"),
    (lambda d: d["status_in"]["signature"].update(secret="Key 2"), "status_in.signature.secret"),
    (lambda d: d["status_in"]["fields"].update(status={"const": "PAID"}), "a constant status is one of"),
    (lambda d: d["create"].update(transport="form", body={"nested": {"a": 1}}), "a form body is flat"),
])
def test_each_mistake_is_named_where_it_is(change, expected):
    found = problems_of(edited(change))
    assert any(expected in problem for problem in found), found


def test_several_mistakes_are_listed_at_once_and_non_objects_refused():
    def two(d):
        d.update(colour="red")
        d["status_in"].pop("answers")
    assert len(problems_of(edited(two))) == 2
    assert problems_of(["not", "an", "object"]) == ["style: must be an object (a JSON or YAML mapping)"]
