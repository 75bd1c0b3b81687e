"""Every refusal of the reserve says why in Russian and changes nothing: a member
editing the agreed plan, a mentor opening someone else's mentee, evidence after
exclusion, and the other rules of the plan and the term."""

from __future__ import annotations

import io

import pytest

from reserve_flow.core.workflow.errors import ConcurrentChange, TransitionDenied
from reserve_flow.reserve.services import membership as reserve_service
from reserve_flow.reserve.services import plan as plan_service
from tests.fixtures.reserve import (
    PDF,
    TODAY,
    add_item,
    agreed_plan,
    as_user,
    course,
    days,
    internship,
    item_ids,
    membership_version,
    post,
    snapshot,
    upload,
)
from tests.reserve.test_reserve_plan import form_of, upload_http


def stored_files(runtime) -> list:
    folder = runtime.settings.uploads_folder
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_a_member_cannot_edit_the_agreed_plan(runtime, reserve, client, auth):
    m = reserve.first
    course_id, _ = agreed_plan(runtime, reserve, m)
    auth.login("applicant@example.ru")
    before = snapshot(runtime)
    edit = post(
        client,
        f"/reserve/{m}/items/{course_id}/edit",
        form_of(
            course(title="Курсы, которые выбрал я сам"), version=membership_version(runtime, m), reason="хочу другие"
        ),
        token_from=f"/reserve/{m}",
    )
    assert edit.status_code == 400
    assert (
        "Согласованный план изменяет только специалист по кадрам, новой редакцией с указанием причины"
        in edit.get_data(as_text=True)
    )
    added = post(
        client,
        f"/reserve/{m}/items",
        form_of(course(), version=membership_version(runtime, m)),
        token_from=f"/reserve/{m}",
    )
    removed = post(
        client,
        f"/reserve/{m}/items/{course_id}/remove",
        {"version": membership_version(runtime, m), "reason": "не нужно"},
        token_from=f"/reserve/{m}",
    )
    for response in (added, removed):
        assert response.status_code == 400
        assert "Согласованный план изменяет только специалист по кадрам" in response.get_data(as_text=True)
    assert snapshot(runtime) == before
    html = client.get(f"/reserve/{m}").get_data(as_text=True)
    assert "Добавить пункт в план" not in html and "Изменить пункт" not in html


def test_a_mentor_sees_only_their_mentees(runtime, reserve, client, auth):
    first_course, first_internship = agreed_plan(runtime, reserve, reserve.first)
    add_item(runtime, reserve, reserve.second, internship(reserve, 1, mentor="mentor2"))
    evidence = upload(runtime, reserve, "applicant", reserve.first, first_internship, kind="report", name="отчёт.pdf")
    auth.login("mentor2@example.ru")
    before = snapshot(runtime)
    html = client.get("/reserve/").get_data(as_text=True)
    assert "Второв Сергей Павлович" in html and "Заявителева" not in html
    for url in (
        f"/reserve/{reserve.first}",
        f"/reserve/{reserve.first}/evidence/{evidence.id}",
        f"/reserve/{reserve.first}/diagram.svg",
        f"/reserve/items/{first_internship}",
    ):
        assert client.get(url).status_code == 404, url
    review = post(
        client, f"/reserve/{reserve.first}/items/{first_internship}/review", {"text": "Отлично"}, token_from="/reserve/"
    )
    assert review.status_code == 404
    assert snapshot(runtime) == before
    # Their own mentee's page opens; the exports are HR's.
    assert client.get(f"/reserve/{reserve.second}").status_code == 200
    assert client.get("/reserve/export.csv").status_code == 404
    auth.logout()
    auth.login("mentor@example.ru")
    certificate = upload(
        runtime, reserve, "applicant", reserve.first, first_course, name="удостоверение.pdf", content=PDF + b"course"
    )
    assert client.get(f"/reserve/{reserve.first}/evidence/{evidence.id}").status_code == 200
    assert client.get(f"/reserve/{reserve.first}/evidence/{certificate.id}").status_code == 404
    # A commission member who is no mentor has no reserve at all.
    auth.logout()
    auth.login("member@example.ru")
    assert client.get("/reserve/").status_code == 200  # an empty "not in the reserve" page
    assert client.get(f"/reserve/{reserve.first}").status_code == 404
    assert client.get("/reserve/export.xlsx").status_code == 404


def test_no_evidence_after_exclusion(runtime, reserve, client, auth):
    m = reserve.first
    course_id, _ = agreed_plan(runtime, reserve, m)
    as_user(runtime, reserve, "hr", reserve_service.exclude, m, membership_version(runtime, m), "lost_eligibility", "")
    auth.login("applicant@example.ru")
    before, files = snapshot(runtime), stored_files(runtime)
    refused = upload_http(client, m, course_id, "certificate", "удостоверение.pdf")
    assert refused.status_code == 400
    assert "Вы исключены из кадрового резерва: документы по плану развития больше не принимаются." in refused.get_data(
        as_text=True
    )
    refused = post(client, f"/reserve/{m}/items/{course_id}/submit", token_from=f"/reserve/{m}")
    assert refused.status_code == 400
    assert "выполнение плана больше не принимается" in refused.get_data(as_text=True)
    refused = post(
        client, f"/reserve/{m}/plan/confirm", {"version": membership_version(runtime, m)}, token_from=f"/reserve/{m}"
    )
    assert refused.status_code == 400
    assert snapshot(runtime) == before and stored_files(runtime) == files


@pytest.mark.parametrize(
    "case",
    [
        "hr_drafts_in_the_past",
        "course_without_provider",
        "internship_mentor_not_a_mentor",
        "confirm_empty_plan",
        "member_drafts",
        "confirm_twice",
        "stale_confirm",
        "accept_by_member",
        "return_without_reason",
        "review_by_hr",
        "upload_before_agreement",
        "upload_a_fake_pdf",
        "change_after_ready",
        "appoint_without_order",
        "extend_by_member",
    ],
)
def test_refusals_say_why_and_change_nothing(runtime, reserve, case):
    m = reserve.first
    expected: str
    if case in ("confirm_twice", "stale_confirm", "upload_before_agreement"):
        add_item(runtime, reserve, m, course())
        as_user(runtime, reserve, "hr", plan_service.confirm_plan, m, membership_version(runtime, m))
    if case in ("accept_by_member", "return_without_reason", "review_by_hr", "upload_a_fake_pdf", "change_after_ready"):
        course_id, internship_id = agreed_plan(runtime, reserve, m)
        upload(runtime, reserve, "applicant", m, course_id)
        as_user(runtime, reserve, "applicant", plan_service.submit_item, m, course_id)
    if case == "change_after_ready":
        upload(runtime, reserve, "applicant", m, internship_id, kind="report", name="r.pdf", content=PDF + b"r")
        as_user(runtime, reserve, "applicant", plan_service.submit_item, m, internship_id)
        as_user(runtime, reserve, "mentor", plan_service.review_item, m, internship_id, "Хорошо")
        for item_id in (course_id, internship_id):
            as_user(runtime, reserve, "hr", plan_service.accept_item, m, item_id)
    before = snapshot(runtime)
    version = membership_version(runtime, m)

    def hr(action, *args):
        return as_user(runtime, reserve, "hr", action, m, *args)

    def member(action, *args):
        return as_user(runtime, reserve, "applicant", action, m, *args)

    actions = {
        "hr_drafts_in_the_past": (
            lambda: hr(plan_service.add_item, version, course(due=TODAY - days(1))),
            "срок выполнения уже прошёл",
        ),
        "course_without_provider": (
            lambda: hr(plan_service.add_item, version, course(provider="", hours=None)),
            "укажите организацию, проводящую курсы; укажите объём курсов в часах",
        ),
        "internship_mentor_not_a_mentor": (
            lambda: hr(
                plan_service.add_item,
                version,
                plan_service.ItemData(**{**internship(reserve).__dict__, "mentor_id": reserve.user("member")}),
            ),
            "выберите наставника (пользователя с ролью «Наставник»)",
        ),
        "confirm_empty_plan": (lambda: hr(plan_service.confirm_plan, version), "В плане ещё нет ни одного пункта."),
        "member_drafts": (
            lambda: member(plan_service.add_item, version, course()),
            "Проект плана составляет специалист по кадрам; резервист подтверждает его.",
        ),
        "confirm_twice": (
            lambda: hr(plan_service.confirm_plan, version),
            "Вы уже подтвердили эту редакцию плана; ждём подтверждения другой стороны.",
        ),
        "stale_confirm": (lambda: member(plan_service.confirm_plan, version - 1), "уже изменил другой пользователь"),
        "accept_by_member": (
            lambda: member(plan_service.accept_item, course_id),
            "может выполнить только: специалист по кадрам",
        ),
        "return_without_reason": (lambda: hr(plan_service.return_item, course_id, "  "), "нужно указать причину"),
        "review_by_hr": (
            lambda: hr(plan_service.review_item, internship_id, "Хорошо"),
            "Отзыв о стажировке пишет её наставник.",
        ),
        "upload_before_agreement": (
            lambda: member(
                plan_service.upload_evidence, item_ids(runtime, m)[0], "certificate", io.BytesIO(PDF), "a.pdf"
            ),
            "Документы по плану принимаются после его согласования",
        ),
        "upload_a_fake_pdf": (
            lambda: member(plan_service.upload_evidence, internship_id, "report", io.BytesIO(b"<html>"), "report.pdf"),
            "по содержимому это не PDF, JPEG, PNG или DOCX",
        ),
        "change_after_ready": (
            lambda: hr(plan_service.add_item, version, course(), "ещё курсы"),
            "План выполнен, резервист готов к назначению: изменения в план больше не вносятся.",
        ),
        "appoint_without_order": (
            lambda: hr(reserve_service.fire, "appoint", None, version),
            "нет подписанного приказа о назначении этого члена резерва",
        ),
        "extend_by_member": (
            lambda: member(reserve_service.extend_term, version, "1", None, None),
            "Срок пребывания в резерве продлевает специалист по кадрам",
        ),
    }
    action, expected = actions[case]
    errors = (plan_service.PlanRefused, reserve_service.ReserveRefused, TransitionDenied, ConcurrentChange)
    with pytest.raises(errors) as refused:
        action()
    message = refused.value.message("ru") if hasattr(refused.value, "message") else str(refused.value)
    assert expected in message
    assert snapshot(runtime) == before
