"""What a transition costs the database: its outbox rows go in one INSERT, and the
statements fire() sends do not grow with the number of people it tells."""

from __future__ import annotations

from sqlalchemy import event, func, select

from reserve_flow.contest.models.contests import Application, CommissionSeat
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.people.services.users import create_user
from tests.fixtures.scheduler import add_application, fire
from tests.helpers import PASSWORD, load_user


def _admit(runtime, district, application_id) -> tuple[list[str], int]:
    """Admit the application (it tells the applicant and every commission member);
    returns the statements fire() sent and the outbox rows it queued."""
    statements: list[str] = []

    def seen(_conn, _cursor, sql, *_args) -> None:
        statements.append(sql)

    with runtime.transaction() as s:
        secretary = load_user(s, district, "secretary")
        application = s.get(Application, application_id)
        for role in ("owner", "member"):  # the domain's loading of the people told, not counted
            for user in application.recipients(role):
                user.has_role("member")
        event.listen(runtime.db, "before_cursor_execute", seen)
        try:
            admitted = runtime.engine.fire(application, "admit", secretary)
        finally:
            event.remove(runtime.db, "before_cursor_execute", seen)
        queued = s.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.audit_event_id == admitted.id)
        )
    return statements, queued


def test_a_transition_sends_as_many_statements_for_three_more_members(runtime, district):
    first = district.application_id
    second = add_application(runtime, district, "second", "Вторая Анна Петровна")
    fire(runtime, first, "submit", "applicant", district)
    fire(runtime, second, "submit", "second", district)
    few, few_rows = _admit(runtime, district, first)

    with runtime.transaction() as s:
        contest = s.get(Application, second).contest
        for n in range(3):
            member = create_user(
                s,
                email=f"extra-member{n}@example.ru",
                full_name=f"Членов Пётр № {n}",
                password=PASSWORD,
                roles=["member"],
            )
            contest.seats.append(CommissionSeat(user_id=member.id))
    many, many_rows = _admit(runtime, district, second)

    assert many_rows == few_rows + 2 * 3  # e-mail and in-app for each of the 3 more members
    assert len(many) == len(few)
    outbox_inserts = [sql for sql in many if sql.lstrip().startswith(f"INSERT INTO {OutboxMessage.__tablename__} ")]
    assert len(outbox_inserts) == 1
