"""The engine contract (DESIGN section 3): roles and objects, guards, reasons,
optimistic locking, audit, deadlines and outbox, all in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from reserve_flow.contest.models.contests import Application
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.deadlines.models import Deadline
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.core.workflow import ConcurrentChange, TransitionDenied
from reserve_flow.core.workflow.engine import Engine
from reserve_flow.core.workflow.errors import (
    GuardFailed,
    NotAllowedFromState,
    ReasonRequired,
    RoleDenied,
    UnknownTrigger,
)
from tests.helpers import NOW, load_user

IRKUTSK = ZoneInfo("Asia/Irkutsk")


def counts(runtime):
    with runtime.sessions() as s:
        return {
            "audit": s.scalar(select(func.count()).select_from(AuditEvent)),
            "deadlines": s.scalar(select(func.count()).select_from(Deadline)),
            "outbox": s.scalar(select(func.count()).select_from(OutboxMessage)),
        }


def state_of(runtime, application_id):
    with runtime.sessions() as s:
        app = s.get(Application, application_id)
        return app.state, app.version


def fire(runtime, district, who, trigger, reason=None, application_id=None):
    with runtime.transaction() as s:
        application = s.get(Application, application_id or district.application_id)
        actor = load_user(s, district, who) if who else None
        return runtime.engine.fire(application, trigger, actor, reason=reason)


def test_submit_moves_state_and_writes_audit_deadline_and_outbox(runtime, district):
    event = fire(runtime, district, "applicant", "submit")
    assert state_of(runtime, district.application_id) == ("submitted", 2)
    with runtime.sessions() as s:
        stored = s.scalars(select(AuditEvent).where(AuditEvent.subject_type == "application")).one()
        assert (stored.trigger, stored.from_state, stored.to_state) == ("submit", "draft", "submitted")
        assert stored.actor_id == district.users["applicant"] and stored.hash == event.hash
        assert stored.seq == 3  # after the contest's announce and open_acceptance
        deadline = s.scalars(select(Deadline).where(Deadline.subject_type == "application")).one()
        # Five working days after Wednesday 25 Nov 2026: 26, 27, 30 Nov, 1 and 2 Dec.
        assert deadline.due_at.astimezone(IRKUTSK) == datetime(2026, 12, 3, tzinfo=IRKUTSK)
        assert (deadline.state, deadline.actor_role, deadline.escalate_to) == ("submitted", "secretary", "chair")
        outbox = s.scalars(select(OutboxMessage).where(OutboxMessage.audit_event_id == event.id)).all()
        recipients = {(m.recipient_id, m.channel) for m in outbox}
        assert recipients == {(district.users[w], c) for w in ("applicant", "secretary") for c in ("email", "inapp")}
        assert all(m.template == "application.submit" and m.status == "pending" for m in outbox)


def test_leaving_a_state_closes_its_deadline_and_opens_the_next(runtime, district):
    fire(runtime, district, "applicant", "submit")
    fire(runtime, district, "secretary", "return_for_fix", reason="Паспорт нечитаем")
    with runtime.sessions() as s:
        deadlines = s.scalars(
            select(Deadline).where(Deadline.subject_type == "application").order_by(Deadline.id)
        ).all()
        assert [d.state for d in deadlines] == ["submitted", "returned"]
        assert deadlines[0].closed_at == NOW and deadlines[1].closed_at is None
        # The contest's fix period is 3 working days: 26, 27 and 30 Nov.
        assert deadlines[1].due_at.astimezone(IRKUTSK) == datetime(2026, 12, 1, tzinfo=IRKUTSK)
        assert (deadlines[1].actor_role, deadlines[1].on_expiry) == ("owner", "lapse")
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert event.reason == "Паспорт нечитаем"


def assert_refused(runtime, district, who, trigger, error, text, reason=None):
    before = counts(runtime), state_of(runtime, district.application_id)
    with pytest.raises(error) as caught:
        fire(runtime, district, who, trigger, reason=reason)
    assert text in str(caught.value)
    assert (counts(runtime), state_of(runtime, district.application_id)) == before
    return caught.value


def test_transition_from_the_wrong_state_is_refused_and_changes_nothing(runtime, district):
    error = assert_refused(
        runtime,
        district,
        "secretary",
        "admit",
        NotAllowedFromState,
        "«Допустить к конкурсу» недоступно в состоянии «Черновик»",
    )
    assert "not available in state 'Draft'" not in error.message("en")  # labels stay Russian, frame is English
    assert error.message("en").startswith("Action 'Допустить к конкурсу' is not available")


def test_unknown_trigger_is_refused(runtime, district):
    assert_refused(runtime, district, "applicant", "approve_everything", UnknownTrigger, "не предусмотрено")


def test_someone_elses_application_cannot_be_submitted(runtime, district):
    assert_refused(runtime, district, "applicant2", "submit", RoleDenied, "может выполнить только: владелец дела")


def test_a_member_cannot_admit_and_a_secretary_cannot_submit(runtime, district):
    fire(runtime, district, "applicant", "submit")
    assert_refused(runtime, district, "member", "admit", RoleDenied, "секретарь комиссии")


def test_secretary_of_another_contest_cannot_act(runtime, district):
    from reserve_flow.contest.models.contests import Contest
    from reserve_flow.people.services.users import create_user

    fire(runtime, district, "applicant", "submit")
    with runtime.transaction() as s:
        other = create_user(
            s,
            email="other-secretary@example.ru",
            full_name="Чужой Секретарь Иванович",
            password="long enough, surely",
            roles=["secretary"],
        )
        district.users["other_secretary"] = other.id
    assert_refused(runtime, district, "other_secretary", "admit", RoleDenied, "секретарь комиссии")
    with runtime.sessions() as s:
        assert s.get(Contest, district.contest_id).secretary_id == district.users["secretary"]


def test_system_only_transition_is_refused_to_people_and_allowed_to_the_system(runtime, district):
    fire(runtime, district, "applicant", "submit")
    fire(runtime, district, "secretary", "return_for_fix", reason="Нет подписи")
    assert_refused(runtime, district, "secretary", "lapse", RoleDenied, "система")
    event = fire(runtime, district, None, "lapse")
    assert event.actor_id is None and event.actor_name == "система"
    assert state_of(runtime, district.application_id)[0] == "lapsed"


def test_reason_is_required_where_the_workflow_says_so(runtime, district):
    fire(runtime, district, "applicant", "submit")
    assert_refused(runtime, district, "secretary", "refuse", ReasonRequired, "нужно указать причину")
    assert_refused(runtime, district, "secretary", "refuse", ReasonRequired, "нужно указать причину", reason="   ")


def test_guard_names_the_missing_mandatory_document(runtime, district):
    with runtime.transaction() as s:
        s.execute(ApplicationDocument.__table__.delete().where(ApplicationDocument.kind_code == "passport"))
    error = assert_refused(
        runtime, district, "applicant", "submit", GuardFailed, "не загружены обязательные документы: Паспорт"
    )
    assert "mandatory documents are missing: Паспорт" in error.message("en")


def test_guard_refuses_without_consent(runtime, district):
    with runtime.transaction() as s:
        s.get(Application, district.application_id).consent_given_at = None
    assert_refused(
        runtime, district, "applicant", "submit", GuardFailed, "нет согласия на обработку персональных данных"
    )


def test_guard_refuses_after_the_contest_closes(runtime, district):
    runtime.engine.clock = lambda: datetime(2026, 12, 16, 3, 0, tzinfo=UTC)  # 16 Dec, Irkutsk
    assert_refused(runtime, district, "applicant", "submit", GuardFailed, "приём заявлений на конкурс закрыт")


def test_guards_report_the_first_unmet_one(runtime, district):
    with runtime.transaction() as s:
        s.get(Application, district.application_id).consent_given_at = None
    runtime.engine.clock = lambda: datetime(2026, 12, 16, 3, 0, tzinfo=UTC)
    error = assert_refused(runtime, district, "applicant", "submit", GuardFailed, "закрыт")
    assert "согласия" not in str(error)


def test_stale_version_loses_with_a_conflict(runtime, district):
    """Two users load the same application; the second to write gets a conflict."""
    audit_before = counts(runtime)["audit"]
    first = runtime.sessions()
    second = runtime.sessions()
    try:
        app_a = first.get(Application, district.application_id)
        app_b = second.get(Application, district.application_id)
        assert app_a.version == app_b.version == 1
        runtime.engine.fire(app_a, "submit", load_user(first, district, "applicant"))
        first.commit()
        with pytest.raises(ConcurrentChange) as caught:
            runtime.engine.fire(app_b, "withdraw", load_user(second, district, "applicant"))
        assert "уже изменил другой пользователь" in str(caught.value)
        second.rollback()
    finally:
        first.close()
        second.close()
    assert state_of(runtime, district.application_id) == ("submitted", 2)
    assert counts(runtime)["audit"] == audit_before + 1


def test_failure_in_the_middle_leaves_nothing_behind(runtime, district, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("mail template store unavailable")

    before = counts(runtime)
    monkeypatch.setattr(Engine, "_queue_notifications", broken)
    with pytest.raises(RuntimeError):
        fire(runtime, district, "applicant", "submit")
    assert counts(runtime) == before
    assert state_of(runtime, district.application_id) == ("draft", 1)
    # The chain head was rolled back too: the next event takes the number the failed one had.
    monkeypatch.undo()
    assert fire(runtime, district, "applicant", "submit").seq == before["audit"] + 1


def test_shared_machine_keeps_no_rows(runtime, district):
    machine = runtime.workflows.machines["application"]
    fire(runtime, district, "applicant", "submit")
    with pytest.raises(TransitionDenied):
        fire(runtime, district, "applicant", "admit")
    assert machine.models == []


def test_available_actions_follow_role_and_object(runtime, district):
    with runtime.sessions() as s:
        application = s.get(Application, district.application_id)
        mine = [t.trigger for t in runtime.engine.available(application, load_user(s, district, "applicant"))]
        others = runtime.engine.available(application, load_user(s, district, "applicant2"))
        secretary = runtime.engine.available(application, load_user(s, district, "secretary"))
    assert mine == ["submit", "withdraw"]
    assert others == [] and secretary == []


def test_fire_outside_a_transaction_is_a_programming_error(runtime, district):
    with runtime.sessions() as s:
        application = s.get(Application, district.application_id)
        s.commit()
        with pytest.raises(RuntimeError, match="transaction"):
            runtime.engine.fire(application, "submit", load_user(s, district, "applicant"))


def test_state_column_cannot_be_written_outside_the_engine(runtime, district):
    with pytest.raises(RuntimeError, match="state changed outside the workflow engine"):
        with runtime.transaction() as s:
            s.get(Application, district.application_id).state = "included"
    assert state_of(runtime, district.application_id) == ("draft", 1)
