"""The engine: the one way any state column changes (DESIGN section 3)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, inspect, select, update
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.exc import StaleDataError

from reserve_flow.core import workdays
from reserve_flow.core.actors import ROLES, Actor
from reserve_flow.core.audit.chain import append_event
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.db import utcnow
from reserve_flow.core.deadlines.models import Deadline
from reserve_flow.core.deadlines.timing import next_notice_at
from reserve_flow.core.i18n import translate
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.core.workflow.definition import DeadlineDef, TransitionDef, WorkflowDef
from reserve_flow.core.workflow.errors import (
    ConcurrentChange,
    GuardFailed,
    NotAllowedFromState,
    OwnPageOnly,
    ReasonRequired,
    RoleDenied,
    UnknownTrigger,
)
from reserve_flow.core.workflow.guards import GUARDS, GuardContext
from reserve_flow.core.workflow.registry import Carrier, Workflows
from reserve_flow.core.workflow.subjects import WorkflowSubject

_MOVES_KEY = "reserve_flow.engine_moves"


def refuse_state_writes_outside_engine(session: Session, _context: Any, _instances: Any) -> None:
    """before_flush hook: a workflow subject's state column changes only through fire()."""
    allowed = session.info.get(_MOVES_KEY, set())
    for obj in session.dirty:
        if getattr(obj, "__workflow__", None) and id(obj) not in allowed:
            history = inspect(obj).attrs.state.history
            if history.has_changes():
                raise RuntimeError(f"{type(obj).__name__} #{obj.id}: state changed outside the workflow engine")


def role_label(role: str, language: str = "ru") -> str:
    if role in ROLES:
        return ROLES[role][language if language in ROLES[role] else "ru"].lower()
    return translate(f"role.{role}", language)


@dataclass
class Engine:
    workflows: Workflows
    tz: ZoneInfo
    clock: Callable[[], datetime] = utcnow
    reminder_hour: int = 9  # scheduler.reminder_hour: when a deadline's reminders fall due

    def may_act(self, subject: WorkflowSubject, transition: TransitionDef, actor: Actor | None) -> bool:
        """Whether `actor` holds one of the transition's roles on this very subject."""
        if actor is None:
            return "system" in transition.roles
        return any(role != "system" and subject.holds_role(actor, role) for role in transition.roles)

    def available(self, subject: WorkflowSubject, actor: Actor | None) -> list[TransitionDef]:
        """Transitions from the subject's state that the actor's roles allow (guards not yet checked)."""
        definition = self.workflows.definition_for(subject)
        return [t for t in definition.transitions_from(subject.state) if self.may_act(subject, t, actor)]

    def blocked_by(self, subject: WorkflowSubject, transition: TransitionDef, actor: Actor | None) -> str | None:
        """The Russian message of the first unmet guard of `transition` now, or None.
        Read-only: for showing why a button is disabled; fire() checks again."""
        session = object_session(subject)
        context = GuardContext(session, subject, actor, self.clock(), self.tz, None, {})
        for name in transition.guards:
            detail = GUARDS[name](context)
            if detail is not None:
                return translate(f"guard.{name}", detail=detail)
        return None

    def fire_from(
        self,
        page: str,
        subject: WorkflowSubject,
        trigger: str,
        actor: Actor | None,
        reason: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """fire() for a step asked for by a page: `page` is "" for the generic action route,
        or the name of the page asking. A step whose transition names another page (its
        `page` in the workflow file) is refused, nothing changed: that page's own rules
        (a refusal's cited requirement, every document reviewed...) would be skipped."""
        definition = self.workflows.definition_for(subject)
        own = definition.own_page(trigger)
        if own and own != page:
            transition = next(t for t in definition.transitions if t.trigger == trigger)
            raise OwnPageOnly(action=transition.label_ru)
        return self.fire(subject, trigger, actor, reason=reason, data=data)

    def fire(
        self,
        subject: WorkflowSubject,
        trigger: str,
        actor: Actor | None,
        reason: str | None = None,
        data: dict[str, Any] | None = None,
        personal: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """Move `subject` by `trigger` on behalf of `actor` (None: the system).
        `personal` values (free text, names) are kept erasable in the audit event
        (see append_event); the guards see them together with `data`.

        Runs in the subject's session and its open transaction: checks the role and the
        object, the reason, the guards (raising TransitionDenied with the first unmet one),
        moves the state with an optimistic-lock version bump (ConcurrentChange for the
        loser of a race), appends the audit event, closes and opens deadlines and queues
        outbox rows. Nothing is committed here: the caller commits or rolls back it all.
        """
        session = object_session(subject)
        if session is None or not session.in_transaction():
            raise RuntimeError("fire() needs a subject attached to a session in a transaction")
        definition = self.workflows.definition_for(subject)
        transition = self._check(definition, subject, trigger, actor, reason)
        now = self.clock()
        data = dict(data or {})
        personal = dict(personal or {})
        reason = reason.strip() if reason and reason.strip() else None

        context = GuardContext(session, subject, actor, now, self.tz, reason, {**data, **personal})

        def record(carrier: Carrier) -> AuditEvent:
            return self._record(definition, transition, carrier, trigger, data, personal)

        carrier = Carrier(subject.state, context, self, record)
        # The machine resolves the destination, checks the guards (its conditions) and runs
        # its after-callbacks: the record of the step, then the domain's follow-ups.
        moved = self.workflows.machine_for(subject).events[trigger].trigger(carrier)
        if not moved:
            name, detail = carrier.unmet_guard or ("unknown", "")
            raise GuardFailed(
                action=transition.label_ru,
                guard=lambda lang: translate(f"guard.{name}", lang, detail=detail),
            )
        assert carrier.event is not None
        session.flush()
        return carrier.event

    def _record(
        self,
        definition: WorkflowDef,
        transition: TransitionDef,
        carrier: Carrier,
        trigger: str,
        data: dict[str, Any],
        personal: dict[str, Any],
    ) -> AuditEvent:
        """The machine has moved the carrier: write the state (the version bump decides a
        race), the audit event, the deadlines and the outbox rows."""
        context = carrier.context
        session, subject, now = context.session, carrier.subject, context.now
        from_state, subject_id = subject.state, subject.id
        subject.state = carrier.state
        moves = session.info.setdefault(_MOVES_KEY, set())
        moves.add(id(subject))
        try:
            session.flush()
        except StaleDataError:
            raise ConcurrentChange(subject_id=subject_id) from None
        finally:
            moves.discard(id(subject))

        event = append_event(
            session,
            kind="transition",
            actor=context.actor,
            subject_type=definition.subject,
            subject_id=subject.id,
            now=now,
            trigger=trigger,
            from_state=from_state,
            to_state=subject.state,
            reason=context.reason,
            data=data,
            personal=personal,
        )
        self._move_deadlines(session, definition, subject, event, now)
        self._queue_notifications(session, definition, transition, subject, event)
        return event

    def _check(
        self, definition: WorkflowDef, subject: WorkflowSubject, trigger: str, actor: Actor | None, reason: str | None
    ) -> TransitionDef:
        if not definition.has_trigger(trigger):
            raise UnknownTrigger(trigger=trigger, workflow=definition.label_ru)
        transition = definition.transition(trigger, subject.state)
        if transition is None:
            any_def = next(t for t in definition.transitions if t.trigger == trigger)
            state = definition.states[subject.state]
            raise NotAllowedFromState(action=any_def.label_ru, state=state.label_ru)
        if not self.may_act(subject, transition, actor):
            raise RoleDenied(
                action=transition.label_ru,
                roles=lambda lang: ", ".join(role_label(r, lang) for r in transition.roles),
            )
        if transition.reason_required and not (reason and reason.strip()):
            raise ReasonRequired(action=transition.label_ru)
        return transition

    def start(
        self,
        subject: WorkflowSubject,
        actor: Actor | None,
        reason: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """Begin a new case: `subject` (added to a session in a transaction, not yet
        flushed or at least without history) enters its workflow's initial state. The
        start is an audit event, and the initial state's and the workflow's deadlines open.
        Who may start a case is the calling service's rule."""
        session = object_session(subject)
        if session is None or not session.in_transaction():
            raise RuntimeError("start() needs a subject added to a session in a transaction")
        definition = self.workflows.definition_for(subject)
        subject.state = definition.initial
        session.flush()
        now = self.clock()
        event = append_event(
            session,
            kind="transition",
            actor=actor,
            subject_type=definition.subject,
            subject_id=subject.id,
            now=now,
            trigger="start",
            from_state=None,
            to_state=subject.state,
            reason=reason,
            data=data,
        )
        self._move_deadlines(session, definition, subject, event, now)
        session.flush()
        return event

    def _move_deadlines(
        self, session: Session, definition: WorkflowDef, subject: WorkflowSubject, event: AuditEvent, now: datetime
    ) -> None:
        """Close the deadline of the state left and open the one of the state entered;
        keep the workflow's own deadline open until a terminal state, following its date."""
        state = definition.states[subject.state]
        ours = (
            Deadline.subject_type == definition.subject,
            Deadline.subject_id == subject.id,
            Deadline.closed_at.is_(None),
        )
        closing = update(Deadline).where(*ours).values(closed_at=now, closed_by_event_id=event.id, next_notice_at=None)
        session.execute(closing.where(Deadline.scope == "state"))
        if state.deadline is not None:
            session.add(self._deadline(definition, subject, state.deadline, "state", event, now))
        spec = definition.deadline
        if spec is None:
            return
        current = session.scalars(select(Deadline).where(*ours, Deadline.scope == "workflow")).first()
        if state.terminal:
            if current is not None:
                session.execute(closing.where(Deadline.id == current.id))
            return
        wanted = self._deadline(definition, subject, spec, "workflow", event, now)
        if current is not None and (spec.until is None or current.due_at == wanted.due_at):
            return  # still running as it was (a days-long one only ever starts once)
        if current is not None:
            session.execute(closing.where(Deadline.id == current.id))
        session.add(wanted)

    def _deadline(
        self,
        definition: WorkflowDef,
        subject: WorkflowSubject,
        spec: DeadlineDef,
        scope: str,
        event: AuditEvent,
        now: datetime,
    ) -> Deadline:
        if spec.until is not None:
            due = workdays.end_of(getattr(subject, spec.until), self.tz)
            days = max(0, (due.astimezone(self.tz).date() - now.astimezone(self.tz).date()).days - 1)
        else:
            days = spec.days if isinstance(spec.days, int) else subject.workflow_param(spec.days)
            due = workdays.deadline_end(now, days, spec.calendar, self.tz)
        deadline = Deadline(
            workflow=definition.name,
            subject_type=definition.subject,
            subject_id=subject.id,
            state=subject.state,
            scope=scope,
            opened_at=now,
            due_at=due.astimezone(UTC),
            days=days,
            calendar=spec.calendar,
            actor_role=spec.actor,
            escalate_to=spec.escalate_to,
            on_expiry=spec.on_expiry,
            remind_before=",".join(str(d) for d in spec.remind_before),
            opened_by_event_id=event.id,
        )
        deadline.next_notice_at = next_notice_at(deadline, set(), now, self.tz, self.reminder_hour)
        return deadline

    def _queue_notifications(
        self,
        session: Session,
        definition: WorkflowDef,
        transition: TransitionDef,
        subject: WorkflowSubject,
        event: AuditEvent,
    ) -> None:
        recipients: dict[int, Actor] = {}
        for role in transition.notify:
            for user in subject.recipients(role):
                recipients.setdefault(user.id, user)
        context = json.dumps(
            {
                "workflow": definition.name,
                "subject_label": subject.subject_label,
                "subject_id": subject.id,
                "action": transition.label_ru,
                "from_state": definition.states[event.from_state].label_ru,
                "to_state": definition.states[event.to_state].label_ru,
                "reason": event.reason,
            },
            ensure_ascii=False,
        )
        rows = [
            {
                "dedupe_key": f"event:{event.seq}:{channel}:{user.id}",
                "channel": channel,
                "recipient_id": user.id,
                "template": f"{definition.name}.{transition.trigger}",
                "context": context,
                "audit_event_id": event.id,
                "created_at": event.occurred_at,
                "next_attempt_at": event.occurred_at,
            }
            for user in recipients.values()
            for channel in ("email", "inapp")
        ]
        if rows:  # one INSERT whatever the number of recipients
            session.execute(insert(OutboxMessage), rows)
