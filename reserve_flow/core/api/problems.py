"""Errors under /api as RFC 9457 problem details (application/problem+json): a type, a
title, the status, a Russian detail and, for bad fields, `errors`. The refusals of the
services and the engine map here by the same rule the pages use (core/web/actions.py),
with the statuses an API client expects: a role that may not act is 403, a stale version
or a state the step does not start from is 409, a guard or a domain rule refusing is 422."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, json, request
from flask_wtf.csrf import CSRFError
from pydantic import BaseModel, Field
from werkzeug.exceptions import HTTPException

from reserve_flow.core.errors import NotFound, Refused
from reserve_flow.core.workflow.errors import (
    ConcurrentChange,
    NotAllowedFromState,
    ReasonRequired,
    RoleDenied,
    TransitionDenied,
    UnknownTrigger,
)

MEDIA_TYPE = "application/problem+json"
PREFIX = "/api/"
TYPE_BASE = "https://reserve-flow.local/problems/"  # names the kind of problem; not fetched

TITLES = {
    400: "Неверный запрос",
    401: "Нужна аутентификация",
    403: "Доступ запрещён",
    404: "Не найдено",
    405: "Метод не поддерживается",
    409: "Конфликт",
    413: "Файл слишком большой",
    415: "Неподдерживаемый тип содержимого",
    422: "Запрос не может быть выполнен",
    500: "Внутренняя ошибка",
}
DETAILS = {
    400: "Запрос не удалось разобрать.",
    401: "Войдите в систему или передайте токен: Authorization: Bearer <токен>.",
    403: "У вас нет прав для этого действия.",
    404: "Такого объекта нет, или у вас нет к нему доступа.",
    405: "Этот адрес не принимает такой метод.",
    413: "Файл больше допустимого размера.",
    415: "Тело запроса должно быть в формате JSON (Content-Type: application/json).",
    500: "Что-то пошло не так; попробуйте позже.",
}


class FieldError(BaseModel):
    field: str = Field(description="Путь к полю: «version», «scores.0.value»")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] = Field(default_factory=list)


class ApiProblem(Exception):
    """Raised anywhere under /api to answer with a problem document."""

    def __init__(self, status: int, detail: str | None = None, *, kind: str = "", errors: list[dict] | None = None):
        self.status = status
        self.detail = detail or DETAILS.get(status, TITLES.get(status, ""))
        self.kind = kind or str(status)
        self.errors = errors or []
        super().__init__(self.detail)


def problem_response(
    status: int, detail: str | None = None, *, kind: str = "", errors: list[dict] | None = None
) -> Response:
    body = {
        "type": TYPE_BASE + (kind or str(status)),
        "title": TITLES.get(status, "Ошибка"),
        "status": status,
        "detail": detail or DETAILS.get(status, TITLES.get(status, "")),
        "errors": errors or [],
    }
    response = current_app.response_class(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="reserve-flow"'
    return response


def _message(exc: Exception) -> str:
    translated = getattr(exc, "message", None)
    language = current_app.config.get("RESERVE_FLOW_LANGUAGE", "ru")
    return translated(language) if callable(translated) else str(exc)


def for_exception(exc: BaseException) -> Response:
    """The problem document for an exception raised while answering an API request."""
    if isinstance(exc, ApiProblem):
        return problem_response(exc.status, exc.detail, kind=exc.kind, errors=exc.errors)
    if isinstance(exc, ConcurrentChange):
        return problem_response(409, _message(exc), kind="stale-version")
    if isinstance(exc, RoleDenied):
        return problem_response(403, _message(exc), kind="role-denied")
    if isinstance(exc, UnknownTrigger):
        return problem_response(404, _message(exc), kind="unknown-trigger")
    if isinstance(exc, NotAllowedFromState):
        return problem_response(409, _message(exc), kind="wrong-state")
    if isinstance(exc, ReasonRequired):
        message = _message(exc)
        return problem_response(422, message, kind="reason-required", errors=[{"field": "reason", "message": message}])
    if isinstance(exc, TransitionDenied):
        return problem_response(422, _message(exc), kind="guard-failed")
    if isinstance(exc, NotFound):
        return problem_response(404)
    if isinstance(exc, Refused):
        problems = getattr(exc, "problems", ())
        return problem_response(
            422, _message(exc), kind="refused", errors=[{"field": "", "message": str(p)} for p in problems]
        )
    if isinstance(exc, CSRFError):
        return problem_response(
            403, "Нет CSRF-токена: передайте заголовок X-CSRFToken или используйте токен API.", kind="csrf"
        )
    if isinstance(exc, HTTPException):
        code = exc.code or 500
        return problem_response(code, DETAILS.get(code, exc.description))
    current_app.logger.exception("API request failed", exc_info=exc)
    return problem_response(500)


def is_api_request() -> bool:
    return request.path.startswith(PREFIX)


def validation_errors(errors: list[dict[str, Any]]) -> list[dict]:
    """pydantic's errors as `errors` entries, with Russian messages for the usual ones."""
    out = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        out.append({"field": ".".join(location), "message": _ru(error)})
    return out


def _ru(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    messages = {
        "missing": "Обязательное поле.",
        "int_parsing": "Нужно целое число.",
        "int_type": "Нужно целое число.",
        "string_type": "Нужна строка.",
        "bool_parsing": "Нужно true или false.",
        "bool_type": "Нужно true или false.",
        "dict_type": "Нужен объект.",
        "list_type": "Нужен список.",
        "model_type": "Нужен объект.",
        "model_attributes_type": "Нужен объект.",
        "extra_forbidden": "Неизвестное поле.",
        "date_from_datetime_parsing": "Нужна дата в формате ГГГГ-ММ-ДД.",
        "date_parsing": "Нужна дата в формате ГГГГ-ММ-ДД.",
        "date_type": "Нужна дата в формате ГГГГ-ММ-ДД.",
        "json_invalid": "Тело запроса — не JSON.",
    }
    if kind in messages:
        return messages[kind]
    if kind in ("greater_than_equal", "greater_than"):
        return f"Значение должно быть не меньше {context.get('ge', context.get('gt'))}."
    if kind in ("less_than_equal", "less_than"):
        return f"Значение должно быть не больше {context.get('le', context.get('lt'))}."
    if kind == "string_too_long":
        return f"Не длиннее {context.get('max_length')} знаков."
    if kind == "string_too_short":
        return f"Не короче {context.get('min_length')} знаков."
    if kind in ("literal_error", "enum"):
        return f"Допустимые значения: {context.get('expected', '')}."
    return "Неверное значение."


def init_app(app: Flask) -> None:
    """Problem documents for every error under /api, the pages' own error handlers for the rest."""
    spec = app.error_handler_spec.setdefault(None, {})
    for handlers in spec.values():
        for cls, handler in list(handlers.items()):
            handlers[cls] = _api_aware(handler)

    def api_error(exc: Exception):
        if not is_api_request():
            raise exc
        return for_exception(exc)

    def api_http_error(exc: HTTPException):
        return for_exception(exc) if is_api_request() else exc

    for cls in (ApiProblem, Refused, TransitionDenied, ConcurrentChange):
        if cls not in spec.get(None, {}):
            app.register_error_handler(cls, api_error)
    if HTTPException not in spec.get(None, {}):
        app.register_error_handler(HTTPException, api_http_error)


def _api_aware(handler):
    def handle(exc):
        return for_exception(exc) if is_api_request() else handler(exc)

    handle.__wrapped__ = handler  # type: ignore[attr-defined]
    return handle
