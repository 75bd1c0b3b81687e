"""Registration of an applicant, the profile, the consent at registration, and creating
the one application per contest, through the HTTP client."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from reserve_flow.contest.models.applicants import ApplicantProfile
from reserve_flow.contest.models.contests import Application
from reserve_flow.people.models import User
from reserve_flow.privacy.models import ConsentRecord
from reserve_flow.privacy.texts import PROCESSING_VERSION as CONSENT_TEXT_VERSION
from tests.fixtures.applicant import PROFILE, apply, fill_profile, page_token
from tests.helpers import NOW, PASSWORD

NEW = {
    "full_name": "Новикова Дарья Алексеевна",
    "email": "Novikova@Example.ru ",
    "password": PASSWORD,
    "password2": PASSWORD,
    "consent": "y",
}


def _register(client, **changes):
    data = {**NEW, **changes, "csrf_token": page_token(client, "/register")}
    return client.post("/register", data={k: v for k, v in data.items() if v is not None})


def _count(runtime, model) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_registration_makes_an_applicant_with_a_recorded_consent(client, runtime, district):
    assert "Согласие на обработку персональных данных" in client.get("/register").get_data(as_text=True)
    response = _register(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/applicant/profile")
    with runtime.sessions() as s:
        user = s.scalar(select(User).where(User.email == "novikova@example.ru"))
        assert user.full_name == "Новикова Дарья Алексеевна"
        assert user.roles == {"applicant"}
        assert s.get(ApplicantProfile, user.id) is not None
        consents = list(s.scalars(select(ConsentRecord).where(ConsentRecord.user_id == user.id)))
        assert [(c.text_version, c.given_at, c.application_id) for c in consents] == [(CONSENT_TEXT_VERSION, NOW, None)]
    # Logged in right away: the profile page asks for what is missing.
    html = client.get("/applicant/profile").get_data(as_text=True)
    assert "Для подачи заявления заполните: дата рождения, телефон, образование" in html
    consents_page = client.get("/my/consents").get_data(as_text=True)
    assert f"Действует с 25.11.2026 10:00 (редакция {CONSENT_TEXT_VERSION})" in consents_page


def test_registration_without_consent_is_refused(client, runtime, district):
    users = _count(runtime, User)
    response = _register(client, consent=None)
    assert response.status_code == 400
    assert "Без согласия на обработку персональных данных регистрация невозможна" in response.get_data(as_text=True)
    assert _count(runtime, User) == users
    assert _count(runtime, ConsentRecord) == 0


def test_registration_with_a_taken_email_or_bad_password_is_refused(client, runtime, district):
    users = _count(runtime, User)
    response = _register(client, email="APPLICANT@example.ru")
    assert response.status_code == 400
    assert "Пользователь с адресом applicant@example.ru уже есть" in response.get_data(as_text=True)
    response = _register(client, password="short", password2="short")
    assert "Пароль должен быть не короче 8 символов" in response.get_data(as_text=True)
    response = _register(client, password2="something else")
    assert "Пароли не совпадают" in response.get_data(as_text=True)
    assert _count(runtime, User) == users
    assert _count(runtime, ConsentRecord) == 0


def test_profile_is_saved_and_shown(auth, client, runtime, district):
    auth.login("applicant2@example.ru")
    response = fill_profile(client)
    assert response.status_code == 303
    html = client.get("/applicant/profile").get_data(as_text=True)
    assert "Профиль сохранён." in html and "Профиль заполнен." in html
    with runtime.sessions() as s:
        profile = s.get(ApplicantProfile, district.users["applicant2"])
        assert (profile.birth_date.isoformat(), profile.phone, profile.education_level) == (
            "1984-03-12",
            "+7 924 555-12-34",
            "higher",
        )
        assert (profile.teaching_years, profile.management_years) == (15, 4)
        assert profile.employer == "МБОУ «Кичерская СОШ»"
        assert profile.user.position == "Заместитель директора по УВР"
    # A district organization chosen from the list replaces the free-text employer.
    fill_profile(client, organization_id=str(district.organizations[0]), employer_name="")
    with runtime.sessions() as s:
        assert s.get(ApplicantProfile, district.users["applicant2"]).employer == "МБОУ «Нижнеангарская СОШ № 1»"


def test_bad_profile_values_are_refused_in_russian_and_change_nothing(auth, client, runtime, district):
    auth.login("applicant2@example.ru")
    fill_profile(client)
    for changes, message in (
        ({"birth_date": (NOW + timedelta(days=30)).date().isoformat()}, "Проверьте дату рождения."),
        ({"birth_date": "12.03.1984x"}, "Неверное значение даты"),
        ({"teaching_years": "пятнадцать"}, "Неверное целое число"),
        ({"management_years": "90"}, "Стаж — от 0 до 70 лет"),
        ({"full_name": "  "}, "Укажите фамилию, имя и отчество"),
    ):
        response = fill_profile(client, **changes)
        assert response.status_code == 400, changes
        assert message in response.get_data(as_text=True), changes
    with runtime.sessions() as s:
        profile = s.get(ApplicantProfile, district.users["applicant2"])
        assert (profile.birth_date.isoformat(), profile.teaching_years, profile.management_years) == (
            "1984-03-12",
            15,
            4,
        )
        assert profile.user.full_name == PROFILE["full_name"]


def test_applicant_pages_need_the_applicant_role(auth, client, district):
    assert client.get("/applicant/").status_code == 302  # to the login page
    auth.login("secretary@example.ru")
    for url in ("/applicant/", "/applicant/profile", f"/applicant/applications/{district.application_id}"):
        assert client.get(url).status_code == 403


def test_one_application_per_contest_and_only_with_a_complete_profile(auth, client, runtime, district):
    auth.login("applicant2@example.ru")
    html = client.get("/applicant/").get_data(as_text=True)
    assert "Конкурс на включение в резерв руководителей ОО, 2026" in html  # open for applications
    response = apply(client, district.contest_id)
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Заполните профиль, прежде чем подавать заявление: дата рождения, телефон" in html
    assert _count(runtime, Application) == 1  # only the fixture's draft

    fill_profile(client)
    response = apply(client, district.contest_id)
    assert response.status_code == 303 and "/applicant/applications/" in response.headers["Location"]
    assert "Черновик" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _count(runtime, Application) == 2

    # A second one to the same contest is refused; the contest leaves the open list.
    response = apply(client, district.contest_id)
    assert "на один конкурс подаётся одно заявление" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _count(runtime, Application) == 2
    assert "Сейчас нет конкурсов, на которые вы ещё не подали заявление." in client.get("/applicant/").get_data(
        as_text=True
    )


def test_no_application_to_a_closed_contest(auth, client, runtime, district):
    auth.login("applicant2@example.ru")
    fill_profile(client)
    token = page_token(client, "/applicant/")
    runtime.engine.clock = lambda: NOW + timedelta(days=30)  # after 15.12.2026
    assert "Сейчас нет конкурсов" in client.get("/applicant/").get_data(as_text=True)
    response = client.post(f"/applicant/contests/{district.contest_id}/apply", data={"csrf_token": token})
    assert "Приём заявлений на этот конкурс закрыт." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _count(runtime, Application) == 1
