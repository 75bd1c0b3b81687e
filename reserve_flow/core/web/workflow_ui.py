"""What every case page shows of its workflow: the history from the audit chain and
the actions the current user may take, plus one way to fire an action from a form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.core.actors import Actor
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.context import Context
from reserve_flow.core.workflow.subjects import WorkflowSubject

# Audit kinds that are not workflow steps, with how the history names them.
# Names of the audit event kinds that are not steps, for case histories; domains add theirs
# (core.audit.views.label_event_kinds).
EVENT_KIND_LABELS = {
    "personal_file_viewed": "Просмотр личного дела",
}
# Kinds that record an access rather than a step: kept out of case histories.
ACCESS_KINDS = ("personal_file_viewed",)


def language() -> str:
    return current_app.config.get("RESERVE_FLOW_LANGUAGE", "ru")


@dataclass
class HistoryRow:
    time: Any
    actor: str
    action: str
    from_label: str
    to_label: str
    reason: str | None
    event_id: int = 0  # the audit event, for a link to its record in the journal


@dataclass
class Action:
    trigger: str
    label: str
    reason_required: bool
    blocked: str | None = None  # why it cannot be done now (an unmet guard)


def history(rt: Context, session: Session, subject: WorkflowSubject) -> list[HistoryRow]:
    """The subject's steps, oldest first, labelled in the user's language."""
    definition = rt.workflows.definition_for(subject)
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.subject_type == definition.subject,
            AuditEvent.subject_id == subject.id,
            AuditEvent.kind.not_in(ACCESS_KINDS),
        )
        .order_by(AuditEvent.seq)
    )
    lang = language()
    rows = []
    for event in events:
        if event.kind == "transition":
            transition = next((t for t in definition.transitions if t.trigger == event.trigger), None)
            if transition is not None:
                action = transition.label(lang)
            else:  # engine.start() begins a case without a transition of the workflow
                action = "Начало дела" if event.trigger == "start" else (event.trigger or "")
        else:
            action = EVENT_KIND_LABELS.get(event.kind, event.kind)
            file_name = event.payload.get("file")
            if file_name:
                action = f"{action}: {file_name}"
        state_from = definition.states.get(event.from_state or "")
        state_to = definition.states.get(event.to_state or "")
        rows.append(
            HistoryRow(
                time=event.occurred_at,
                actor=event.actor_name,
                action=action,
                from_label=state_from.label(lang) if state_from else "",
                to_label=state_to.label(lang) if state_to else "",
                reason=event.reason,
                event_id=event.id,
            )
        )
    return rows


def actions(rt: Context, subject: WorkflowSubject, user: Actor) -> list[Action]:
    """Buttons of the generic action route for the transitions the user's roles allow on this
    subject, each with the reason it is blocked now, if a guard is unmet. Steps with a page of
    their own (`page` in the workflow file) are that page's forms, not buttons here."""
    lang = language()
    return [
        Action(t.trigger, t.label(lang), t.reason_required, rt.engine.blocked_by(subject, t, user))
        for t in rt.engine.available(subject, user)
        if not t.page
    ]


def state_label(rt: Context, subject: WorkflowSubject) -> str:
    state = rt.workflows.definition_for(subject).states.get(subject.state)
    return state.label(language()) if state else subject.state


def action_label(rt: Context, subject: WorkflowSubject, trigger: str) -> str:
    definition = rt.workflows.definition_for(subject)
    transition = next((t for t in definition.transitions if t.trigger == trigger), None)
    return transition.label(language()) if transition else trigger
