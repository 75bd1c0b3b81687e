"""The HR officer's vacancy pages through HTTP (issue 6, items 3-5), and the facts
appointments/services/candidates.py puts before the HR officer when choosing."""

from __future__ import annotations

import hashlib
import io
import re

from sqlalchemy import func, select, update

from reserve_flow.appointments.models import AttestationSession, Vacancy, VacancyCandidate
from reserve_flow.appointments.services import candidates as candidate_facts
from reserve_flow.appointments.services import vacancies as appointment_service
from reserve_flow.contest.models.applicants import ApplicantProfile
from reserve_flow.contest.models.commission import Score
from reserve_flow.contest.models.contests import Application
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.organizations.models.monitoring import MonitoringResult, MonitoringYear
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.reserve.models.membership import ReserveMembership
from reserve_flow.reserve.services import plan as plan_service
from tests.fixtures.appointment import (
    MEMBERS,
    PDF,
    PLANNED_ON,
    Appointment,
    act,
    attest,
    choose,
    contract,
    pre_hire,
    shortlist,
    vacancy_state,
    vacancy_version,
)
from tests.fixtures.reserve import agreed_plan, as_user, upload
from tests.helpers import _csrf_token

JUSTIFICATION = "Двенадцать лет руководил сельской школой соседнего района; в резерве нет кандидатов с таким опытом."
FIRST, SECOND = "Заявителева Елена Андреевна", "Второв Сергей Павлович"


def post(client, vacancy_id: int | None, url: str, data: dict | None = None, **kwargs):
    """Post like the page's form: the CSRF token (and the version) come from the page."""
    page = client.get(f"/appointments/{vacancy_id}" if vacancy_id else "/appointments").get_data(as_text=True)
    fields = {"csrf_token": _csrf_token(page)}
    version = re.search(r'name="version" value="(\d+)"', page)
    if version:
        fields["version"] = version.group(1)
    return client.post(url, data={**fields, **(data or {})}, **kwargs)


def attestation_form(attested: str, conclusion: str = "", name: str = "протокол.pdf", content: bytes = PDF) -> dict:
    return {
        "held_on": "2026-11-25",
        "members": MEMBERS,
        "attested": attested,
        "conclusion": conclusion,
        "document": (io.BytesIO(content), name),
    }


def count(runtime, model, *where) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def audit_count(runtime) -> int:
    return count(runtime, AuditEvent)


def candidate_ids(runtime, vacancy_id: int) -> dict[str, int]:
    with runtime.sessions() as s:
        rows = s.scalars(select(VacancyCandidate).where(VacancyCandidate.vacancy_id == vacancy_id))
        return {c.user.full_name: c.id for c in rows}


def stored_files(runtime) -> list[str]:
    folder = runtime.settings.uploads_folder
    return sorted(str(p) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_hr_runs_a_vacancy_from_opening_to_the_draft_with_a_failed_attestation(runtime, reserve, client, auth):
    district = reserve.district
    auth.login("hr@example.ru")
    assert "Открыть вакансию" in client.get("/appointments").get_data(as_text=True)
    response = post(
        client,
        None,
        "/appointments/open",
        {
            "organization_id": district.organizations[0],
            "reason": "retirement",
            "planned_on": "2027-02-01",
            "reason_note": "Директор уходит на пенсию 31 января",
        },
    )
    assert response.status_code == 303
    vacancy_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    listing = client.get("/appointments").get_data(as_text=True)
    assert "Нижнеангарская СОШ № 1" in listing and "руководитель общеобразовательной организации" in listing
    assert "01.02.2027" in listing and "остался 41 рабочий день" in listing and "Вакансия открыта" in listing

    page = client.get(f"/appointments/{vacancy_id}").get_data(as_text=True)
    assert FIRST in page and SECOND in page  # offered from the reserve
    assert "Сейчас недоступно: в списке нет кандидатов" in page
    refused = post(client, vacancy_id, f"/appointments/{vacancy_id}/confirm")
    assert refused.status_code == 400 and "в списке нет кандидатов" in refused.get_data(as_text=True)
    assert vacancy_state(runtime, vacancy_id) == "open"
    for membership_id in (reserve.first, reserve.second):
        assert (
            post(
                client, vacancy_id, f"/appointments/{vacancy_id}/members", {"membership_id": membership_id}
            ).status_code
            == 303
        )

    outsider = district.users["member2"]
    before = audit_count(runtime)
    refused = post(
        client,
        vacancy_id,
        f"/appointments/{vacancy_id}/direct",
        {"user_id": outsider, "justification": "Хороший человек"},
    )
    assert refused.status_code == 400
    assert "только с письменным обоснованием" in refused.get_data(as_text=True)
    assert count(runtime, VacancyCandidate) == 2 and audit_count(runtime) == before
    assert (
        post(
            client,
            vacancy_id,
            f"/appointments/{vacancy_id}/direct",
            {"user_id": outsider, "justification": JUSTIFICATION},
        ).status_code
        == 303
    )
    page = client.get(f"/appointments/{vacancy_id}").get_data(as_text=True)
    assert "вне резерва" in page and JUSTIFICATION in page

    assert post(client, vacancy_id, f"/appointments/{vacancy_id}/confirm").status_code == 303
    assert vacancy_state(runtime, vacancy_id) == "shortlisted"

    compare = client.get(f"/appointments/{vacancy_id}/compare").get_data(as_text=True)
    # Both members were scored 8 and 6 by three members: 8 x 2 + 6 x 1 = 22, sharing the first place.
    assert compare.count('22,00 <span class="muted">(1-е место из 2)</span>') == 2
    assert FIRST in compare and SECOND in compare and "Оценщиков Пётр Ильич" in compare

    ids = candidate_ids(runtime, vacancy_id)
    assert (
        post(client, vacancy_id, f"/appointments/{vacancy_id}/select", {"candidate_id": ids[FIRST]}).status_code == 303
    )
    assert vacancy_state(runtime, vacancy_id) == "attestation"
    page = client.get(f"/appointments/{vacancy_id}").get_data(as_text=True)
    assert "Срок этапа «Аттестация кандидата»" in page and "осталось 20 рабочих дней" in page
    conclusion = "Не представлена программа развития организации"
    response = post(
        client,
        vacancy_id,
        f"/appointments/{vacancy_id}/attestation",
        attestation_form("no", conclusion),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert vacancy_state(runtime, vacancy_id) == "shortlisted"
    page = client.get(f"/appointments/{vacancy_id}").get_data(as_text=True)
    row = page[page.index(f'id="candidate-{ids[FIRST]}"') : page.index(f'id="candidate-{ids[SECOND]}"')]
    assert "не прошёл аттестацию" in row and conclusion in row
    assert "протокол.pdf" in page and "не аттестован" in page

    assert (
        post(client, vacancy_id, f"/appointments/{vacancy_id}/select", {"candidate_id": ids[SECOND]}).status_code == 303
    )
    assert (
        post(
            client,
            vacancy_id,
            f"/appointments/{vacancy_id}/attestation",
            attestation_form("yes"),
            content_type="multipart/form-data",
        ).status_code
        == 303
    )
    page = client.get(f"/appointments/{vacancy_id}").get_data(as_text=True)
    assert "Внести трудовой договор" in page and "аттестован" in page
    assert "Подготовить проект приказа" not in page  # the contract comes first
    grounds = {"grounds": "Протокол конкурсной комиссии; аттестация"}
    early = post(client, vacancy_id, f"/appointments/{vacancy_id}/draft", grounds)
    text = early.get_data(as_text=True)
    assert early.status_code == 400 and "не собраны документы перед назначением" in text
    for missing in (
        "Сведения о доходах",
        "Справка о наличии (отсутствии) судимости",
        "медицинского осмотра",
        "Заявление",
    ):
        assert missing in text.split("не собраны документы перед назначением")[1].split("</div>")[0], missing

    def record(item: str, dated_on: str, content: bytes = PDF, name: str = "скан.pdf"):
        data = {"item": item, "dated_on": dated_on, "file": (io.BytesIO(content), name)}
        return post(
            client, vacancy_id, f"/appointments/{vacancy_id}/pre-hire", data, content_type="multipart/form-data"
        )

    stale = record("criminal_record", "2024-03-01")  # the certificate from the contest
    assert stale.status_code == 400 and "выдана более 90 дней назад" in stale.get_data(as_text=True)
    assert record("medical", "2026-11-20", b"<html>not a scan</html>", "осмотр.pdf").status_code == 400
    for item in ("income_declaration", "criminal_record", "application"):
        assert record(item, "2026-11-20").status_code == 303, item
    early = post(client, vacancy_id, f"/appointments/{vacancy_id}/draft", grounds)
    reason = early.get_data(as_text=True).split("не собраны документы перед назначением")[1].split("</div>")[0]
    assert "медицинского осмотра" in reason and "Сведения о доходах" not in reason
    assert record("medical", "2026-11-24").status_code == 303
    with runtime.sessions() as s:
        documents = s.get(Vacancy, vacancy_id).checklist
        assert set(documents) == {"income_declaration", "criminal_record", "medical", "application"}
        assert documents["medical"].file_sha256 == hashlib.sha256(PDF).hexdigest()
    early = post(client, vacancy_id, f"/appointments/{vacancy_id}/draft", grounds)
    assert early.status_code == 400 and "трудовой договор с кандидатом не внесён" in early.get_data(as_text=True)
    assert vacancy_state(runtime, vacancy_id) == "attestation"

    bad = {"number": " ", "signed_on": "2026-01-10", "term": "7", "probation_months": "9", "start_on": "2026-11-01"}
    refused = post(client, vacancy_id, f"/appointments/{vacancy_id}/contract", bad)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Трудовой договор не внесён" in text
    for problem in (
        "укажите номер трудового договора",
        "более чем на 60 дней в прошлом",
        "от 1 до 5 лет",
        "испытательный срок руководителя — от 0 до 6 месяцев",
        "дата начала работы 01.11.2026 уже прошла",
    ):
        assert problem in text, problem
    assert 'value="2026-01-10"' in text  # the form is kept
    future = dict(bad, number="17", signed_on="2026-12-20", term="3", probation_months="3", start_on="2027-02-01")
    assert "ещё не наступила" in post(client, vacancy_id, f"/appointments/{vacancy_id}/contract", future).get_data(
        as_text=True
    )
    good = dict(future, signed_on="2026-11-25")
    assert post(client, vacancy_id, f"/appointments/{vacancy_id}/contract", good).status_code == 303
    page = client.get(f"/appointments/{vacancy_id}").get_data(as_text=True)
    assert "трудовой договор от 25.11.2026 № 17" in page and "с испытательным сроком 3 месяца" in page
    response = post(client, vacancy_id, f"/appointments/{vacancy_id}/draft", grounds)
    assert response.status_code == 303
    assert vacancy_state(runtime, vacancy_id) == "order_drafted"
    with runtime.sessions() as s:
        order = s.get(Vacancy, vacancy_id).order
        assert (order.contract_years, order.number, order.candidate.user.full_name) == (3, None, SECOND)


def test_only_hr_acts_administrators_read_and_others_see_nothing(runtime, appointment: Appointment, client, auth):
    (first,) = shortlist(runtime, appointment, appointment.reserve.first)
    choose(runtime, appointment, first)
    session_id = attest(runtime, appointment, attested=False, conclusion="Не аттестован").id
    vacancy_id = appointment.vacancy
    pages = [
        "/appointments",
        f"/appointments/{vacancy_id}",
        f"/appointments/{vacancy_id}/compare",
        f"/appointments/{vacancy_id}/attestations/{session_id}/document",
    ]
    for email in ("applicant@example.ru", "member@example.ru", "secretary@example.ru"):
        auth.login(email)
        for url in pages:
            assert client.get(url).status_code == 404, (email, url)
        auth.logout()

    auth.login("admin@example.ru")
    page = client.get(f"/appointments/{vacancy_id}").get_data(as_text=True)
    assert FIRST in page and "не прошёл аттестацию" in page
    assert "Отменить вакансию" not in page and "Направить на аттестацию" not in page
    # Each step of the history links to its record in the audit journal.
    links = re.findall(r'href="(/admin/audit\?event=\d+)"', page)
    assert len(links) == 6  # opened, candidate added, shortlist, to attestation, session recorded, not attested
    journal = client.get(links[-1]).get_data(as_text=True)
    assert f"Вакансия № {vacancy_id}" in journal and "Кандидат не аттестован: вернуться к списку" in journal
    assert "Открыть вакансию" not in client.get("/appointments").get_data(as_text=True)
    version = vacancy_version(runtime, vacancy_id)
    before = audit_count(runtime)
    token = _csrf_token(page)
    response = client.post(
        f"/appointments/{vacancy_id}/cancel",
        data={"csrf_token": token, "version": version, "reason": "Должность сокращена"},
    )
    assert response.status_code == 400 and "специалист по кадрам" in response.get_data(as_text=True)
    assert vacancy_state(runtime, vacancy_id) == "shortlisted" and audit_count(runtime) == before


def test_withdrawing_returning_and_cancelling_need_a_reason(runtime, appointment: Appointment, client, auth):
    first, second = shortlist(runtime, appointment, appointment.reserve.first, appointment.reserve.second)
    vacancy_id = appointment.vacancy
    auth.login("hr@example.ru")
    url = f"/appointments/{vacancy_id}/candidates/{first}/withdraw"
    refused = post(client, vacancy_id, url, {"reason": ""})
    assert refused.status_code == 400 and "почему кандидат исключается" in refused.get_data(as_text=True)
    assert post(client, vacancy_id, url, {"reason": "Переезжает в другой район"}).status_code == 303
    page = client.get(f"/appointments/{vacancy_id}").get_data(as_text=True)
    row = page[page.index(f'id="candidate-{first}"') : page.index(f'id="candidate-{second}"')]
    assert "исключён из списка" in row and "Переезжает в другой район" in row
    choose(runtime, appointment, second)
    attest(runtime, appointment, attested=True)
    pre_hire(runtime, appointment)
    contract(runtime, appointment)
    assert post(client, vacancy_id, f"/appointments/{vacancy_id}/draft", {"grounds": ""}).status_code == 303
    before = audit_count(runtime)
    for url in ("return", "cancel"):
        response = post(client, vacancy_id, f"/appointments/{vacancy_id}/{url}", {"reason": "  "})
        assert response.status_code == 400 and "причин" in response.get_data(as_text=True).lower()
    assert vacancy_state(runtime, vacancy_id) == "order_drafted" and audit_count(runtime) == before
    assert (
        post(
            client, vacancy_id, f"/appointments/{vacancy_id}/return", {"reason": "Кандидат отказался от назначения"}
        ).status_code
        == 303
    )
    page = client.get(f"/appointments/{vacancy_id}").get_data(as_text=True)
    assert vacancy_state(runtime, vacancy_id) == "shortlisted" and "Кандидат отказался от назначения" in page
    with runtime.sessions() as s:
        assert s.get(Vacancy, vacancy_id).order is None
    assert (
        post(
            client, vacancy_id, f"/appointments/{vacancy_id}/cancel", {"reason": "Организация реорганизуется"}
        ).status_code
        == 303
    )
    assert vacancy_state(runtime, vacancy_id) == "cancelled"
    # A new vacancy at another organization is listed before the cancelled one.
    assert (
        post(
            client,
            None,
            "/appointments/open",
            {
                "organization_id": appointment.district.organizations[1],
                "reason": "resignation",
                "planned_on": "2027-03-01",
            },
        ).status_code
        == 303
    )
    listing = client.get("/appointments").get_data(as_text=True)
    assert listing.index("д/с «Северяночка»") < listing.index("Вакансия отменена")


def test_a_stale_form_answers_409_and_changes_nothing(runtime, appointment: Appointment, client, auth):
    shortlist(runtime, appointment, appointment.reserve.first, appointment.reserve.second)
    vacancy_id = appointment.vacancy
    auth.login("hr@example.ru")
    page = client.get(f"/appointments/{vacancy_id}").get_data(as_text=True)
    stale = re.search(r'name="version" value="(\d+)"', page).group(1)
    ids = candidate_ids(runtime, vacancy_id)
    choose(runtime, appointment, ids[SECOND])  # someone else acted meanwhile
    before = audit_count(runtime)
    response = client.post(
        f"/appointments/{vacancy_id}/cancel",
        data={"csrf_token": _csrf_token(page), "version": stale, "reason": "Отменяем"},
    )
    assert response.status_code == 409
    assert "изменил" in response.get_data(as_text=True).lower()
    assert vacancy_state(runtime, vacancy_id) == "attestation" and audit_count(runtime) == before


def test_a_forged_upload_is_refused_and_nothing_is_stored(runtime, appointment: Appointment, client, auth):
    (first,) = shortlist(runtime, appointment, appointment.reserve.first)
    choose(runtime, appointment, first)
    vacancy_id = appointment.vacancy
    auth.login("hr@example.ru")
    before = (audit_count(runtime), vacancy_version(runtime, vacancy_id))
    forged = b"<!doctype html><html><script>alert(1)</script></html>"
    response = post(
        client,
        vacancy_id,
        f"/appointments/{vacancy_id}/attestation",
        attestation_form("yes", name="протокол.pdf", content=forged),
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "PDF" in response.get_data(as_text=True)
    assert count(runtime, AttestationSession) == 0 and stored_files(runtime) == []
    assert (audit_count(runtime), vacancy_version(runtime, vacancy_id)) == before
    assert vacancy_state(runtime, vacancy_id) == "attestation"


def test_a_too_large_document_is_refused_in_russian(runtime, app, appointment: Appointment, client, auth):
    runtime.settings["uploads"]["max_size_mb"] = 1
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    (first,) = shortlist(runtime, appointment, appointment.reserve.first)
    choose(runtime, appointment, first)
    vacancy_id = appointment.vacancy
    auth.login("hr@example.ru")
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10)  # over the upload limit, under the request's
    response = post(
        client,
        vacancy_id,
        f"/appointments/{vacancy_id}/attestation",
        attestation_form("yes", content=big),
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "больше 1 МБ" in response.get_data(as_text=True)
    huge = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)  # over the request limit: the app-wide 413 page
    response = post(
        client,
        vacancy_id,
        f"/appointments/{vacancy_id}/attestation",
        attestation_form("yes", content=huge),
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Файл слишком большой" in html and "не более 1 МБ" in html
    assert f'<a href="/appointments/{vacancy_id}">← Вернуться к вакансии</a>' in html
    assert count(runtime, AttestationSession) == 0 and stored_files(runtime) == []
    assert vacancy_state(runtime, vacancy_id) == "attestation"


def test_each_view_of_the_attestation_document_is_audited(runtime, appointment: Appointment, client, auth):
    (first,) = shortlist(runtime, appointment, appointment.reserve.first)
    choose(runtime, appointment, first)
    session_id = attest(runtime, appointment, attested=True).id
    auth.login("hr@example.ru")
    url = f"/appointments/{appointment.vacancy}/attestations/{session_id}/document"
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200 and response.data == PDF
        assert response.headers["Content-Type"] == "application/pdf"
    with runtime.sessions() as s:
        views = list(
            s.scalars(
                select(AuditEvent).where(
                    AuditEvent.kind == "personal_file_viewed",
                    AuditEvent.subject_type == "appointment",
                    AuditEvent.subject_id == appointment.vacancy,
                )
            )
        )
        assert len(views) == 2 and {v.actor_name for v in views} == {"Кадрова Мария Ивановна"}
        assert views[0].payload["file"] == "протокол аттестации.pdf" and "протокол" not in views[0].data
    history = client.get(f"/appointments/{appointment.vacancy}").get_data(as_text=True)
    assert "Просмотр личного дела" not in history  # accesses are not steps of the case


# --- appointments/services/candidates.py -------------------------------------------


def test_candidate_facts_score_rank_plan_experience_and_monitoring(runtime, reserve, client, auth):
    district = reserve.district
    # The second member scored lower: 5 and 4 from each member, 5 x 2 + 4 x 1 = 14.
    with runtime.transaction() as s:
        second_application = s.get(ReserveMembership, reserve.second).application_id
        criteria = s.get(Application, second_application).contest.criteria
        for criterion, value in zip(criteria, (5, 4), strict=True):
            s.execute(
                update(Score)
                .where(Score.application_id == second_application, Score.criterion_id == criterion.id)
                .values(value=value)
            )
        s.add(ApplicantProfile(user_id=district.users["applicant"], teaching_years=15, management_years=6))
        school, kindergarten, ddt = (s.get(Organization, i) for i in district.organizations)
        # The registry names her the school's head, as "Заявителева Е. А.".
        school.head_user_id, school.head_name = district.users["applicant"], "Заявителева Е. А."
        years = {}
        for year in (2024, 2025):
            years[year] = MonitoringYear(year=year)
            s.add(years[year])
        s.flush()
        s.add_all(
            [
                MonitoringResult(
                    year_id=years[2024].id,
                    organization_id=school.id,
                    head_name="Пантелеев А. Н.",
                    total_percent=71.0,
                    level="acceptable",
                ),
                MonitoringResult(
                    year_id=years[2025].id,
                    organization_id=school.id,
                    head_name="Заявителева  е. а.",
                    total_percent=88.5,
                    level="optimal",
                ),
                # By name only: the second member headed the kindergarten in 2024.
                MonitoringResult(
                    year_id=years[2024].id,
                    organization_id=kindergarten.id,
                    head_name="  второв  Сергей Павлович",
                    total_percent=42.5,
                    level="critical",
                ),
                MonitoringResult(
                    year_id=years[2025].id,
                    organization_id=ddt.id,
                    head_name="Зайцева Надежда Петровна",
                    total_percent=30.0,
                    level="critical",
                ),
            ]
        )
    course_id, _ = agreed_plan(runtime, reserve, reserve.first)
    upload(runtime, reserve, "applicant", reserve.first, course_id)
    as_user(runtime, reserve, "applicant", plan_service.submit_item, reserve.first, course_id)
    as_user(runtime, reserve, "hr", plan_service.accept_item, reserve.first, course_id)

    with runtime.sessions() as s:
        members = [s.get(ReserveMembership, reserve.second), s.get(ReserveMembership, reserve.first)]
        facts = candidate_facts.for_members(runtime, s, members)
        assert [f.user.full_name for f in facts] == [SECOND, FIRST]  # the order given
        second, first = facts
        assert (first.standing.total, first.standing.rank, first.standing.ranked) == (22.0, 1, 2)
        assert (second.standing.total, second.standing.rank, second.standing.ranked) == (14.0, 2, 2)
        assert (first.plan.accepted, first.plan.mandatory) == (1, 2)
        assert (second.plan.accepted, second.plan.mandatory) == (0, 0)
        assert (first.teaching_years, first.management_years) == (15, 6)
        assert (second.teaching_years, second.management_years) == (None, None)
        assert first.reserve_state == "developing" and first.term_end is not None
        assert [(m.year, m.organization, m.total_percent, m.flagged, m.by_registry) for m in first.monitoring] == [
            (2025, "Нижнеангарская СОШ № 1", 88.5, False, True)
        ]  # 2024 was her predecessor's
        assert [(m.year, m.organization, m.level_label, m.flagged, m.by_registry) for m in second.monitoring] == [
            (2024, "д/с «Северяночка»", "критический", True, False)
        ]
        assert second.flagged_years == [2024] and first.flagged_years == []

    # The same facts in the "add from the reserve" table of a vacancy's page.
    vacancy = act(
        runtime,
        district,
        "hr",
        appointment_service.open_vacancy,
        organization_id=district.organizations[2],
        reason="new_organization",
        planned_on=PLANNED_ON,
    )
    auth.login("hr@example.ru")
    page = client.get(f"/appointments/{vacancy.id}").get_data(as_text=True)
    table = page[page.index('id="add-member"') : page.index('id="add-direct"')]
    assert "22,00" in table and "14,00" in table and "2-е место из 2" in table
    assert "1 из 2 обязательных пунктов (50 %)" in table and "педагогический: 15, руководящий: 6" in table
    assert "2024: д/с «Северяночка» — 42,5 %, критический" in table and "менее 50 %" in table
