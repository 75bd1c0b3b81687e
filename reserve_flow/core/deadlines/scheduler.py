"""The scheduler: what open deadlines call for (reminders, escalations, expiry
transitions), the domains' daily jobs (core/deadlines/daily.py) once a day, then the
outbox dispatch, every scheduler.scan_interval_seconds.

`scan_once` and `notify.dispatch_once` are plain functions of (runtime, now), so
tests drive them without threads; `tick` adds leader election, and APScheduler 3
runs `tick` in `reserve-flow scheduler` (BlockingScheduler) or inside `reserve-flow
demo` (BackgroundScheduler).

Never twice: every action on a deadline is recorded as a DeadlineNotice under the
unique key (deadline, kind, offset), inserted in the transaction that queues its
outbox rows or fires its transition. A second scheduler, a restart or a crash in
the middle of a scan can at worst attempt an action again, and then the insert
fails and the attempt rolls back whole. Only one scheduler acts at a time anyway:
it holds a lease row (scheduler_leases) with an expiry, renewed on every tick and
in every transaction that claims work; a standby takes it over once it has expired.
That fence (core/fencing.py) is what stops a leader that stalled (SIGSTOP, a frozen
VM) and woke after losing its lease: its next transaction finds another holder and
rolls back.

After downtime the next scan handles what fell due meanwhile, once: only the most
recent of several overdue reminders is sent (the older ones are recorded as
skipped), and no reminder is sent for a deadline that has already passed.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Row, and_, case, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from reserve_flow.core import workdays
from reserve_flow.core.actors import Actor, directory
from reserve_flow.core.deadlines.daily import DailyRunner, daily_job
from reserve_flow.core.deadlines.models import Deadline
from reserve_flow.core.deadlines.scheduling import DeadlineNotice, SchedulerLease
from reserve_flow.core.deadlines.timing import Due, due_actions, next_notice_at
from reserve_flow.core.fencing import Fence, LeaseLost, check
from reserve_flow.core.files.sweep import sweep
from reserve_flow.core.notifications.dispatch import DispatchResult, dispatch_once
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.core.workflow.engine import role_label
from reserve_flow.core.workflow.errors import ConcurrentChange, TransitionDenied
from reserve_flow.core.workflow.registry import subject_types

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

    from reserve_flow.core.context import Context

log = logging.getLogger(__name__)


# --- the scan -------------------------------------------------------------------

SCAN_BATCH = 200  # deadlines read per query; the scan pages on (next_notice_at, id)


@dataclass
class ScanResult:
    reminders: int = 0
    escalations: int = 0
    expiries: int = 0  # expiry transitions fired
    refused: int = 0  # expiry transitions refused by a guard (and escalated)
    skipped: int = 0  # actions another scheduler took first

    def __bool__(self) -> bool:
        return any((self.reminders, self.escalations, self.expiries, self.refused))


def _due_page(session: Session, now: datetime, after: tuple[datetime, int] | None, limit: int) -> list[Row]:
    """The next `limit` open deadlines whose next notice has come, after the keyset `after`."""
    query = select(Deadline.id, Deadline.next_notice_at).where(
        Deadline.closed_at.is_(None), Deadline.next_notice_at <= now
    )
    if after is not None:
        at, deadline_id = after
        query = query.where(
            or_(Deadline.next_notice_at > at, and_(Deadline.next_notice_at == at, Deadline.id > deadline_id))
        )
    return list(session.execute(query.order_by(Deadline.next_notice_at, Deadline.id).limit(limit)))


def _done(session: Session, deadline_id: int) -> set[tuple[str, int]]:
    rows = session.execute(
        select(DeadlineNotice.kind, DeadlineNotice.offset_days).where(DeadlineNotice.deadline_id == deadline_id)
    )
    return {(kind, offset) for kind, offset in rows}


def scan_once(runtime: Context, now: datetime, fence: Fence | None = None, batch: int = SCAN_BATCH) -> ScanResult:
    """Handle every reminder, escalation and expiry due at `now`, each in its own
    transaction, which `fence` checks first (LeaseLost ends the scan). The database
    picks the deadlines whose next_notice_at has come, `batch` at a time; the others
    are not read. Safe to run from several processes at once (see the module doc); an
    action that fails for a database reason is logged and tried on the next scan."""
    result = ScanResult()
    after: tuple[datetime, int] | None = None
    while True:
        with runtime.sessions() as session:
            page = _due_page(session, now, after, batch)
        for deadline_id, _at in page:
            _handle(runtime, deadline_id, now, fence, result)
        if len(page) < batch:
            return result
        after = (page[-1].next_notice_at, page[-1].id)


def _handle(runtime: Context, deadline_id: int, now: datetime, fence: Fence | None, result: ScanResult) -> None:
    """Do what one deadline calls for at `now` and store when it next calls for anything,
    in one transaction (which `fence` checks first)."""
    hour = runtime.settings["scheduler"]["reminder_hour"]
    handlers = {"reminder": _remind, "escalation": _escalate, "expiry": _expire}
    outcomes = []
    try:
        with runtime.transaction() as session:
            check(fence, session)
            deadline = _open_deadline(session, deadline_id)
            if deadline is None:
                return
            for due in due_actions(deadline, _done(session, deadline_id), now, runtime.tz, hour):
                outcomes.append(handlers[due.kind](runtime, session, deadline, due, now))
            _reschedule(session, runtime, deadline, now, hour)
    except (IntegrityError, ConcurrentChange):
        result.skipped += 1  # another scheduler did it, or the case moved meanwhile
        with runtime.transaction() as session:
            check(fence, session)
            deadline = _open_deadline(session, deadline_id)
            if deadline is not None:
                _reschedule(session, runtime, deadline, now, hour)
        return
    except (SQLAlchemyError, LookupError):
        log.exception("scheduler: deadline %s not handled, will retry", deadline_id)
        return  # its next_notice_at stays: the next scan tries again
    for outcome in outcomes:
        if outcome:
            setattr(result, outcome, getattr(result, outcome) + 1)


def _reschedule(session: Session, runtime: Context, deadline: Deadline, now: datetime, hour: int) -> None:
    """Store when `deadline` next calls for the scheduler, after what was done at `now`."""
    if deadline.closed_at is not None:  # the expiry transition closed it
        deadline.next_notice_at = None
        return
    session.flush()  # the notices just recorded
    deadline.next_notice_at = next_notice_at(deadline, _done(session, deadline.id), now, runtime.tz, hour)


def _open_deadline(session: Session, deadline_id: int) -> Deadline | None:
    deadline = session.get(Deadline, deadline_id)
    return deadline if deadline is not None and deadline.closed_at is None else None


def _subject(session: Session, deadline: Deadline) -> Any:
    subject = session.get(subject_types()[deadline.subject_type], deadline.subject_id)
    if subject is None:
        raise LookupError(f"deadline {deadline.id}: {deadline.subject_type} #{deadline.subject_id} is gone")
    return subject


def _record(
    session: Session, deadline: Deadline, kind: str, offset: int, outcome: str, now: datetime, detail: str | None = None
) -> DeadlineNotice:
    """Insert the notice now: a duplicate raises IntegrityError before anything is queued."""
    notice = DeadlineNotice(
        deadline_id=deadline.id, kind=kind, offset_days=offset, outcome=outcome, detail=detail, created_at=now
    )
    session.add(notice)
    session.flush()
    return notice


def _context(runtime: Context, deadline: Deadline, subject: Any, **extra: Any) -> dict[str, Any]:
    state = runtime.workflows.definitions[deadline.workflow].states.get(deadline.state)
    return {
        "workflow": deadline.workflow,
        "subject_id": deadline.subject_id,
        "subject_label": subject.subject_label,
        "state": state.label_ru if state else deadline.state,
        "last_day": workdays.last_day_of(deadline.due_at, runtime.tz).strftime("%d.%m.%Y"),
        "role": role_label(deadline.actor_role),
        **extra,
    }


def _queue(
    session: Session,
    notice: DeadlineNotice,
    users: Iterable[Actor],
    template: str,
    context: dict[str, Any],
    now: datetime,
) -> None:
    """The outbox rows of a notice, e-mail and in-app for each active user, in one INSERT."""
    unique = {user.id: user for user in users if user.active}
    body = json.dumps(context, ensure_ascii=False)
    rows = [
        {
            "dedupe_key": f"notice:{notice.id}:{channel}:{user.id}",
            "channel": channel,
            "recipient_id": user.id,
            "template": template,
            "context": body,
            "created_at": now,
            "next_attempt_at": now,
        }
        for user in unique.values()
        for channel in ("email", "inapp")
    ]
    if rows:
        session.execute(insert(OutboxMessage), rows)
    notice.recipients = len(unique)


def _remind(runtime: Context, session: Session, deadline: Deadline, due: Due, now: datetime) -> str | None:
    notice = _record(session, deadline, "reminder", due.offset, "sent", now)
    for offset in due.skip:
        _record(session, deadline, "reminder", offset, "skipped", now)
    subject = _subject(session, deadline)
    left = workdays.describe_left(now, deadline.due_at, runtime.tz, deadline.calendar)
    _queue(
        session,
        notice,
        subject.recipients(deadline.actor_role),
        "deadline.reminder",
        _context(runtime, deadline, subject, left=left),
        now,
    )
    return "reminders"


def _escalate(runtime: Context, session: Session, deadline: Deadline, due: Due, now: datetime) -> str | None:
    if not deadline.escalate_to:
        return None
    notice = _record(session, deadline, "escalation", 0, "sent", now)
    subject = _subject(session, deadline)
    actors = ", ".join(u.full_name for u in subject.recipients(deadline.actor_role))
    _queue(
        session,
        notice,
        subject.recipients(deadline.escalate_to),
        "deadline.escalation",
        _context(runtime, deadline, subject, actors=actors),
        now,
    )
    return "escalations"


def _expire(runtime: Context, session: Session, deadline: Deadline, due: Due, now: datetime) -> str | None:
    """Fire the deadline's expiry transition as the system. If the workflow refuses it,
    the attempt's savepoint rolls back, and the refusal is recorded and told to the
    escalation role (administrators when the state names none) instead."""
    if not deadline.on_expiry:
        return None
    try:
        with session.begin_nested():
            notice = _record(session, deadline, "expiry", 0, "fired", now)
            event = runtime.engine.fire(_subject(session, deadline), deadline.on_expiry, None)
            notice.audit_event_id = event.id
        return "expiries"
    except TransitionDenied as exc:
        refusal = exc.message("ru")
    log.warning("scheduler: deadline %s: expiry refused: %s", due.deadline_id, refusal)
    _record(session, deadline, "expiry", 0, "refused", now, detail=refusal)
    notice = _record(session, deadline, "escalation", 0, "sent", now)
    subject = _subject(session, deadline)
    definition = runtime.workflows.definitions[deadline.workflow]
    transition = next((t for t in definition.transitions if t.trigger == deadline.on_expiry), None)
    users = subject.recipients(deadline.escalate_to) if deadline.escalate_to else _administrators(session)
    _queue(
        session,
        notice,
        users,
        "deadline.expiry_refused",
        _context(
            runtime,
            deadline,
            subject,
            reason=refusal,
            action=transition.label_ru if transition else deadline.on_expiry,
        ),
        now,
    )
    return "refused"


def _administrators(session: Session) -> list[Actor]:
    return list(directory().holding(session, "admin"))


# --- only one scheduler acts ------------------------------------------------------


class Leader(Protocol):
    kind: str

    def hold(self, now: datetime) -> bool:
        """Take or keep the right to act; False while another scheduler has it."""

    def fence(self, session: Session) -> None:
        """In the caller's transaction: raise LeaseLost unless this scheduler still holds the right."""

    def release(self) -> None:
        """Give the right up (on a clean shutdown)."""


class LeaseLeader:
    """A row in scheduler_leases, renewed until `now + lease_seconds` on every tick and
    by `fence` in every transaction that claims work. Another scheduler takes it over
    once it has expired: its holder died, hung or was stopped. The same on SQLite and
    PostgreSQL (an advisory lock would stay with a stopped process whose connection
    the server still sees alive)."""

    kind = "lease"

    def __init__(self, runtime: Context, holder: str, name: str = "scheduler") -> None:
        self.runtime, self.holder, self.name = runtime, holder, name
        self.lease = timedelta(seconds=runtime.settings["scheduler"]["lease_seconds"])

    def _bound_stall(self, session: Session) -> None:
        """On PostgreSQL, end this transaction on the server if its process stalls inside
        it (SIGSTOP) for half a lease, so that the row locks it holds do not keep the
        standby from taking the lease over."""
        if session.get_bind().dialect.name == "postgresql":
            milliseconds = int(self.lease.total_seconds() * 500)
            session.execute(text(f"SET LOCAL idle_in_transaction_session_timeout = {milliseconds}"))

    def hold(self, now: datetime) -> bool:
        try:
            with self.runtime.transaction() as session:
                self._bound_stall(session)
                taken = session.execute(
                    update(SchedulerLease)
                    .where(
                        SchedulerLease.name == self.name,
                        or_(SchedulerLease.holder == self.holder, SchedulerLease.expires_at <= now),
                    )
                    .values(
                        holder=self.holder,
                        expires_at=now + self.lease,
                        acquired_at=case((SchedulerLease.holder == self.holder, SchedulerLease.acquired_at), else_=now),
                    )
                    .execution_options(synchronize_session=False)
                ).rowcount
                if taken:
                    return True
                if session.get(SchedulerLease, self.name) is not None:
                    return False
                session.add(
                    SchedulerLease(name=self.name, holder=self.holder, acquired_at=now, expires_at=now + self.lease)
                )
                session.flush()
                return True
        except IntegrityError:
            return False  # another scheduler created the row first

    def fence(self, session: Session) -> None:
        """Renew the lease in the caller's transaction, or raise LeaseLost when it has
        expired or passed to another holder. The renewal locks the lease row until
        that transaction ends, so a takeover waits for the work under way and then
        finds the lease renewed."""
        now = self.runtime.now()
        self._bound_stall(session)
        renewed = session.execute(
            update(SchedulerLease)
            .where(
                SchedulerLease.name == self.name,
                SchedulerLease.holder == self.holder,
                SchedulerLease.expires_at > now,
            )
            .values(expires_at=now + self.lease)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not renewed:
            raise LeaseLost(f"the lease {self.name!r} is no longer held by {self.holder}")

    def release(self) -> None:
        with self.runtime.transaction() as session:
            session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == self.name, SchedulerLease.holder == self.holder)
                .values(expires_at=SchedulerLease.acquired_at)
                .execution_options(synchronize_session=False)
            )


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def make_leader(runtime: Context, holder: str | None = None) -> Leader:
    return LeaseLeader(runtime, holder or holder_name())


# --- the periodic job -------------------------------------------------------------


def _first_line(exc: OperationalError) -> str:
    return str(exc.orig or exc).strip().splitlines()[0]


class Ticker:
    """One scheduler's periodic work: act when leader, stay idle otherwise."""

    def __init__(self, runtime: Context, leader: Leader) -> None:
        self.runtime, self.leader = runtime, leader
        self.acting: bool | None = None
        self.daily = DailyRunner()

    def __call__(self) -> tuple[ScanResult, DispatchResult] | None:
        try:
            return self.tick()
        except OperationalError as exc:  # the database is down or unreachable: try again next tick
            log.warning("scheduler: database unavailable: %s", _first_line(exc))
            return None
        except Exception:  # noqa: BLE001 - a failed tick is logged; the next one runs as usual
            log.exception("scheduler: tick failed")
            return None

    def tick(self) -> tuple[ScanResult, DispatchResult] | None:
        acting = self.leader.hold(self.runtime.now())
        if acting != self.acting:
            log.info(
                "scheduler: %s",
                f"acting (holds the {self.leader.kind})" if acting else "waiting: another scheduler acts",
            )
            self.acting = acting
        if not acting:
            return None
        try:
            scan = self._scan()
            dispatch = dispatch_once(self.runtime, self.runtime.now(), fence=self.leader.fence)
        except LeaseLost:
            # It stalled past its lease and a standby took over: nothing of this tick was committed.
            log.warning("scheduler: lost the lease while acting; waiting: another scheduler acts")
            self.acting = False
            return None
        self.daily.run_due(self.runtime, self.runtime.now())
        if scan or dispatch.sent or dispatch.failed:  # an outage is logged by dispatch, once a tick
            log.info(
                "scheduler: %d reminders, %d escalations, %d expiries (%d refused); "
                "e-mail: %d sent, %d to retry, %d failed",
                scan.reminders,
                scan.escalations,
                scan.expiries,
                scan.refused,
                dispatch.sent,
                dispatch.retrying,
                dispatch.failed,
            )
        return scan, dispatch

    def _scan(self) -> ScanResult:
        """The scan; one that fails is logged and the mail goes out all the same."""
        try:
            return scan_once(self.runtime, self.runtime.now(), fence=self.leader.fence)
        except LeaseLost:
            raise
        except OperationalError as exc:  # one line: when the database is down, the dispatch says so too
            log.error("scheduler: deadline scan failed; dispatching the mail anyway: %s", _first_line(exc))
            return ScanResult()
        except Exception:  # noqa: BLE001 - a broken scan must not stop the mail already queued
            log.exception("scheduler: deadline scan failed; dispatching the mail anyway")
            return ScanResult()


@daily_job("files_sweep")
def sweep_files(runtime: Context, now: datetime) -> None:
    """What crashes left in the uploads folder goes (core/files/sweep.py)."""
    with runtime.sessions() as session:
        result = sweep(session, runtime.settings.uploads_folder)
    if result.removed:
        log.info(
            "scheduler: files sweep removed %d temporary and %d unreferenced files",
            len(result.temporary),
            len(result.unreferenced),
        )


def build(runtime: Context, ticker: Ticker, blocking: bool) -> BaseScheduler:
    """An APScheduler 3 scheduler running `ticker` now and every scan interval."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    interval = runtime.settings["scheduler"]["scan_interval_seconds"]
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=runtime.tz)
    scheduler.add_job(
        ticker,
        "interval",
        seconds=interval,
        id="reserve-flow-tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=interval,
        next_run_time=datetime.now(runtime.tz),
    )
    return scheduler


class InProcess:
    """The scheduler inside `reserve-flow demo`: a background thread."""

    def __init__(self, runtime: Context) -> None:
        self.leader = make_leader(runtime)
        self.scheduler = build(runtime, Ticker(runtime, self.leader), blocking=False)

    def start(self) -> InProcess:
        self.scheduler.start()
        return self

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.leader.release()


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def run_forever(runtime: Context) -> None:
    """`reserve-flow scheduler`: tick until SIGTERM or Ctrl+C, then finish the tick
    under way, give the lock up and return."""
    leader = make_leader(runtime)
    scheduler = build(runtime, Ticker(runtime, leader), blocking=True)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if scheduler.running:
            scheduler.shutdown(wait=True)
        leader.release()
