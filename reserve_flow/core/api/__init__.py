"""The JSON API under /api/v1: the core's part of it.

Each domain's `api.py` defines its own blueprint (prefix /api/v1) whose views call the
domain's services, exactly as its pages do; `register(app, bp)` gives a blueprint the
API's authentication (auth.py), problem documents for errors (problems.py) and no
form CSRF (the session's unsafe requests carry X-CSRFToken instead). The OpenAPI
document is made from the views' pydantic models by `spec` (spectree), see docs.py.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from spectree import SpecTree

API_PREFIX = "/api/v1"


def _refuse_invalid(_request, _response, error, _instance, _adapter) -> None:
    """spectree's before-hook: a request that does not fit its model is a 422 problem
    naming each bad field, in Russian, instead of spectree's own error list."""
    if error is not None:
        from reserve_flow.core.api.problems import ApiProblem, validation_errors

        errors = validation_errors(error.errors())
        raise ApiProblem(
            422,
            "Проверьте поля запроса: " + "; ".join(f"{e['field']}: {e['message']}" for e in errors) + ".",
            kind="invalid",
            errors=errors,
        )


def _problem_model():
    from reserve_flow.core.api.problems import Problem

    return Problem


spec = SpecTree(
    "flask",
    before=_refuse_invalid,
    validation_error_model=_problem_model(),
    # Components named by the model's class name (spectree adds a module hash by default):
    # the names stay readable, and the API's model names are unique across the domains.
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    # Only the views decorated with spec.validate belong to the document: the pages do not.
    mode="strict",
    title="reserve-flow API",
    version="1",
    description="Кадровый резерв руководителей образовательных организаций: JSON API. См. docs/api.md.",
)

_blueprints: list[Blueprint] = []


def api_blueprint(bp: Blueprint) -> Blueprint:
    """Declare `bp` (url_prefix API_PREFIX) an API blueprint: authenticated, problem+json errors."""
    from reserve_flow.core.api import auth, problems

    if bp not in _blueprints:
        bp.before_request(auth.authenticate)
        bp.register_error_handler(Exception, problems.for_exception)
        _blueprints.append(bp)
    return bp


def init_app(app: Flask) -> None:
    """Register every API blueprint (after the domains have declared theirs)."""
    from reserve_flow.core.api import docs, problems, token_views, views, workflows
    from reserve_flow.core.web import access, csrf

    for bp in (workflows.bp, views.bp, docs.bp):
        api_blueprint(bp)
    for bp in _blueprints:
        csrf.exempt(bp)
        app.register_blueprint(bp)
    # Every API view not marked public takes a token or a login (auth.authenticate).
    names = {bp.name for bp in _blueprints}
    for endpoint, view in app.view_functions.items():
        if endpoint.partition(".")[0] in names and access.declared_rule(app, endpoint) is None:
            access.api_access(view)
    app.register_blueprint(token_views.bp)
    problems.init_app(app)
