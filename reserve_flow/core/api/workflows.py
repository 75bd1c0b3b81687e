"""Every workflow subject in one shape: GET /api/v1/<workflow>/<id> and
POST /api/v1/<workflow>/<id>/transitions/<trigger>.

The core knows no domain: each domain registers, for its workflow, how a caller loads one
of its cases (its `get_visible`, NotFound for anyone who may not see it), the service
that fires a plain step (its `fire_*`, which checks the version and calls the engine),
what opening the case records (a personal-file view) and, for the steps that have a page
and rules of their own (the check page's admit and refuse, the chair's closing of the
vote), the service that page calls. The views call those and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint
from spectree import Response
from sqlalchemy import select

from reserve_flow.core.api import spec
from reserve_flow.core.api.auth import actor
from reserve_flow.core.api.problems import ApiProblem, Problem
from reserve_flow.core.api.schemas import (
    AvailableTrigger,
    Case,
    DeadlineOut,
    HistoryEntry,
    Moved,
    State,
    TransitionIn,
)
from reserve_flow.core.deadlines.models import Deadline
from reserve_flow.core.web import db, runtime, workflow_ui

bp = Blueprint("workflow_api", __name__, url_prefix="/api/v1")

# (runtime, session, actor, subject id) -> the subject, or NotFound
Loader = Callable[[Any, Any, Any, int], Any]
# (runtime, session, actor, subject id, trigger, reason, version, data) -> anything
Firer = Callable[[Any, Any, Any, int, str, str | None, int, dict[str, Any]], Any]
# (runtime, session, actor, subject) -> None: what opening the case records
Viewed = Callable[[Any, Any, Any, Any], None]


@dataclass(frozen=True)
class WorkflowApi:
    load: Loader
    fire: Firer
    viewed: Viewed | None = None
    # trigger -> the service of the step's own page, called with the same arguments as `fire`
    own_pages: dict[str, Firer] = field(default_factory=dict)


API_WORKFLOWS: dict[str, WorkflowApi] = {}


def register_workflow_api(
    workflow: str,
    *,
    load: Loader,
    fire: Firer,
    viewed: Viewed | None = None,
    own_pages: dict[str, Firer] | None = None,
) -> None:
    API_WORKFLOWS[workflow] = WorkflowApi(load, fire, viewed, dict(own_pages or {}))


def _api_for(workflow: str) -> WorkflowApi:
    found = API_WORKFLOWS.get(workflow)
    if found is None or workflow not in runtime().workflows.definitions:
        raise ApiProblem(404, f"Процесса «{workflow}» нет.", kind="unknown-workflow")
    return found


def case_of(workflow: str, subject: Any) -> Case:
    """The subject as the API shows every case."""
    rt = runtime()
    session = db()
    user = actor()
    definition = rt.workflows.definitions[workflow]
    found = API_WORKFLOWS.get(workflow)
    own_pages = found.own_pages if found is not None else {}
    deadlines = session.scalars(
        select(Deadline)
        .where(
            Deadline.subject_type == definition.subject,
            Deadline.subject_id == subject.id,
            Deadline.closed_at.is_(None),
        )
        .order_by(Deadline.due_at)
    )
    return Case(
        id=subject.id,
        workflow=workflow,
        label=subject.subject_label,
        state=State(code=subject.state, label=workflow_ui.state_label(rt, subject)),
        version=subject.version,
        triggers=[
            AvailableTrigger(
                trigger=t.trigger,
                label=t.label(workflow_ui.language()),
                reason_required=t.reason_required,
                blocked=rt.engine.blocked_by(subject, t, user),
            )
            # A step with a page of its own is offered only where the API takes it through
            # that page's service (own_pages), never through the generic fire.
            for t in rt.engine.available(subject, user)
            if not t.page or t.trigger in own_pages
        ],
        deadlines=[deadline_out(d) for d in deadlines],
        history=[
            HistoryEntry(
                event_id=row.event_id,
                time=row.time,
                actor=row.actor,
                action=row.action,
                from_state=row.from_label,
                to_state=row.to_label,
                reason=row.reason,
            )
            for row in workflow_ui.history(rt, session, subject)
        ],
    )


def deadline_out(d: Deadline) -> DeadlineOut:
    return DeadlineOut(
        id=d.id,
        workflow=d.workflow,
        state=d.state,
        scope=d.scope,
        due_at=d.due_at,
        days=d.days,
        calendar=d.calendar,
        actor_role=d.actor_role,
    )


PROBLEMS = {f"HTTP_{code}": Problem for code in (401, 403, 404)}


@bp.get("/<workflow>/<int:subject_id>")
@spec.validate(resp=Response(HTTP_200=Case, **PROBLEMS), tags=["workflows"], operation_id="getCase")
def show(workflow: str, subject_id: int):
    """A case of any workflow: state, version, what the caller may do now, deadlines, history.

    Opening someone else's personal file (an application, a reserve member) is logged,
    as on its page."""
    found = _api_for(workflow)
    rt, session, user = runtime(), db(), actor()
    subject = found.load(rt, session, user, subject_id)
    if found.viewed is not None:
        found.viewed(rt, session, user, subject)
    return case_of(workflow, subject)


@bp.post("/<workflow>/<int:subject_id>/transitions/<trigger>")
@spec.validate(
    json=TransitionIn,
    resp=Response(HTTP_200=Moved, HTTP_409=Problem, HTTP_422=Problem, **PROBLEMS),
    tags=["workflows"],
    operation_id="fireTransition",
)
def transition(workflow: str, subject_id: int, trigger: str, json: TransitionIn):
    """Fire a step: 200 with the new state; 403 when the caller may not, 409 when the
    version is stale or the case is not in a state the step starts from, 422 with the
    guard's message when a condition is unmet (or the step's own rules refuse its data).

    A step that has a page of its own (the document check's admit, return and refusal;
    the chair's closing of the vote: include / not_include) runs the service of that page,
    its fields in `data`."""
    found = _api_for(workflow)
    rt, session, user = runtime(), db(), actor()
    definition = rt.workflows.definitions[workflow]
    if not definition.has_trigger(trigger):
        raise ApiProblem(404, f"В процессе «{definition.label_ru}» нет действия «{trigger}».", kind="unknown-trigger")
    steps = [t for t in definition.transitions if t.trigger == trigger]
    if all(set(t.roles) <= {"system"} for t in steps):
        raise ApiProblem(403, f"Действие «{steps[0].label_ru}» выполняет система по сроку.", kind="role-denied")
    action = found.own_pages.get(trigger, found.fire)
    outcome = action(rt, session, user, subject_id, trigger, json.reason, json.version, json.data)
    subject = found.load(rt, session, user, subject_id)
    return Moved(
        id=subject.id,
        workflow=workflow,
        # A step whose own rule picks the transition (closing a vote) names the one it fired.
        trigger=outcome if isinstance(outcome, str) else trigger,
        state=State(code=subject.state, label=workflow_ui.state_label(rt, subject)),
        version=subject.version,
        event_id=getattr(outcome, "id", None),
    )
