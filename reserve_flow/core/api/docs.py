"""The API's description: /api/v1/openapi.json (OpenAPI 3.1, made by spectree from the
views' pydantic models) and /api/v1/docs, Swagger UI served from the files the
swagger-ui-py package ships, so the page needs no CDN."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import swagger_ui
from flask import Blueprint, current_app, render_template, send_from_directory
from werkzeug.exceptions import NotFound

from reserve_flow.core.api import spec
from reserve_flow.core.api.auth import public
from reserve_flow.core.api.problems import MEDIA_TYPE
from reserve_flow.core.web import MAX_ID
from reserve_flow.core.workflow.subjects import subject_types

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")

SWAGGER_UI = Path(swagger_ui.__file__).parent / "static"
ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png")
_KEY = "reserve_flow.openapi"


def document() -> dict[str, Any]:
    """The OpenAPI document of this app (built once per app)."""
    cached = current_app.extensions.get(_KEY)
    if cached is None:
        cached = current_app.extensions[_KEY] = _finish(copy.deepcopy(spec._generate_spec()))
    return cached


def _finish(doc: dict[str, Any]) -> dict[str, Any]:
    """What spectree does not say by itself: errors are application/problem+json, every
    operation may answer 401 (no or a bad token) and 405 (Werkzeug's answer when an id
    past the integer range leaves only another method's rule of the same path), the
    workflow names a path can take."""
    problem = {"$ref": "#/components/schemas/Problem"}
    workflows = sorted(
        name
        for name, definition in current_app.extensions["reserve_flow"].workflows.definitions.items()
        if definition.subject in subject_types()
    )
    for operations in doc["paths"].values():
        for method, operation in operations.items():
            responses = operation["responses"]
            responses.setdefault("401", {"description": "Unauthorized"})
            responses.setdefault("405", {"description": "Method Not Allowed"})
            if method in ("post", "put", "patch"):
                responses.setdefault("415", {"description": "Unsupported Media Type"})
            for code, response in responses.items():
                if code.startswith(("4", "5")):
                    response["content"] = {MEDIA_TYPE: {"schema": problem}}
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] == "workflow":
                    parameter["schema"] = {"type": "string", "enum": workflows}
                if parameter["in"] == "path" and parameter["schema"].get("format") == "int32":
                    parameter["schema"] = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
    doc["servers"] = [{"url": "/"}]
    doc["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "Личный токен API (профиль или CLI)"},
        "session": {
            "type": "apiKey",
            "in": "cookie",
            "name": "session",
            "description": "Сессия браузера; небезопасные методы — с заголовком X-CSRFToken",
        },
    }
    doc["security"] = [{"bearer": []}, {"session": []}]
    return doc


@bp.get("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 document."""
    return current_app.json.response(document())


@bp.get("/docs")
@public
def docs():
    """Swagger UI over the document."""
    return render_template("core/api/docs.html")


@bp.get("/docs/assets/<name>")
@public
def asset(name: str):
    if name not in ASSETS:
        raise NotFound()
    return send_from_directory(SWAGGER_UI, name, max_age=3600)
