"""The OpenAPI document: valid OpenAPI 3.1, describing every /api/v1 route of the app,
and browsable at /api/v1/docs with files the app serves itself."""

from __future__ import annotations

import re

from openapi_spec_validator import validate


def _document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(client):
    document = _document(client)
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on any violation of the specification


def _rule_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_every_api_rule_of_the_url_map_is_in_the_document(app, client):
    paths = _document(client)["paths"]
    own = {"/api/v1/openapi.json", "/api/v1/docs", "/api/v1/docs/assets/{name}"}  # the description itself
    missing = []
    for rule in app.url_map.iter_rules():
        path = _rule_path(rule.rule)
        if not path.startswith("/api/v1") or path in own:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in paths.get(path, {}):
                missing.append(f"{method} {path}")
    assert not missing, missing
    assert len(paths) >= 20


def test_each_operation_has_an_id_and_says_its_errors_are_problem_documents(client):
    document = _document(client)
    ids = []
    for methods in document["paths"].values():
        for operation in methods.values():
            ids.append(operation["operationId"])
            errors = {code: r for code, r in operation["responses"].items() if code.startswith("4")}
            assert "401" in errors
            for response in errors.values():
                assert list(response["content"]) == ["application/problem+json"]
    assert len(ids) == len(set(ids))


def test_the_docs_page_loads_swagger_ui_from_the_app_itself(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "https://" not in html and "//unpkg" not in html and "cdn" not in html.lower()
    scripts = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(s.endswith("swagger-ui-bundle.js") for s in scripts)
    assert "<script>" not in html  # no inline script: the site's policy allows its own files only
    for url in scripts:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.get_data()) > 200, url
    assert client.get("/api/v1/docs/assets/..%2Fsecret_key").status_code == 404
