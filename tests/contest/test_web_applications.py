"""The application case pages through the HTTP client: lists, object checks, actions,
reasons, conflicts, CSRF and personal-file access logging."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from reserve_flow.contest.models.contests import Application
from reserve_flow.contest.services.applications import DeadlineStatus
from reserve_flow.contest.views.applications import deadline_text
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.people.services.users import create_user
from tests.core.test_engine import fire as fire_engine
from tests.helpers import NOW, PASSWORD, _csrf_token


def _page(client, application_id):
    return client.get(f"/applications/{application_id}")


def _version(html: str) -> str:
    match = re.search(r'name="version"(?: type="hidden")? value="(\d+)"', html)
    assert match, "no version field on the page"
    return match.group(1)


def _fire(client, application_id, trigger, *, reason=None, version=None, token=True):
    """Post an action the way the case page's form does (token and version taken from the page
    unless given)."""
    html = _page(client, application_id).get_data(as_text=True)
    if version is None and 'name="version"' not in html:  # the secretary decides on the check page
        html = client.get(f"/check/{application_id}").get_data(as_text=True)
    data = {"version": version if version is not None else _version(html)}
    if token:
        data["csrf_token"] = _csrf_token(html)
    if reason is not None:
        data["reason"] = reason
    return client.post(f"/applications/{application_id}/fire/{trigger}", data=data)


def _state_and_events(runtime, application_id):
    with runtime.sessions() as s:
        state = s.get(Application, application_id).state
        transitions = s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.subject_type == "application",
                AuditEvent.subject_id == application_id,
                AuditEvent.kind == "transition",
            )
        )
        return state, transitions


def _views(runtime, application_id):
    with runtime.sessions() as s:
        return list(
            s.execute(
                select(AuditEvent.actor_id).where(
                    AuditEvent.kind == "personal_file_viewed",
                    AuditEvent.subject_type == "application",
                    AuditEvent.subject_id == application_id,
                )
            ).scalars()
        )


def _submit_as_applicant(auth, client, district):
    auth.login("applicant@example.ru")
    response = _fire(client, district.application_id, "submit")
    assert response.status_code == 303
    auth.logout()


def test_login_required(client, district):
    for url in ("/applications/", f"/applications/{district.application_id}"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_csrf_is_enforced_under_testing(app):
    assert app.config["TESTING"] is True
    assert app.config.get("WTF_CSRF_ENABLED", True) is True


def test_applicant_submits_and_sees_state_and_deadline(auth, client, district, runtime):
    auth.login("applicant@example.ru")
    page = _page(client, district.application_id)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Черновик" in html
    assert "Подать заявление" in html
    assert "Заявление" in html and "passport.pdf" in html and "1000 Б" in html  # the documents list

    response = _fire(client, district.application_id, "submit")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/applications/{district.application_id}")

    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Подано, на проверке документов" in html
    # Submitted on Wednesday 25.11.2026: 5 working days to check (Thu 26 .. Wed 02.12.2026);
    # today is already under way and does not count, so all 5 are left.
    assert "осталось 5 рабочих дней" in html
    assert "02.12.2026" in html
    assert ">Подать заявление</button>" not in html  # no longer available
    # History: time in Irkutsk time, actor, action, from -> to.
    assert "25.11.2026 10:00" in html
    assert "Заявителева Елена Андреевна" in html
    assert "Черновик → Подано, на проверке документов" in html

    listing = client.get("/applications/").get_data(as_text=True)
    assert "Подано, на проверке документов" in listing
    assert "осталось 5 рабочих дней" in listing
    assert _state_and_events(runtime, district.application_id) == ("submitted", 1)


def test_secretary_returns_with_reason_and_applicant_sees_it(auth, client, district, runtime):
    _submit_as_applicant(auth, client, district)
    auth.login("secretary@example.ru")
    reason = "Скан паспорта нечитаем, загрузите заново."
    response = _return_on_the_check_page(client, runtime, district.application_id, reason)
    assert response.status_code == 303
    assert _state_and_events(runtime, district.application_id) == ("returned", 2)
    auth.logout()

    auth.login("applicant@example.ru")
    html = _page(client, district.application_id).get_data(as_text=True)
    assert "Возвращено на доработку" in html
    assert reason in html
    assert "Вернуть на доработку" in html  # the action's label in the history
    # fix_period_days = 3: Thu 26, Fri 27, Mon 30 November.
    assert "осталось 3 рабочих дня" in html
    assert "Подать исправленное заявление" in html


def _return_on_the_check_page(client, runtime, application_id, reason):
    """The secretary returns the application with `reason` against its passport, on the check page."""
    with runtime.sessions() as s:
        passport = next(d.id for d in s.get(Application, application_id).documents if d.kind_code == "passport")
    html = client.get(f"/check/{application_id}").get_data(as_text=True)
    data = {"csrf_token": _csrf_token(html), "version": _version(html), f"reason_{passport}": reason}
    return client.post(f"/check/{application_id}/return", data=data)


def test_the_check_decisions_are_refused_on_the_generic_route_and_change_nothing(auth, client, district, runtime):
    _submit_as_applicant(auth, client, district)
    auth.login("secretary@example.ru")
    case_page = _page(client, district.application_id).get_data(as_text=True)
    for label in ("Допустить к конкурсу", "Вернуть на доработку", "Отказать в допуске"):
        assert f">{label}</button>" not in case_page  # not offered as generic buttons either
    before = _state_and_events(runtime, district.application_id)
    for trigger in ("admit", "return_for_fix", "refuse"):
        response = _fire(client, district.application_id, trigger, reason="Не соответствует требованиям")
        assert response.status_code == 400, trigger
        assert "выполняется только на своей странице" in response.get_data(as_text=True), trigger
        assert _state_and_events(runtime, district.application_id) == before == ("submitted", 1)


def test_guard_failure_shows_the_unmet_condition(auth, client, district, runtime):
    with runtime.transaction() as s:
        application = s.get(Application, district.application_id)
        application.documents = [d for d in application.documents if d.kind_code != "passport"]
    auth.login("applicant@example.ru")
    response = _fire(client, district.application_id, "submit")
    assert response.status_code == 400
    assert "не загружены обязательные документы: Паспорт" in response.get_data(as_text=True)
    assert _state_and_events(runtime, district.application_id) == ("draft", 0)


def test_other_applicant_gets_404_and_changes_nothing(auth, client, district, runtime):
    auth.login("applicant@example.ru")
    version = _version(_page(client, district.application_id).get_data(as_text=True))
    auth.logout()

    auth.login("applicant2@example.ru")
    assert _page(client, district.application_id).status_code == 404
    assert client.get("/applications/999999").status_code == 404
    token = _csrf_token(client.get("/").get_data(as_text=True))
    for trigger in ("withdraw", "submit"):
        response = client.post(
            f"/applications/{district.application_id}/fire/{trigger}", data={"csrf_token": token, "version": version}
        )
        assert response.status_code == 404
    assert "Заявителева" not in client.get("/applications/").get_data(as_text=True)
    assert _state_and_events(runtime, district.application_id) == ("draft", 0)
    assert _views(runtime, district.application_id) == []


def test_member_not_on_the_commission_gets_404(auth, client, district, runtime):
    with runtime.transaction() as s:
        create_user(
            s,
            email="outsider@example.ru",
            full_name="Посторонний Олег Олегович",
            password=PASSWORD,
            roles=["member", "secretary"],
        )
    auth.login("outsider@example.ru")
    assert _page(client, district.application_id).status_code == 404
    listing = client.get("/applications/")
    assert listing.status_code == 200
    assert "Заявителева" not in listing.get_data(as_text=True)
    token = _csrf_token(client.get("/").get_data(as_text=True))
    response = client.post(
        f"/applications/{district.application_id}/fire/admit", data={"csrf_token": token, "version": "1"}
    )
    assert response.status_code == 404


def test_commission_does_not_see_a_draft(auth, client, district):
    for email in ("secretary@example.ru", "member@example.ru", "chair@example.ru"):
        auth.login(email)
        assert _page(client, district.application_id).status_code == 404
        assert "Заявителева Елена Андреевна" not in client.get("/applications/").get_data(as_text=True)
        auth.logout()


def test_commission_member_and_admin_see_the_case(auth, client, district, runtime):
    fire_engine(runtime, district, "applicant", "submit")
    for email in ("member@example.ru", "chair@example.ru", "admin@example.ru"):
        auth.login(email)
        assert _page(client, district.application_id).status_code == 200
        assert "Заявителева Елена Андреевна" in client.get("/applications/").get_data(as_text=True)
        auth.logout()


def test_hr_officer_sees_no_application(auth, client, district):
    auth.login("hr@example.ru")
    assert _page(client, district.application_id).status_code == 404


def test_post_without_csrf_token_is_refused(auth, client, district, runtime):
    auth.login("applicant@example.ru")
    response = _fire(client, district.application_id, "submit", token=False)
    assert response.status_code == 400
    assert "Форма устарела" in response.get_data(as_text=True)
    assert _state_and_events(runtime, district.application_id) == ("draft", 0)


def test_stale_form_is_refused_as_a_conflict(auth, client, district, runtime):
    auth.login("applicant@example.ru")
    old_html = _page(client, district.application_id).get_data(as_text=True)
    old_version = _version(old_html)
    assert _fire(client, district.application_id, "submit").status_code == 303
    # The draft page was still open in another tab: its "submit" form carries the old version.
    response = client.post(
        f"/applications/{district.application_id}/fire/submit",
        data={"csrf_token": _csrf_token(old_html), "version": old_version},
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "уже изменил другой пользователь" in html
    assert "Подано, на проверке документов" in html  # the page shows the current state
    assert _state_and_events(runtime, district.application_id) == ("submitted", 1)


def test_missing_version_is_a_bad_request(auth, client, district, runtime):
    auth.login("applicant@example.ru")
    token = _csrf_token(_page(client, district.application_id).get_data(as_text=True))
    response = client.post(f"/applications/{district.application_id}/fire/submit", data={"csrf_token": token})
    assert response.status_code == 400
    assert _state_and_events(runtime, district.application_id) == ("draft", 0)


def test_secretary_view_is_logged_and_owner_view_is_not(auth, client, district, runtime):
    fire_engine(runtime, district, "applicant", "submit")
    auth.login("applicant@example.ru")
    assert _page(client, district.application_id).status_code == 200
    assert _views(runtime, district.application_id) == []
    auth.logout()

    auth.login("secretary@example.ru")
    assert _page(client, district.application_id).status_code == 200
    assert _views(runtime, district.application_id) == [district.users["secretary"]]
    # The list is not a personal file; only the case page is.
    client.get("/applications/")
    assert len(_views(runtime, district.application_id)) == 1


@pytest.mark.parametrize(
    ("email", "shown", "hidden"),
    [
        # Withdrawal asks for a confirmation on the applicant's own page: not a button here.
        ("applicant@example.ru", ["Подать заявление"], ["Допустить к конкурсу", "Отозвать заявление"]),
    ],
)
def test_action_buttons_match_the_role_on_a_draft(auth, client, district, email, shown, hidden):
    auth.login(email)
    html = _page(client, district.application_id).get_data(as_text=True)
    for text in shown:
        assert f">{text}</button>" in html
    for text in hidden:
        assert text not in html


def test_secretary_is_sent_to_the_check_page_for_decisions(auth, client, district):
    _submit_as_applicant(auth, client, district)
    auth.login("secretary@example.ru")
    html = _page(client, district.application_id).get_data(as_text=True)
    for label in ("Допустить к конкурсу", "Вернуть на доработку", "Отказать в допуске", "Подать заявление"):
        assert f">{label}</button>" not in html
    assert f'href="/check/{district.application_id}"' in html
    check = client.get(f"/check/{district.application_id}").get_data(as_text=True)
    assert "Допустить к конкурсу" in check and "Вернуть на доработку" in check


def test_applicant_cannot_fire_a_secretary_action(auth, client, district, runtime):
    _submit_as_applicant(auth, client, district)
    auth.login("applicant@example.ru")
    with runtime.sessions() as s:
        version = s.get(Application, district.application_id).version
    response = _fire(client, district.application_id, "admit", version=version)
    assert response.status_code == 400
    assert "выполняется только на своей странице" in response.get_data(as_text=True)
    assert _state_and_events(runtime, district.application_id) == ("submitted", 1)


def test_unknown_trigger_is_refused(auth, client, district, runtime):
    auth.login("applicant@example.ru")
    response = _fire(client, district.application_id, "explode")
    assert response.status_code == 400
    assert "не предусмотрено" in response.get_data(as_text=True)
    assert _state_and_events(runtime, district.application_id) == ("draft", 0)


def test_expired_deadline_is_shown_as_such(auth, client, district, runtime):
    _submit_as_applicant(auth, client, district)
    runtime.engine.clock = lambda: NOW + timedelta(days=30)
    auth.login("secretary@example.ru")
    assert "срок истёк" in client.get("/applications/").get_data(as_text=True)
    assert "срок истёк" in _page(client, district.application_id).get_data(as_text=True)


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (1, "остался 1 рабочий день"),
        (2, "осталось 2 рабочих дня"),
        (5, "осталось 5 рабочих дней"),
        (11, "осталось 11 рабочих дней"),
        (21, "остался 21 рабочий день"),
        (0, "последний день"),
    ],
)
def test_deadline_text_russian_plurals(days, text):
    status = DeadlineStatus(deadline=None, days_left=days, last_day=date(2026, 12, 2), expired=False)  # type: ignore[arg-type]
    assert deadline_text(status) == text
    assert (
        deadline_text(
            DeadlineStatus(
                deadline=None,
                days_left=0,
                last_day=date(2026, 12, 2),  # type: ignore[arg-type]
                expired=True,
            )
        )
        == "срок истёк"
    )
