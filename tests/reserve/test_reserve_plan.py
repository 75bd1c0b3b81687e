"""The individual development plan through the pages: drafted by the HR officer from
the member's deficits, agreed by both, evidence accepted and returned, the mentor's
review, and the member ready by itself once every mandatory item is accepted; changes
after agreement as new versions; each item's own deadline with its reminders."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

from sqlalchemy import select

from reserve_flow.contest.models.commission import Score
from reserve_flow.contest.models.contests import ContestCriterion
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.deadlines.models import Deadline
from reserve_flow.core.deadlines.scheduler import scan_once
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.reserve.models.membership import ProfessionalDeficit
from reserve_flow.reserve.models.plan import PlanEvidence, PlanItem, PlanVersion
from reserve_flow.reserve.services import plan as plan_service
from tests.fixtures.reserve import (
    PDF,
    agreed_plan,
    as_user,
    confirm,
    course,
    internship,
    item_ids,
    item_state,
    membership_version,
    post,
    snapshot,
    state_of,
    upload,
)
from tests.fixtures.scheduler import IRKUTSK, irkutsk


def form_of(data: plan_service.ItemData, **extra) -> dict:
    """The add/edit item form as a browser posts it."""
    values = {
        "kind": data.kind,
        "title": data.title,
        "due_date": data.due_date.isoformat(),
        "starts_on": data.starts_on.isoformat() if data.starts_on else "",
        "ends_on": data.ends_on.isoformat() if data.ends_on else "",
        "provider": data.provider,
        "programme": data.programme,
        "hours": str(data.hours or ""),
        "host_organization_id": str(data.host_organization_id or ""),
        "mentor_id": str(data.mentor_id or ""),
    }
    if data.mandatory:
        values["mandatory"] = "1"
    return {**values, **extra}


def page(client, membership_id: int) -> str:
    return client.get(f"/reserve/{membership_id}").get_data(as_text=True)


def events(runtime, subject_type: str, subject_id: int) -> list[AuditEvent]:
    with runtime.sessions() as s:
        return list(
            s.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.subject_type == subject_type,
                    AuditEvent.subject_id == subject_id,
                    AuditEvent.kind != "personal_file_viewed",
                )
                .order_by(AuditEvent.seq)
            )
        )


def upload_http(client, membership_id: int, item_id: int, kind: str, name: str, content: bytes = PDF):
    return post(
        client,
        f"/reserve/{membership_id}/items/{item_id}/evidence",
        {"kind": kind, "file": (io.BytesIO(content), name)},
        token_from=f"/reserve/{membership_id}",
        content_type="multipart/form-data",
    )


def test_a_member_goes_from_included_through_an_agreed_plan_to_ready(runtime, reserve, client, auth):
    m = reserve.first
    with runtime.transaction() as s:  # the commission's scores: low on the interview
        interview = s.scalars(select(ContestCriterion.id).where(ContestCriterion.name == "Собеседование")).one()
        for score in s.scalars(
            select(Score).where(Score.application_id == reserve.commission.first, Score.criterion_id == interview)
        ):
            score.value = 4
    assert state_of(runtime, m) == "included"
    assert [e.trigger for e in events(runtime, "reserve", m)] == ["start"]  # its history starts with inclusion

    # The HR officer enters deficits (one from the low score) and drafts the plan.
    auth.login("hr@example.ru")
    assert post(client, f"/reserve/{m}/deficits/from-scores", token_from=f"/reserve/{m}").status_code == 303
    assert (
        post(
            client, f"/reserve/{m}/deficits", {"text": "Нет опыта управления финансами ОО"}, token_from=f"/reserve/{m}"
        ).status_code
        == 303
    )
    with runtime.sessions() as s:
        deficits = s.scalars(select(ProfessionalDeficit).order_by(ProfessionalDeficit.id)).all()
        assert [d.source for d in deficits] == ["assessment", "manual"]
        assert "средний балл комиссии 4,0 из 10" in deficits[0].text
    for data in (course(), internship(reserve)):
        response = post(
            client,
            f"/reserve/{m}/items",
            form_of(data, version=membership_version(runtime, m)),
            token_from=f"/reserve/{m}",
        )
        assert response.status_code == 303, response.get_data(as_text=True)
    course_id, internship_id = item_ids(runtime, m)
    assert item_state(runtime, course_id) == "draft"
    html = page(client, m)
    assert "Курсы повышения квалификации: Управление образовательной организацией" in html
    assert "Наставник: Наставникова Людмила Анатольевна" in html
    assert (
        post(
            client,
            f"/reserve/{m}/plan/confirm",
            {"version": membership_version(runtime, m)},
            token_from=f"/reserve/{m}",
        ).status_code
        == 303
    )
    assert state_of(runtime, m) == "included"  # one side only
    auth.logout()

    # The member reads it and confirms: agreed, the items planned, their deadlines running.
    auth.login("applicant@example.ru")
    assert client.get("/reserve/").headers["Location"].endswith(f"/reserve/{m}")
    html = page(client, m)
    assert "Подтверждаю план (редакция № 1)" in html
    assert (
        post(
            client,
            f"/reserve/{m}/plan/confirm",
            {"version": membership_version(runtime, m)},
            token_from=f"/reserve/{m}",
        ).status_code
        == 303
    )
    assert state_of(runtime, m) == "plan_agreed"
    assert (item_state(runtime, course_id), item_state(runtime, internship_id)) == ("planned", "planned")
    with runtime.sessions() as s:
        due = s.scalars(
            select(Deadline).where(
                Deadline.subject_type == "plan_item", Deadline.subject_id == course_id, Deadline.closed_at.is_(None)
            )
        ).one()
        assert due.due_at.astimezone(IRKUTSK) == datetime(2027, 4, 1, tzinfo=IRKUTSK)  # the end of 31.03.2027
        assert (due.actor_role, due.escalate_to) == ("owner", "hr")

    # The certificate: uploaded (the member has begun), submitted, returned, fixed, accepted.
    assert upload_http(client, m, course_id, "certificate", "удостоверение.pdf").status_code == 303
    assert state_of(runtime, m) == "developing"
    assert post(client, f"/reserve/{m}/items/{course_id}/submit", token_from=f"/reserve/{m}").status_code == 303
    auth.logout()
    auth.login("hr@example.ru")
    assert (
        post(
            client,
            f"/reserve/{m}/items/{course_id}/return",
            {"reason": "Нет печати на удостоверении"},
            token_from=f"/reserve/{m}",
        ).status_code
        == 303
    )
    assert item_state(runtime, course_id) == "returned"
    auth.logout()
    auth.login("applicant@example.ru")
    html = page(client, m)
    assert "Нет печати на удостоверении" in html
    refused = post(client, f"/reserve/{m}/items/{course_id}/submit", token_from=f"/reserve/{m}")
    assert refused.status_code == 400  # nothing new since the return
    assert "не загружен подтверждающий документ после возврата на доработку" in refused.get_data(as_text=True)
    assert (
        upload_http(
            client, m, course_id, "certificate", "удостоверение с печатью.pdf", PDF + b"% stamped\n"
        ).status_code
        == 303
    )
    assert post(client, f"/reserve/{m}/items/{course_id}/submit", token_from=f"/reserve/{m}").status_code == 303
    # The internship report.
    assert upload_http(client, m, internship_id, "report", "отчёт о стажировке.pdf").status_code == 303
    assert post(client, f"/reserve/{m}/items/{internship_id}/submit", token_from=f"/reserve/{m}").status_code == 303
    auth.logout()

    auth.login("hr@example.ru")
    assert post(client, f"/reserve/{m}/items/{course_id}/accept", token_from=f"/reserve/{m}").status_code == 303
    assert state_of(runtime, m) == "developing"  # the internship is still open
    before = snapshot(runtime)
    refused = post(client, f"/reserve/{m}/items/{internship_id}/accept", token_from=f"/reserve/{m}")
    assert refused.status_code == 400
    assert "нет отзыва наставника о стажировке (Наставникова Людмила Анатольевна)" in refused.get_data(as_text=True)
    assert snapshot(runtime) == before
    auth.logout()

    # The mentor sees the mentee, the report, and writes the review.
    auth.login("mentor@example.ru")
    html = page(client, m)
    assert "отчёт о стажировке.pdf" in html and "удостоверение.pdf" not in html  # their internship's files only
    assert "Профессиональные дефициты" not in html
    assert (
        post(
            client,
            f"/reserve/{m}/items/{internship_id}/review",
            {"text": "Стажировку прошла успешно: составила план ФХД, провела педсовет."},
            token_from=f"/reserve/{m}",
        ).status_code
        == 303
    )
    auth.logout()

    # HR accepts the internship: the last mandatory item, so the member is ready in the same step.
    auth.login("hr@example.ru")
    assert (
        post(
            client,
            f"/reserve/{m}/items/{internship_id}/accept",
            {"comment": "Отзыв положительный"},
            token_from=f"/reserve/{m}",
        ).status_code
        == 303
    )
    assert state_of(runtime, m) == "ready"
    with runtime.sessions() as s:
        accept = s.scalars(
            select(AuditEvent).where(
                AuditEvent.subject_type == "plan_item",
                AuditEvent.subject_id == internship_id,
                AuditEvent.trigger == "accept",
            )
        ).one()
        ready = s.scalars(select(AuditEvent).where(AuditEvent.trigger == "become_ready")).one()
        assert ready.seq == accept.seq + 1 and ready.actor_name == "Кадрова Мария Ивановна"
        assert (
            s.scalars(select(Deadline).where(Deadline.subject_type == "plan_item", Deadline.closed_at.is_(None))).all()
            == []
        )
        assert len(s.scalars(select(PlanEvidence)).all()) == 3
        told = {
            (m_.template, m_.channel)
            for m_ in s.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id == reserve.user("applicant")))
        }
        assert ("plan_item.return_item", "email") in told and ("reserve.become_ready", "inapp") in told
    assert [e.trigger for e in events(runtime, "reserve", m) if e.kind == "transition"] == [
        "start",
        "agree_plan",
        "begin_development",
        "become_ready",
    ]
    assert "Готов к назначению" in page(client, m)


def test_changes_after_agreement_are_new_versions_the_member_confirms(runtime, reserve, client, auth):
    m = reserve.first
    course_id, internship_id = agreed_plan(runtime, reserve, m)
    auth.login("hr@example.ru")
    moved = course(due=date(2027, 6, 30))
    without_reason = post(
        client,
        f"/reserve/{m}/items/{course_id}/edit",
        form_of(moved, version=membership_version(runtime, m)),
        token_from=f"/reserve/{m}",
    )
    assert without_reason.status_code == 400
    assert "укажите причину изменения" in without_reason.get_data(as_text=True)
    response = post(
        client,
        f"/reserve/{m}/items/{course_id}/edit",
        form_of(moved, version=membership_version(runtime, m), reason="Курсы перенесены на июнь"),
        token_from=f"/reserve/{m}",
    )
    assert response.status_code == 303
    response = post(
        client,
        f"/reserve/{m}/items",
        form_of(
            course(title="Семинар по финансовой грамотности", mandatory=False),
            version=membership_version(runtime, m),
            reason="Добавлен семинар по просьбе резервиста",
        ),
        token_from=f"/reserve/{m}",
    )
    assert response.status_code == 303
    with runtime.sessions() as s:
        versions = s.scalars(
            select(PlanVersion).where(PlanVersion.membership_id == m).order_by(PlanVersion.number)
        ).all()
        assert [(v.number, v.reason) for v in versions] == [
            (1, None),
            (2, "Курсы перенесены на июнь"),
            (3, "Добавлен семинар по просьбе резервиста"),
        ]
        assert versions[0].agreed and not versions[2].agreed and versions[2].hr_agreed_at is not None
        assert [i["due_date"] for i in json.loads(versions[0].snapshot)][0] == "2027-03-31"  # as agreed
        assert [i["due_date"] for i in json.loads(versions[1].snapshot)][0] == "2027-06-30"
        seminar = s.scalars(select(PlanItem).where(PlanItem.title.like("Семинар%"))).one()
        assert (seminar.state, seminar.added_in_version) == ("planned", 3)  # in force at once
        # The course's deadline follows its new date.
        [due] = s.scalars(
            select(Deadline).where(
                Deadline.subject_type == "plan_item", Deadline.subject_id == course_id, Deadline.closed_at.is_(None)
            )
        )
        assert due.due_at.astimezone(IRKUTSK) == datetime(2027, 7, 1, tzinfo=IRKUTSK)
        changes = s.scalars(select(AuditEvent).where(AuditEvent.kind == "plan_changed").order_by(AuditEvent.seq)).all()
        assert [(json.loads(e.data)["version"], json.loads(e.data)["change"]) for e in changes][-2:] == [
            (2, "updated"),
            (3, "added"),
        ]
        assert changes[-2].reason == "Курсы перенесены на июнь"
        assert '"due_date":"30.06.2027"' in changes[-2].personal.data  # the plan's content stays erasable
        assert s.scalars(select(AuditEvent).where(AuditEvent.trigger == "reschedule")).one().subject_id == course_id
        notices = s.scalars(
            select(OutboxMessage).where(
                OutboxMessage.template == "reserve.plan_notice",
                OutboxMessage.recipient_id == reserve.user("applicant"),
                OutboxMessage.channel == "inapp",
            )
        ).all()
        assert any("редакция № 3" in json.loads(n.context)["action"] for n in notices)
    html = page(client, m)
    assert "Ожидает подтверждения" in html and "Редакции и изменения плана" in html
    auth.logout()

    # Everything mandatory done: ready only once the member has confirmed the last version.
    for item_id, kind in ((course_id, "certificate"), (internship_id, "report")):
        upload(runtime, reserve, "applicant", m, item_id, kind=kind, name=f"{kind}.pdf", content=PDF + kind.encode())
        as_user(runtime, reserve, "applicant", plan_service.submit_item, m, item_id)
    as_user(runtime, reserve, "mentor", plan_service.review_item, m, internship_id, "Хорошо")
    for item_id in (course_id, internship_id):
        as_user(runtime, reserve, "hr", plan_service.accept_item, m, item_id)
    assert state_of(runtime, m) == "developing"
    confirm(runtime, reserve, "applicant", m)
    assert state_of(runtime, m) == "ready"
    with runtime.sessions() as s:
        assert (
            s.scalars(select(AuditEvent).where(AuditEvent.trigger == "become_ready")).one().actor_name
            == "Заявителева Елена Андреевна"
        )


def test_each_item_reminds_its_member_before_its_due_date_and_hr_after(runtime, reserve):
    m = reserve.first
    course_id, _ = agreed_plan(runtime, reserve, m)
    runtime.engine.clock = lambda: irkutsk(2027, 3, 18, 9)  # 10 working days before 31.03.2027
    assert scan_once(runtime, irkutsk(2027, 3, 18, 9)).reminders == 1
    assert scan_once(runtime, irkutsk(2027, 3, 18, 10)).reminders == 0  # once
    with runtime.sessions() as s:
        reminder = s.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "deadline.reminder", OutboxMessage.channel == "inapp")
        ).one()
        assert reminder.recipient_id == reserve.user("applicant")
        assert "Управление образовательной организацией" in json.loads(reminder.context)["subject_label"]
    assert scan_once(runtime, irkutsk(2027, 4, 1, 9)).escalations == 1  # the due date has passed
    with runtime.sessions() as s:
        escalation = [
            e
            for e in s.scalars(select(OutboxMessage).where(OutboxMessage.template == "deadline.escalation"))
            if json.loads(e.context)["workflow"] == "plan_item"
        ]
        assert {e.recipient_id for e in escalation} == {reserve.user("hr")}
        assert json.loads(escalation[0].context)["actors"] == "Заявителева Елена Андреевна"
    assert item_state(runtime, course_id) == "planned"  # the item waits; HR decides what to do


def test_the_diagrams_name_the_deadlines_that_run_until_a_date(runtime, reserve, client, auth):
    from reserve_flow.core.workflow.diagram import workflow_graph

    source = workflow_graph(runtime.workflows.definitions["plan_item"]).source
    assert "⏱ до: срок выполнения пункта плана" in source
    auth.login("hr@example.ru")
    response = client.get(f"/reserve/{reserve.first}/diagram.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "Включён в резерв, план не согласован" in response.get_data(as_text=True)
