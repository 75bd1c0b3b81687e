"""Open deadlines as people see them: the overview of the secretary and the HR
officer, each user's own deadlines, and the private calendar feed of those.

Who sees what: the HR officer oversees the district and sees every open deadline;
a secretary sees the deadlines of the cases on which they act as secretary (their
contests and those contests' applications); anyone sees, in their own list and
calendar feed, the deadlines on which they are the one who must act.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.core import workdays
from reserve_flow.core.actors import Actor, directory
from reserve_flow.core.db import unit_of_work
from reserve_flow.core.deadlines.models import Deadline
from reserve_flow.core.deadlines.scheduling import DeadlineNotice
from reserve_flow.core.notifications.dispatch import link_path
from reserve_flow.core.workflow.engine import role_label
from reserve_flow.core.workflow.subjects import may_view, subject_types

if TYPE_CHECKING:
    from reserve_flow.core.context import Context

OVERVIEW_ROLES = ("secretary", "hr")


@dataclass
class DeadlineRow:
    deadline: Deadline
    subject_label: str
    state_label: str
    role: str  # whose turn: the role...
    actors: list[str]  # ...and the people holding it on this case
    last_day: date
    left: str  # «осталось 3 рабочих дня», «срок истёк»
    overdue: bool
    link: str | None  # the case page, when the viewer may open it
    reminders: list[DeadlineNotice] = field(default_factory=list)  # sent
    escalation: DeadlineNotice | None = None
    expiry: DeadlineNotice | None = None


def _open_with_subjects(session: Session) -> list[tuple[Deadline, Any]]:
    """Every open deadline with its subject, by due time; subjects loaded per type."""
    deadlines = list(
        session.scalars(select(Deadline).where(Deadline.closed_at.is_(None)).order_by(Deadline.due_at, Deadline.id))
    )
    ids: dict[str, set[int]] = defaultdict(set)
    for d in deadlines:
        ids[d.subject_type].add(d.subject_id)
    types = subject_types()
    subjects = {
        (kind, s.id): s
        for kind, wanted in ids.items()
        if kind in types
        for s in session.scalars(select(types[kind]).where(types[kind].id.in_(wanted)))
    }
    return [
        (d, subjects[(d.subject_type, d.subject_id)]) for d in deadlines if (d.subject_type, d.subject_id) in subjects
    ]


def _rows(
    session: Session, runtime: Context, viewer: Actor, pairs: list[tuple[Deadline, Any]], now: datetime
) -> list[DeadlineRow]:
    notices: dict[int, list[DeadlineNotice]] = defaultdict(list)
    if pairs:
        for notice in session.scalars(
            select(DeadlineNotice)
            .where(DeadlineNotice.deadline_id.in_([d.id for d, _ in pairs]))
            .order_by(DeadlineNotice.created_at, DeadlineNotice.id)
        ):
            notices[notice.deadline_id].append(notice)
    rows = []
    for d, subject in pairs:
        state = runtime.workflows.definitions[d.workflow].states.get(d.state)
        path = link_path({"workflow": d.workflow, "subject_id": d.subject_id})
        # the case page's own rule, as its domain registered it
        may_open = may_view(viewer, d.workflow, subject)
        found = notices[d.id]
        rows.append(
            DeadlineRow(
                deadline=d,
                subject_label=subject.subject_label,
                state_label=state.label_ru if state else d.state,
                role=role_label(d.actor_role),
                actors=[u.full_name for u in subject.recipients(d.actor_role)],
                last_day=workdays.last_day_of(d.due_at, runtime.tz),
                left=workdays.describe_left(now, d.due_at, runtime.tz, d.calendar),
                overdue=now >= d.due_at,
                link=path if path and may_open else None,
                reminders=[n for n in found if n.kind == "reminder" and n.outcome == "sent"],
                escalation=next((n for n in found if n.kind == "escalation"), None),
                expiry=next((n for n in found if n.kind == "expiry"), None),
            )
        )
    return rows


def may_see_overview(user: Actor) -> bool:
    return any(user.has_role(role) for role in OVERVIEW_ROLES)


def overview(session: Session, runtime: Context, user: Actor, now: datetime) -> list[DeadlineRow]:
    """Open deadlines the secretary or HR officer `user` may see (see the module doc)."""
    pairs = _open_with_subjects(session)
    if not user.has_role("hr"):
        pairs = [(d, s) for d, s in pairs if user.has_role("secretary") and s.holds_role(user, "secretary")]
    return _rows(session, runtime, user, pairs, now)


def own_deadlines(session: Session, runtime: Context, user: Actor, now: datetime) -> list[DeadlineRow]:
    """Open deadlines on which `user` is the one who must act."""
    pairs = [(d, s) for d, s in _open_with_subjects(session) if s.holds_role(user, d.actor_role)]
    return _rows(session, runtime, user, pairs, now)


# --- the private calendar feed ---------------------------------------------------


def new_feed_token(session: Session, user: Actor) -> str:
    """Give `user` a new feed URL secret, committed; the previous URL stops working."""
    with unit_of_work(session):
        user.ics_token = secrets.token_urlsafe(32)
        return user.ics_token


def revoke_feed_token(session: Session, user: Actor) -> None:
    """Switch the user's feed URL off, committed."""
    with unit_of_work(session):
        user.ics_token = None


def user_by_feed_token(session: Session, token: str) -> Actor | None:
    if not token or len(token) > 64:
        return None
    user = directory().by_feed_token(session, token)
    return user if user is not None and user.active else None


def calendar_feed(runtime: Context, rows: list[DeadlineRow], now: datetime) -> bytes:
    """An iCalendar (RFC 5545) document: one all-day event on the last day of each deadline."""
    base_url = runtime.settings["app"]["base_url"].rstrip("/")
    host = urlsplit(base_url).hostname or "reserve-flow"
    calendar = Calendar()
    calendar.add("prodid", "-//reserve-flow//Кадровый резерв руководителей//RU")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Сроки: кадровый резерв")
    calendar.add("x-wr-timezone", str(runtime.tz))
    for row in rows:
        event = Event()
        event.add("uid", f"deadline-{row.deadline.id}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", row.last_day)
        event.add("dtend", row.last_day + timedelta(days=1))
        event.add("summary", f"Последний день: {row.state_label} — {row.subject_label}")
        description = f"{row.left[:1].upper()}{row.left[1:]}. Действует: {row.role}."
        path = link_path({"workflow": row.deadline.workflow, "subject_id": row.deadline.subject_id})
        if path:
            event.add("url", base_url + path)
            description += f"\n{base_url}{path}"
        event.add("description", description)
        calendar.add_component(event)
    return calendar.to_ical()
