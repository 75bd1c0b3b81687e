"""The appointment order: issued over HTTP from a drafted vacancy to downloaded DOCX and
PDF with all its consequences; numbers consecutive under concurrent issues and never
taken by a failed one; the administrator's replaceable template; who may download."""

from __future__ import annotations

import hashlib
import io
import shutil
import threading
from datetime import date

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import func, select

from reserve_flow.appointments.models import (
    AppointmentOrder,
    OrderCounter,
    OrderTemplate,
    Vacancy,
    VacancyCandidate,
)
from reserve_flow.appointments.services import orders
from reserve_flow.appointments.services import vacancies as appointment_service
from reserve_flow.core.audit.chain import chain_head
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.people.models import User
from reserve_flow.reserve.models.membership import ReserveMembership
from tests.fixtures.appointment import (
    PLANNED_ON,
    Appointment,
    act,
    attest,
    choose,
    draft,
    issue_signed,
    number_order,
    shortlist,
    vacancy_state,
    vacancy_version,
)
from tests.fixtures.privacy import NOT_PUBLISHED, consent_to_publish
from tests.fixtures.reserve import post
from tests.helpers import _csrf_token, load_user

SCHOOL = "МБОУ «Нижнеангарская СОШ № 1»"
SECOND = "Второв Сергей Павлович"  # applicant2, the reserve's second member


def docx_text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())  # justified lines come back with doubled spaces


def drafted(runtime, appointment: Appointment, membership_id: int) -> None:
    """The member shortlisted, selected, attested and the order drafted."""
    (candidate,) = shortlist(runtime, appointment, membership_id)
    choose(runtime, appointment, candidate)
    attest(runtime, appointment, attested=True)
    draft(runtime, appointment)


def number_over_http(client, vacancy_id: int, version: int):
    return post(client, f"/appointments/{vacancy_id}/order/number", {"version": str(version)}, token_from="/orders")


def sign_over_http(client, order_id: int, version: int):
    return post(client, f"/orders/{order_id}/sign", {"version": str(version)}, token_from=f"/orders/{order_id}")


def upload_scan(client, order_id: int, version: int, content: bytes, name: str):
    html = client.get(f"/orders/{order_id}").get_data(as_text=True)
    return client.post(
        f"/orders/{order_id}/signed-scan",
        data={"csrf_token": _csrf_token(html), "version": str(version), "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def head_of(runtime, organization_id: int) -> tuple[str, int | None]:
    with runtime.sessions() as s:
        organization = s.get(Organization, organization_id)
        return organization.head_name, organization.head_user_id


def order_of(runtime, vacancy_id: int) -> AppointmentOrder:
    with runtime.sessions() as s:
        order = s.scalar(select(AppointmentOrder).where(AppointmentOrder.vacancy_id == vacancy_id))
        s.expunge(order)
        return order


def files_under(runtime, folder: str = "orders") -> list:
    root = runtime.settings.uploads_folder / folder
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def second_vacancy(runtime, appointment: Appointment) -> Appointment:
    """A vacancy at the district's kindergarten, besides the fixture's one at the school."""
    vacancy = act(
        runtime,
        appointment.district,
        "hr",
        appointment_service.open_vacancy,
        organization_id=appointment.district.organizations[1],
        reason="resignation",
        planned_on=PLANNED_ON,
    )
    return Appointment(appointment.reserve, vacancy.id)


# --- (a) the issue's Done-when -------------------------------------------------------


def test_vacancy_from_open_to_a_downloaded_order_with_a_failed_attestation(runtime, appointment, client, auth):
    first, second = shortlist(runtime, appointment, appointment.reserve.first, appointment.reserve.second)
    choose(runtime, appointment, first)
    attest(runtime, appointment, attested=False, conclusion="Не представлена программа развития организации")
    assert vacancy_state(runtime, appointment.vacancy) == "shortlisted"
    choose(runtime, appointment, second)
    attest(runtime, appointment, attested=True)
    draft(runtime, appointment, start_on=date(2027, 2, 1), contract_years=5)

    auth.login("hr@example.ru")
    preview = client.get(f"/appointments/{appointment.vacancy}/order/preview.docx")
    assert preview.status_code == 200
    text = docx_text(preview.data)
    assert "№ ___" in text and SECOND in text and "-к" not in text
    assert files_under(runtime) == []  # a preview writes nothing

    school = appointment.district.organizations[0]
    head_before = head_of(runtime, school)
    stale = number_over_http(client, appointment.vacancy, vacancy_version(runtime, appointment.vacancy) - 1)
    assert stale.status_code == 409 and "изменил" in stale.get_data(as_text=True).lower()
    response = number_over_http(client, appointment.vacancy, vacancy_version(runtime, appointment.vacancy))
    assert response.status_code == 303

    # Numbered, not signed: no effect yet.
    order = order_of(runtime, appointment.vacancy)
    assert order.number == 1 and order.signed_at is None
    assert vacancy_state(runtime, appointment.vacancy) == "order_numbered"
    assert head_of(runtime, school) == head_before
    assert SECOND not in client.get("/public/appointments").get_data(as_text=True)
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "не подписан" in page and ">Подписать<" not in page  # the HR officer does not sign
    assert sign_over_http(client, order.id, vacancy_version(runtime, appointment.vacancy)).status_code == 404
    assert vacancy_state(runtime, appointment.vacancy) == "order_numbered"
    auth.logout()

    auth.login("signatory@example.ru")
    register = client.get("/orders").get_data(as_text=True)
    assert "ждёт подписи" in register and f'href="/orders/{order.id}"' in register
    assert f'href="/appointments/{appointment.vacancy}"' not in register  # the vacancy pages are HR's
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert ">Подписать<" in page and 'name="csrf_token"' in page and SECOND in page
    assert client.get(f"/orders/{order.id}.pdf").status_code == 200  # reads what they sign
    stale = sign_over_http(client, order.id, vacancy_version(runtime, appointment.vacancy) - 1)
    assert stale.status_code == 409 and head_of(runtime, school) == head_before
    no_token = client.post(
        f"/orders/{order.id}/sign", data={"version": str(vacancy_version(runtime, appointment.vacancy))}
    )
    assert no_token.status_code == 400 and vacancy_state(runtime, appointment.vacancy) == "order_numbered"
    signed = sign_over_http(client, order.id, vacancy_version(runtime, appointment.vacancy))
    assert signed.status_code == 303
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "подписан начальником РУО в системе: Начальникова Ирина Петровна" in page and ">Подписать<" not in page
    auth.logout()
    auth.login("hr@example.ru")

    order = order_of(runtime, appointment.vacancy)
    assert order.title == "Приказ № 1-к от 25.11.2026"
    docx = client.get(f"/orders/{order.id}.docx")
    assert docx.status_code == 200 and "attachment" in docx.headers["Content-Disposition"]
    text = docx_text(docx.data)
    assert "№ 1-к от 25.11.2026" in text
    assert (
        f"Назначить Второва Сергея Павловича на должность руководителя общеобразовательной организации {SCHOOL} "
        "с 01.02.2027." in text
    )
    assert "ПРИКАЗЫВАЮ:" in text and "273-ФЗ" in text and "статьёй 275 Трудового кодекса" in text
    assert f"С приказом ознакомлен: ____________________  {SECOND}" in text
    assert "с 01.02.2027" in text and "срочный трудовой договор на 5 лет" in text and "по 31.01.2032" in text
    assert "Решение аттестационной комиссии от 25.11.2026: аттестован" in text
    assert "Основание: трудовой договор от 25.11.2026 № 17;" in text  # Labour Code art. 68
    assert "с испытательным сроком 3 месяца" in text
    assert "Заявителева" not in text  # the candidate who failed is not named
    pdf = client.get(f"/orders/{order.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "№ 1-к от 25.11.2026" in pdf_text(pdf.data) and SECOND in pdf_text(pdf.data)

    with runtime.sessions() as s:
        assert s.get(ReserveMembership, appointment.reserve.second).state == "appointed"
        assert s.get(ReserveMembership, appointment.reserve.first).state != "appointed"
        school = s.get(Organization, appointment.district.organizations[0])
        assert (school.head_name, school.head_user_id) == (SECOND, appointment.user("applicant2"))
        assert school.version == 2
        appointee = s.get(User, appointment.user("applicant2"))
        assert appointee.organization_id == school.id
        assert appointee.position == "руководитель общеобразовательной организации"
        assert s.get(VacancyCandidate, second).status == "appointed"
        kinds = [e.kind for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert vacancy_state(runtime, appointment.vacancy) == "closed"
    assert {"order_numbered", "order_signed", "organization_head_changed"} <= set(kinds)
    assert kinds.index("order_signed") < kinds.index("organization_head_changed")

    register = client.get("/orders").get_data(as_text=True)
    assert "1-к" in register and SECOND in register
    html = client.get("/public/appointments").get_data(as_text=True)
    assert SECOND not in html and NOT_PUBLISHED in html  # no consent to dissemination yet
    assert "Приказ № 1-к от 25.11.2026" in html and SCHOOL in html
    consent_to_publish(runtime, appointment.reserve.user("applicant2"), ["appointments"])
    html = client.get("/public/appointments").get_data(as_text=True)
    assert SECOND in html and "Приказ № 1-к от 25.11.2026" in html and SCHOOL in html
    assert "applicant2@example.ru" not in html
    assert "/public/appointments" in client.get("/public/").get_data(as_text=True)

    auth.logout()
    auth.login("applicant2@example.ru")  # the appointee downloads their own order
    assert client.get(f"/orders/{order.id}.pdf").status_code == 200


def test_the_numbered_order_carries_the_audit_chain_head_it_was_numbered_at(runtime, appointment, client, auth):
    drafted(runtime, appointment, appointment.reserve.second)
    with runtime.sessions() as s:
        before = chain_head(s)
    auth.login("hr@example.ru")
    assert client.get(f"/appointments/{appointment.vacancy}/order/preview.docx").status_code == 200
    response = number_over_http(client, appointment.vacancy, vacancy_version(runtime, appointment.vacancy))
    assert response.status_code == 303
    order = order_of(runtime, appointment.vacancy)
    line = f"Журнал аудита: событие № {before.seq}, хеш {before.hash}"
    assert docx_text(client.get(f"/orders/{order.id}.docx").data).rstrip().endswith(line)
    assert line in pdf_text(client.get(f"/orders/{order.id}.pdf").data)
    with runtime.sessions() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.seq == before.seq)).one().hash == before.hash


def test_an_order_signed_on_paper_takes_effect_with_its_uploaded_scan(runtime, appointment, client, auth):
    drafted(runtime, appointment, appointment.reserve.second)
    school = appointment.district.organizations[0]
    order = number_order(runtime, appointment.district, appointment.vacancy)
    auth.login("hr@example.ru")
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Загрузить скан подписанного приказа" in page and 'enctype="multipart/form-data"' in page

    version = vacancy_version(runtime, appointment.vacancy)
    word = upload_scan(client, order.id, version, b"PK\x03\x04 not a pdf", "скан.docx")
    assert word.status_code == 400 and "файл PDF" in word.get_data(as_text=True)
    image = upload_scan(client, order.id, version, b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "скан.pdf")
    assert image.status_code == 400
    assert vacancy_state(runtime, appointment.vacancy) == "order_numbered"
    assert head_of(runtime, school)[1] != appointment.user("applicant2")
    assert SECOND not in client.get("/public/appointments").get_data(as_text=True)
    assert files_under(runtime, "") and all("скан" not in p.name for p in files_under(runtime, ""))

    scan = b"%PDF-1.4\n% signed on paper by the head of the department\n"
    response = upload_scan(client, order.id, version, scan, "Приказ 1-к подписанный.pdf")
    assert response.status_code == 303
    signed = order_of(runtime, appointment.vacancy)
    assert signed.signed_via == "scan" and signed.scan_sha256 == hashlib.sha256(scan).hexdigest()
    assert signed.signed_by_id == appointment.user("hr")
    assert client.get(f"/orders/{order.id}.scan").data == scan
    assert vacancy_state(runtime, appointment.vacancy) == "closed"
    assert head_of(runtime, school) == (SECOND, appointment.user("applicant2"))
    assert "Приказ № 1-к от 25.11.2026" in client.get("/public/appointments").get_data(as_text=True)
    with runtime.sessions() as s:
        assert s.get(ReserveMembership, appointment.reserve.second).state == "appointed"
        event = s.scalar(select(AuditEvent).where(AuditEvent.kind == "order_signed"))
        assert '"via":"scan"' in event.data and signed.scan_sha256 in event.data
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "загружен скан подписанного приказа" in page and "Загрузить скан" not in page


def test_the_order_names_the_appointee_in_the_accusative_and_the_post_in_the_genitive_on_a4(
    runtime, appointment, client, auth, monkeypatch
):
    from reserve_flow.appointments import order_document
    from reserve_flow.people.services.users import create_user
    from tests.helpers import PASSWORD

    monkeypatch.setattr(order_document, "soffice", lambda: None)  # the fpdf2 fallback, whatever is installed
    with runtime.transaction() as s:
        person = create_user(
            s, email="ivanova@example.ru", full_name="Иванова Ольга Николаевна", password=PASSWORD, roles=["applicant"]
        )
        person_id = person.id
    vacancy = act(
        runtime,
        appointment.district,
        "hr",
        appointment_service.open_vacancy,
        organization_id=appointment.district.organizations[1],  # МБДОУ детский сад «Северяночка»
        reason="resignation",
        planned_on=PLANNED_ON,
        position="заведующий",
    )
    kindergarten = Appointment(appointment.reserve, vacancy.id)
    justification = "Двенадцать лет работает старшим воспитателем, руководит методическим объединением района."
    candidate = act(
        runtime, appointment.district, "hr", appointment_service.add_direct, vacancy.id, person_id, justification
    ).id
    act(
        runtime,
        appointment.district,
        "hr",
        appointment_service.confirm_shortlist,
        vacancy.id,
        vacancy_version(runtime, vacancy.id),
    )
    choose(runtime, kindergarten, candidate)
    attest(runtime, kindergarten, attested=True)
    draft(runtime, kindergarten, contract_years=None)  # a contract of indefinite term
    order = issue_signed(runtime, appointment.district, vacancy.id)

    auth.login("hr@example.ru")
    content = client.get(f"/orders/{order.id}.docx").data
    document = Document(io.BytesIO(content))
    text = docx_text(content)
    assert (
        "Назначить Иванову Ольгу Николаевну на должность заведующего МБДОУ детский сад «Северяночка» с 01.02.2027."
        in text
    )
    assert "трудовой договор на неопределённый срок" in text and "по " not in text.split("неопределённый срок")[1][:5]
    assert "С приказом ознакомлена: ____________________  Иванова Ольга Николаевна" in text
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert 'w:val="ru-RU"' in document.styles.element.xml
    properties = document.core_properties
    assert properties.author == runtime.settings["orders"]["issuer"] and "Приказ № 1-к" in properties.title
    assert properties.created is not None and properties.created.year == 2026
    pdf = client.get(f"/orders/{order.id}.pdf").data
    assert "Назначить Иванову Ольгу Николаевну на должность заведующего" in pdf_text(pdf)
    with runtime.sessions() as s:
        organization = s.get(Organization, appointment.district.organizations[1])
        assert organization.head_name == "Иванова Ольга Николаевна"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_with_libreoffice_the_pdf_is_its_conversion_of_the_docx():
    from reserve_flow.appointments import order_document

    docx = order_document.render_docx(order_document.default_template(), order_document.SAMPLE_CONTEXT)
    pdf = order_document.render_pdf(docx, "Приказ № 45-к")
    assert pdf.startswith(b"%PDF") and b"LibreOffice" in pdf  # its producer, not fpdf2
    assert "ПРИКАЗЫВАЮ" in " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# --- (b) numbers under concurrent issues ----------------------------------------------


def test_two_orders_issued_at_once_get_consecutive_numbers(runtime, appointment):
    kindergarten = second_vacancy(runtime, appointment)
    drafted(runtime, appointment, appointment.reserve.second)
    drafted(runtime, kindergarten, appointment.reserve.first)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def run(vacancy_id: int) -> None:
        with runtime.sessions() as s:
            hr = load_user(s, appointment.district, "hr")
            version = s.get(Vacancy, vacancy_id).version
            barrier.wait(timeout=10)
            try:
                outcomes.append(orders.number(runtime, s, hr, vacancy_id, version).number)
            except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
                outcomes.append(exc)

    threads = [threading.Thread(target=run, args=(v,)) for v in (appointment.vacancy, kindergarten.vacancy)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == [1, 2], outcomes
    with runtime.sessions() as s:
        assert s.get(OrderCounter, (2026, "к")).last_number == 2
        heads = s.scalars(
            select(Organization.head_user_id)
            .where(Organization.id.in_(appointment.district.organizations[:2]))
            .order_by(Organization.id)
        ).all()
    assert heads == [None, None]  # numbered, not yet signed: nobody is appointed
    states = {vacancy_state(runtime, appointment.vacancy), vacancy_state(runtime, kindergarten.vacancy)}
    assert states == {"order_numbered"}


# --- (c) a failed issue takes no number ------------------------------------------------


@pytest.mark.parametrize("where", ["rendering", "after the files are written"])
def test_a_failed_issue_takes_no_number_and_leaves_no_files(runtime, appointment, monkeypatch, where):
    kindergarten = second_vacancy(runtime, appointment)
    drafted(runtime, appointment, appointment.reserve.second)
    drafted(runtime, kindergarten, appointment.reserve.first)

    def broken(*_args, **kwargs):
        raise RuntimeError("disk full")

    if where == "rendering":
        monkeypatch.setattr(orders.document, "render_pdf", broken)
    else:
        original = orders.append_event

        def failing(session, **kwargs):
            if kwargs["kind"] == "order_numbered":
                assert len(files_under(runtime)) == 2  # both files were written by now
                broken()
            return original(session, **kwargs)

        monkeypatch.setattr(orders, "append_event", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        issue_signed(runtime, appointment.district, appointment.vacancy)
    monkeypatch.undo()

    assert files_under(runtime) == []
    assert vacancy_state(runtime, appointment.vacancy) == "order_drafted"
    failed = order_of(runtime, appointment.vacancy)
    assert failed.number is None and failed.docx_path == ""
    with runtime.sessions() as s:
        assert s.get(ReserveMembership, appointment.reserve.second).state != "appointed"
        assert s.get(Organization, appointment.district.organizations[0]).head_user_id is None
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "order_numbered")) == 0

    # The next issue gets the number the failed one would have had; then the failed one is retried.
    later = issue_signed(runtime, appointment.district, kindergarten.vacancy)
    assert later.number == 1
    retried = issue_signed(runtime, appointment.district, appointment.vacancy)
    assert retried.number == 2 and len(files_under(runtime)) == 4


# --- (d) the replaceable template ------------------------------------------------------


def word_file(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload_template(client, content: bytes, name: str):
    html = client.get("/admin/order-template").get_data(as_text=True)
    from tests.helpers import _csrf_token

    return client.post(
        "/admin/order-template",
        data={"csrf_token": _csrf_token(html), "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_a_replaced_template_is_checked_and_its_words_reach_the_next_order(runtime, appointment, client, auth):
    drafted(runtime, appointment, appointment.reserve.second)
    auth.login("hr@example.ru")
    assert client.get("/admin/order-template").status_code == 404  # the administrator's page
    auth.logout()
    auth.login("admin@example.ru")
    page = client.get("/admin/order-template").get_data(as_text=True)
    assert "встроенный шаблон" in page and "{{ full_name }}" in page and "полное наименование" in page
    builtin = client.get("/admin/order-template/current.docx")
    assert builtin.status_code == 200 and "{{ full_name }}" in docx_text(builtin.data)

    stored_before = files_under(runtime, "")
    refused = upload_template(client, word_file("ПРИКАЗ № {{ number }}", "Назначить {{ fio }}"), "мой шаблон.docx")
    assert refused.status_code == 400
    assert "неизвестное поле: «{{ fio }}»" in refused.get_data(as_text=True)
    not_word = upload_template(client, b"%PDF-1.4\n% a template as PDF\n", "шаблон.pdf")
    assert not_word.status_code == 400 and "DOCX" in not_word.get_data(as_text=True)
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OrderTemplate)) == 0
    assert files_under(runtime, "") == stored_before  # refused files are not kept

    words = "Во исполнение решения конкурсной комиссии районное управление ПРИКАЗЫВАЕТ"
    template = word_file(
        "{{ issuer }}",
        "ПРИКАЗ № {{ number }} от {{ date }}",
        words,
        "Назначить {{ full_name }} ({{ organization_short }}) с {{ start_date }}.",
        "Основание: {{ grounds }}",
        "{{ signatory_position }} {{ signatory_name }}",
    )
    assert upload_template(client, template, "шаблон РУО.docx").status_code == 303
    page = client.get("/admin/order-template").get_data(as_text=True)
    assert "«шаблон РУО.docx»" in page and "Админов Алексей Николаевич" in page
    assert len(files_under(runtime, "")) == len(stored_before) + 1
    auth.logout()

    auth.login("hr@example.ru")
    assert (
        number_over_http(client, appointment.vacancy, vacancy_version(runtime, appointment.vacancy)).status_code == 303
    )
    order = order_of(runtime, appointment.vacancy)
    act(
        runtime,
        appointment.district,
        "signatory",
        orders.sign,
        appointment.vacancy,
        vacancy_version(runtime, appointment.vacancy),
    )
    text = docx_text(client.get(f"/orders/{order.id}.docx").data)
    assert words in text and "ПРИКАЗ № 1-к от 25.11.2026" in text and f"Назначить {SECOND} (Нижнеангарская" in text
    assert "О назначении на должность руководителя" not in text  # the built-in heading is gone
    pdf = pdf_text(client.get(f"/orders/{order.id}.pdf").data)
    assert words in pdf and "ПРИКАЗ № 1-к от 25.11.2026" in pdf
    with runtime.sessions() as s:
        uploaded = s.scalar(select(OrderTemplate))
        assert order.template_id == uploaded.id
        kinds = [e.kind for e in s.scalars(select(AuditEvent).where(AuditEvent.subject_type == "order_template"))]
    assert kinds == ["order_template_uploaded"]
    auth.logout()

    auth.login("admin@example.ru")
    journal = client.get("/admin/audit").get_data(as_text=True)
    assert "Загружен шаблон приказа о назначении" in journal and "Сменился руководитель организации" in journal
    response = post(client, "/admin/order-template/revert", token_from="/admin/order-template")
    assert response.status_code == 303
    assert "<strong>встроенный шаблон</strong>" in client.get("/admin/order-template").get_data(as_text=True)
    with runtime.sessions() as s:
        assert s.scalar(select(AuditEvent.kind).order_by(AuditEvent.id.desc()).limit(1)) == "order_template_reverted"


def test_a_template_over_the_size_limit_is_refused_and_not_kept(app, runtime, appointment, client, auth):
    runtime.settings["uploads"]["max_size_mb"] = 1
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    auth.login("admin@example.ru")
    big = word_file("ПРИКАЗ № {{ number }}") + b"\0" * (1024 * 1024)  # a zip's trailing bytes: still a DOCX
    over = upload_template(client, big, "большой шаблон.docx")
    assert over.status_code == 400 and "больше 1 МБ" in over.get_data(as_text=True)
    huge = upload_template(client, b"x" * (3 * 1024 * 1024), "огромный шаблон.docx")
    assert huge.status_code == 413
    assert '<a href="/admin/order-template">← Вернуться к шаблону приказа</a>' in huge.get_data(as_text=True)
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OrderTemplate)) == 0


# --- (e) who may download ---------------------------------------------------------------


def test_order_files_only_to_those_allowed_and_only_unaltered(runtime, appointment, client, auth):
    drafted(runtime, appointment, appointment.reserve.second)
    for key in ("member", "applicant"):
        auth.login(f"{key}@example.ru")
        assert client.get(f"/appointments/{appointment.vacancy}/order/preview.docx").status_code == 404
        refused = post(
            client,
            f"/appointments/{appointment.vacancy}/order/number",
            {"version": str(vacancy_version(runtime, appointment.vacancy))},
            token_from="/",
        )
        assert refused.status_code == 404
        auth.logout()
    assert vacancy_state(runtime, appointment.vacancy) == "order_drafted"
    draft_id = order_of(runtime, appointment.vacancy).id
    order = issue_signed(runtime, appointment.district, appointment.vacancy)
    assert order.id == draft_id

    for key in ("member", "applicant", "secretary"):
        auth.login(f"{key}@example.ru")
        for kind in ("docx", "pdf"):
            assert client.get(f"/orders/{order.id}.{kind}").status_code == 404
        assert client.get("/orders").status_code == 404
        auth.logout()
    auth.login("admin@example.ru")
    assert client.get(f"/orders/{order.id}.docx").status_code == 200
    assert client.get(f"/orders/{order.id}.txt").status_code == 404
    assert client.get(f"/orders/{order.id + 1}.pdf").status_code == 404

    path = runtime.settings.uploads_folder / order.pdf_path
    path.write_bytes(path.read_bytes() + b"%tampered")
    altered = client.get(f"/orders/{order.id}.pdf")
    assert altered.status_code == 409 and "повреждён или изменён" in altered.get_data(as_text=True)
    assert client.get(f"/orders/{order.id}.docx").status_code == 200

    # Issued orders have no draft to preview or issue again.
    auth.logout()
    auth.login("hr@example.ru")
    assert client.get(f"/appointments/{appointment.vacancy}/order/preview.docx").status_code == 404
    again = number_over_http(client, appointment.vacancy, vacancy_version(runtime, appointment.vacancy))
    assert again.status_code == 400 and "подготовленному проекту" in again.get_data(as_text=True)


# --- the vacancy page's order part --------------------------------------------------------


def render_order_part(app, runtime, appointment: Appointment, key: str) -> str:
    """templates/appointments/_order.html as the vacancy page includes it, for the user `key`."""
    from flask import render_template
    from flask_login import login_user

    with app.test_request_context(), runtime.sessions() as s:
        login_user(load_user(s, appointment.district, key))
        return render_template("appointments/_order.html", vacancy=s.get(Vacancy, appointment.vacancy))


def test_the_vacancy_page_shows_the_draft_with_its_issue_form_then_the_order(app, runtime, appointment):
    drafted(runtime, appointment, appointment.reserve.second)
    html = render_order_part(app, runtime, appointment, "hr")
    assert "Проект приказа (без номера)" in html and SECOND in html and "на 5 лет" in html
    assert f'action="/appointments/{appointment.vacancy}/order/number"' in html
    assert f'name="version" value="{vacancy_version(runtime, appointment.vacancy)}"' in html
    assert f"/appointments/{appointment.vacancy}/order/preview.docx" in html
    assert "Присвоить номер и передать на подпись" not in render_order_part(
        app, runtime, appointment, "admin"
    )  # reads, does not issue

    order = issue_signed(runtime, appointment.district, appointment.vacancy)
    html = render_order_part(app, runtime, appointment, "hr")
    assert "Приказ № 1-к от 25.11.2026" in html and "Присвоить номер и передать на подпись" not in html
    assert f"/orders/{order.id}.docx" in html and f"/orders/{order.id}.pdf" in html


def test_the_signatory_finds_the_numbered_order_on_the_home_page_until_it_is_signed(runtime, appointment, client, auth):
    drafted(runtime, appointment, appointment.reserve.second)
    auth.login("signatory@example.ru")
    assert "Приказов на подпись нет." in client.get("/").get_data(as_text=True)  # a draft is not for signing
    order = number_order(runtime, appointment.district, appointment.vacancy)
    home = client.get("/").get_data(as_text=True)
    assert f"Подписать: Приказ № {order.number_label}" in home and f'href="/orders/{order.id}"' in home
    assert sign_over_http(client, order.id, vacancy_version(runtime, appointment.vacancy)).status_code == 303
    home = client.get("/").get_data(as_text=True)
    assert "Приказов на подпись нет." in home and "Подписать: Приказ" not in home
