"""The OpenAPI schema says what the API answers: every status code with the JSON error model, the enums;
405 answers carry Allow (HTML and API). Bodies and status codes are checked live by test_schemathesis.py."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

ERROR_REF = "#/components/schemas/ErrorOut"


@pytest.fixture
def spec(app: Any) -> dict[str, Any]:
    res = TestClient(app).get("/api/v1/openapi.json")
    assert res.status_code == 200
    data: dict[str, Any] = res.json()
    return data


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, ops in spec["paths"].items()
        if path.startswith("/api/v1/")
        for method, op in ops.items()
    ]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_api_status_code_is_documented_with_the_error_model(spec: dict[str, Any]) -> None:
    found = operations(spec)
    assert len(found) >= 8
    for method, path, op in found:
        codes = set(op["responses"])
        expected = {"400", "405", "414", "422"}
        if "{" in path:
            expected.add("404")
        if "requestBody" in op:
            expected |= {"413", "415"}
        assert expected <= codes, (method, path, sorted(codes))
        for code in codes - {"200", "201", "204"}:
            schema = op["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_REF}, (method, path, code)
    error = spec["components"]["schemas"]["ErrorDetail"]
    assert set(error["required"]) == {"code", "field", "message"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_languages_roles_and_tracks_are_enums(spec: dict[str, Any]) -> None:
    for method, path, op in operations(spec):
        lang = next(p for p in op["parameters"] if p["name"] == "lang")
        enum = {"enum": ["en", "zh-Hans", "vi"], "type": "string"}
        assert lang["in"] == "query" and enum in lang["schema"]["anyOf"], (method, path)
    create = spec["paths"]["/api/v1/assessments"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert create["properties"]["lang"]["enum"] == ["en", "zh-Hans", "vi"]
    assert create["properties"]["current_role"]["enum"] == ["am", "pm", "engineer", "sales", "other", "student"]
    read = spec["paths"]["/api/v1/assessments/{assessment_id}"]["get"]
    plan = next(p for p in read["parameters"] if p["name"] == "plan")
    assert {"enum": ["am", "pm"], "type": "string"} in plan["schema"]["anyOf"]
    path_id = next(p for p in read["parameters"] if p["name"] == "assessment_id")
    assert path_id["schema"]["maxLength"] == 64 and path_id["schema"]["pattern"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_405_carries_allow(app: Any) -> None:
    client = TestClient(app)
    res = client.put("/api/v1/questions")
    assert res.status_code == 405 and res.headers["allow"] == "GET"
    assert res.json()["error"]["code"] == "method"
    res = client.delete("/hr/login", headers={"Accept-Language": "vi"})
    assert res.status_code == 405 and set(res.headers["allow"].split(", ")) >= {"GET", "POST"}
    assert "text/html" in res.headers["content-type"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_documented_errors_are_the_ones_given(app: Any) -> None:
    client = TestClient(app)
    res = client.post("/api/v1/assessments", content=b"lang=en", headers={"Content-Type": "text/plain"})
    assert res.status_code == 415 and res.json()["error"]["code"] == "media_type"
    res = client.post("/api/v1/assessments", content=b"[" * 20000, headers={"Accept-Language": "zh-Hans"})
    assert res.status_code == 400 and res.json()["error"]["code"] == "too_deep"
    assert res.json()["error"]["message"] == "JSON 请求体的嵌套层级过深。"
    res = client.get("/api/v1/assessments/abc%00")
    assert res.status_code == 400 and res.json()["error"]["code"] == "bad_characters"
    res = client.get("/api/v1/assessments/" + "a" * 65)
    assert res.status_code == 404 and res.json()["error"]["code"] == "not_found"
    res = client.get("/api/v1/questions?lang=de")
    assert res.status_code == 422 and res.json()["error"] == {
        "code": "bad_choice", "field": "lang", "message": "“lang” must be one of the allowed values.",
    }  # fmt: skip
    res = client.get("/api/v1/questions?x=" + "y" * 5000)
    assert res.status_code == 414 and res.json()["error"]["code"] == "too_long_uri"
