"""When a deadline calls for the scheduler: its reminders, its escalation, its expiry.

`due_actions` says what a deadline calls for at a moment; `next_notice_at` says when
it will next call for anything. The engine stores the latter on the deadline when it
opens it, and the scheduler again after each look at it, so that the scan asks the
database only for the deadlines whose moment has come (an indexed range) and does no
working-day arithmetic for the others. The stored moment is only a wake-up time:
`due_actions` decides what is done once it has come, so a moment set too early (the
migration sets every open deadline's to its opening) costs one look and no mail.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from reserve_flow.core import workdays
from reserve_flow.core.deadlines.models import Deadline


@dataclass(frozen=True)
class Due:
    deadline_id: int
    kind: str  # reminder | escalation | expiry
    offset: int = 0  # a reminder's days left
    skip: tuple[int, ...] = ()  # older reminders this one overtakes


def reminder_offsets(deadline: Deadline) -> list[int]:
    return sorted({int(part) for part in deadline.remind_before.split(",") if part.strip()}, reverse=True)


def reminder_moment(deadline: Deadline, offset: int, tz: ZoneInfo, hour: int) -> datetime:
    """When the reminder `offset` days before the deadline falls due: `hour` o'clock
    local time on the day from which `offset` days are left (workdays.days_left)."""
    last_day = workdays.last_day_of(deadline.due_at, tz)
    day = workdays.day_counting_back(last_day, offset, deadline.calendar)
    return datetime.combine(day, time(hour), tzinfo=tz)


def _end_action(deadline: Deadline, done: Set[tuple[str, int]]) -> str | None:
    """What the deadline's end calls for, unless already done: its expiry transition,
    or else the escalation."""
    if deadline.on_expiry:
        return None if ("expiry", 0) in done else "expiry"
    if deadline.escalate_to and ("escalation", 0) not in done:
        return "escalation"
    return None


def due_actions(deadline: Deadline, done: Set[tuple[str, int]], now: datetime, tz: ZoneInfo, hour: int) -> list[Due]:
    """What `deadline` calls for at `now`, given the notices already recorded for it."""
    if now >= deadline.due_at:
        kind = _end_action(deadline, done)
        return [Due(deadline.id, kind)] if kind else []
    # A reminder whose moment came before the deadline opened would only repeat the
    # notification of the transition that opened it.
    fallen_due = [
        offset
        for offset in reminder_offsets(deadline)
        if ("reminder", offset) not in done and deadline.opened_at < reminder_moment(deadline, offset, tz, hour) <= now
    ]
    if not fallen_due:
        return []
    latest = min(fallen_due)
    return [Due(deadline.id, "reminder", latest, tuple(o for o in fallen_due if o != latest))]


def next_notice_at(
    deadline: Deadline, done: Set[tuple[str, int]], after: datetime, tz: ZoneInfo, hour: int
) -> datetime | None:
    """The first moment later than `after` at which `deadline` calls for an action it
    has not had yet (None: never again). Past its end with the end's action still to
    do, that is the end itself: due at once."""
    end = _end_action(deadline, done)
    if after >= deadline.due_at:
        return deadline.due_at if end else None
    moments = [
        moment
        for offset in reminder_offsets(deadline)
        if ("reminder", offset) not in done
        for moment in [reminder_moment(deadline, offset, tz, hour)]
        if max(after, deadline.opened_at) < moment < deadline.due_at
    ]
    if end:
        moments.append(deadline.due_at)
    return min(moments, default=None)
