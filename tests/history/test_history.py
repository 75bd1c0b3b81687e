"""History (issue 6, item 7): the organization's timeline of heads, vacancies, orders and
monitoring, and a person's path from application to appointment, each step tied to its
audit event; who may see which, and the audit of path views."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from reserve_flow.appointments.models import AppointmentOrder
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.history import services as service
from reserve_flow.organizations.models.monitoring import MonitoringResult, MonitoringYear
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.organizations.services import organizations as organization_service
from reserve_flow.people.models import User
from tests.fixtures.appointment import Appointment
from tests.fixtures.history import appoint_member, issue_on
from tests.fixtures.scheduler import irkutsk


@dataclass
class Story:
    appointment: Appointment
    order_id: int
    organization_id: int

    @property
    def district(self):
        return self.appointment.district

    def user(self, key: str) -> int:
        return self.district.users[key]


@pytest.fixture
def story(runtime, appointment) -> Story:
    """The school's 2025 monitoring (head Пантелеев, 45 %: flagged); the administrator
    renames its head in the registry; a vacancy there: applicant2 fails attestation,
    applicant (the first member) passes and is appointed by order № 1-к of 15.01.2027."""
    reserve = appointment.reserve
    organization_id = appointment.district.organizations[0]
    with runtime.transaction() as s:
        year = MonitoringYear(year=2025)
        year.results = [
            MonitoringResult(
                organization_id=organization_id,
                head_name="Пантелеев Андрей Николаевич",
                total_percent=45.0,
                level="critical",
            )
        ]
        s.add(year)
    with runtime.transaction() as s:
        organization = s.get(Organization, organization_id)
        data = organization_service.OrganizationData(
            kind=organization.kind,
            full_name=organization.full_name,
            short_name=organization.short_name,
            head_name="Пантелеев Андрей Николаевич",
        )
        organization_service.update_organization(
            s, organization, s.get(User, appointment.user("admin")), data, organization.version, runtime.now()
        )
    appoint_member(runtime, appointment, reserve.first, fail_first=reserve.second)
    runtime.engine.clock = lambda: irkutsk(2027, 1, 15, 11)
    issue_on(runtime, appointment.district, appointment.vacancy, date(2027, 1, 15))
    with runtime.sessions() as s:
        order_id = s.scalar(select(AppointmentOrder.id))
    return Story(appointment, order_id, organization_id)


def _event(runtime, event_id: int) -> AuditEvent:
    with runtime.sessions() as s:
        return s.get(AuditEvent, event_id)


def test_organization_timeline_has_heads_vacancies_orders_and_monitoring(runtime, story):
    with runtime.sessions() as s:
        timeline = service.organization_timeline(runtime, s, s.get(Organization, story.organization_id))
    assert [e.date for e in timeline] == sorted((e.date for e in timeline), reverse=True)  # newest first
    by_kind = {}
    for entry in timeline:
        by_kind.setdefault(entry.kind, []).append(entry)
    head = by_kind["head"][0]
    assert head.date == date(2027, 2, 1)
    assert head.text == "Руководитель: Заявителева Елена Андреевна (из кадрового резерва), назначен приказом № 1-к"
    assert head.link == f"/people/{story.user('applicant')}/path" and head.staff_link
    order = by_kind["order"][0]
    assert order.text.startswith(
        "Приказ № 1-к от 15.01.2027: о назначении Заявителевой Елены Андреевны на должность руководителя "
        "общеобразовательной организации с "
    )
    assert order.link == f"/orders/{story.order_id}.docx"
    issued = _event(runtime, order.event_id)
    assert (issued.trigger, issued.subject_id) == ("sign_order", story.appointment.vacancy)
    vacancy = by_kind["vacancy"][0]
    assert vacancy.link == f"/appointments/{story.appointment.vacancy}" and vacancy.staff_link
    assert "вакансия закрыта" in vacancy.text and "выход руководителя на пенсию" in vacancy.text
    assert _event(runtime, vacancy.event_id).trigger == "start"
    registry = next(e for e in by_kind["head"] if e.text.startswith("В реестре"))
    assert registry.text == "В реестре указан руководитель: Пантелеев Андрей Николаевич"
    assert _event(runtime, registry.event_id).kind == "organization_updated"
    assert any(
        e.text == "По данным мониторинга 2025 года руководитель: Пантелеев Андрей Николаевич" for e in by_kind["head"]
    )
    (monitored,) = by_kind["monitoring"]
    assert monitored.flagged and monitored.year_only
    assert monitored.text == (
        "Мониторинг эффективности руководителя за 2025 год: 45 %, уровень критический; "
        "место 1 из 1; ниже 50 % — антикризисная программа"
    )


def test_organization_page_shows_the_timeline_with_links_by_role(runtime, story, client, auth):
    page = f"/organizations/{story.organization_id}"
    vacancy_link = f'href="/appointments/{story.appointment.vacancy}"'
    path_link = f'href="/people/{story.user("applicant")}/path"'
    auth.login("hr@example.ru")
    html = client.get(page).get_data(as_text=True)
    assert "Приказ № 1-к от 15.01.2027" in html and f'href="/orders/{story.order_id}.docx"' in html
    assert vacancy_link in html and path_link in html
    assert "/admin/audit?event=" not in html  # the journal is the administrator's
    auth.logout()
    auth.login("secretary@example.ru")  # reads organizations, not vacancies or people's paths
    html = client.get(page).get_data(as_text=True)
    assert "Руководитель: Заявителева Елена Андреевна" in html and "2025 год" in html
    assert vacancy_link not in html and path_link not in html
    # The order's files are for HR, administrators and the appointee: no link that answers 404.
    assert "Приказ № 1-к от 15.01.2027" in html and f'href="/orders/{story.order_id}.docx"' not in html
    assert client.get(f"/orders/{story.order_id}.docx").status_code == 404
    auth.logout()
    auth.login("admin@example.ru")
    html = client.get(page).get_data(as_text=True)
    assert vacancy_link in html and "/admin/audit?event=" in html


def test_person_path_runs_from_application_to_appointment(runtime, story):
    with runtime.sessions() as s:
        person = s.get(User, story.user("applicant"))
        steps = service.person_path(runtime, s, person, person)
    texts = [s.text for s in steps]
    assert [s.event_id for s in steps] == sorted(s.event_id for s in steps)  # oldest first
    contest = "Заявление на конкурс «Конкурс на включение в резерв руководителей ОО, 2026»"
    first = texts.index(f"{contest}: Подать заявление → подано, на проверке документов")
    included = texts.index(
        "Включён(а) в кадровый резерв по итогам конкурса «Конкурс на включение в резерв руководителей ОО, 2026»"
    )
    listed = next(i for i, t in enumerate(texts) if t.startswith("Включён(а) в список кандидатов: вакансия"))
    attested = texts.index(
        f"Аттестация на должность руководителя (вакансия № {story.appointment.vacancy}, "
        "Нижнеангарская СОШ № 1): аттестован(а)"
    )
    order = next(i for i, t in enumerate(texts) if t.startswith("Приказ № 1-к от 15.01.2027: назначен(а)"))
    closed = next(i for i, t in enumerate(texts) if t.startswith("Назначен(а) руководителем, вакансия закрыта"))
    assert first < included < listed < attested < order < closed
    assert steps[order].link == f"/orders/{story.order_id}.docx" and steps[order].area == "Приказ"
    assert steps[listed].actor == "Кадрова Мария Ивановна"
    assert any(s.area == "Резерв" and s.text.startswith("Назначить") for s in steps)
    assert not any("не аттестован" in t.lower() for t in texts)  # the other candidate's failure is not hers
    for step in steps:  # each step is the audit event it names
        event = _event(runtime, step.event_id)
        assert event.actor_name == step.actor and event.occurred_at == step.at

    with runtime.sessions() as s:
        person = s.get(User, story.user("applicant2"))
        steps = service.person_path(runtime, s, person, person)
    failed = [s for s in steps if "не аттестован" in s.text.lower()]
    assert [s.text for s in failed] == [
        f"Аттестация на должность руководителя (вакансия № {story.appointment.vacancy}, "
        "Нижнеангарская СОШ № 1): не аттестован(а)",
        f"Не аттестован(а), вакансия возвращена к списку кандидатов: вакансия № {story.appointment.vacancy}, "
        "Нижнеангарская СОШ № 1",
    ]
    assert json.loads(_event(runtime, failed[0].event_id).data)["attested"] is False
    assert not any(s.area == "Приказ" for s in steps)


def _views(runtime, person_id: int) -> list[AuditEvent]:
    with runtime.sessions() as s:
        return list(
            s.scalars(
                select(AuditEvent).where(
                    AuditEvent.kind == "personal_file_viewed",
                    AuditEvent.subject_type == "user",
                    AuditEvent.subject_id == person_id,
                )
            )
        )


def test_path_is_seen_by_hr_admin_and_the_person_only_and_views_are_audited(runtime, story, client, auth):
    person = story.user("applicant")
    url = f"/people/{person}/path"
    auth.login("hr@example.ru")
    html = client.get(url).get_data(as_text=True)
    assert "Заявителева Елена Андреевна: от заявления до назначения" in html
    assert "Приказ № 1-к от 15.01.2027" in html and f'href="/appointments/{story.appointment.vacancy}"' in html
    assert "/admin/audit?event=" not in html
    assert [e.actor_id for e in _views(runtime, person)] == [story.user("hr")]
    auth.logout()

    auth.login("applicant@example.ru")  # her own path: shown, not logged, no staff links
    html = client.get(url).get_data(as_text=True)
    assert "Мой путь" in html and "Приказ № 1-к от 15.01.2027" in html
    assert f'href="/appointments/{story.appointment.vacancy}"' not in html and "/admin/audit" not in html
    assert len(_views(runtime, person)) == 1
    assert client.get(f"/people/{story.user('applicant2')}/path").status_code == 404
    auth.logout()

    auth.login("secretary@example.ru")
    assert client.get(url).status_code == 404
    assert client.get("/people/99999/path").status_code == 404
    auth.logout()
    assert len(_views(runtime, person)) == 1

    auth.login("admin@example.ru")
    html = client.get(url).get_data(as_text=True)
    with runtime.sessions() as s:
        closing = s.scalar(select(AuditEvent.id).where(AuditEvent.trigger == "close"))
    assert f'href="/admin/audit?event={closing}"' in html
    assert [e.actor_id for e in _views(runtime, person)] == [story.user("hr"), story.user("admin")]
    journal = client.get(f"/admin/audit?event={closing}").get_data(as_text=True)
    assert f'id="event-{closing}"' in journal and journal.count('<tr id="event-') == 1


def test_reserve_member_page_links_to_the_path(runtime, story, client, auth):
    auth.login("applicant@example.ru")
    html = client.get(f"/reserve/{story.appointment.reserve.first}").get_data(as_text=True)
    assert f'href="/people/{story.user("applicant")}/path"' in html
    with runtime.sessions() as s:
        assert (
            s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "personal_file_viewed")) == 0
        )
