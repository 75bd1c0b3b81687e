"""Registration of an applicant, the profile, the consent at registration, and creating
the one application per contest, through the HTTP client."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from reserve_flow.contest.models.applicants import ApplicantProfile
from reserve_flow.contest.models.contests import Application
from reserve_flow.core.notifications.dispatch import render
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.people.models import User
from reserve_flow.privacy.models import ConsentRecord
from reserve_flow.privacy.texts import PROCESSING_VERSION as CONSENT_TEXT_VERSION
from tests.fixtures.applicant import PROFILE, apply, fill_profile, page_token
from tests.helpers import NOW, PASSWORD, AuthActions

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
    assert response.headers["Location"].endswith("/login")
    with runtime.sessions() as s:
        user = s.scalar(select(User).where(User.email == "novikova@example.ru"))
        assert user.full_name == "Новикова Дарья Алексеевна"
        assert user.roles == {"applicant"}
        assert s.get(ApplicantProfile, user.id) is not None
        consents = list(s.scalars(select(ConsentRecord).where(ConsentRecord.user_id == user.id)))
        assert [(c.text_version, c.given_at, c.application_id) for c in consents] == [(CONSENT_TEXT_VERSION, NOW, None)]
    # Signed in with the address and password given, the profile page asks for what is missing.
    assert AuthActions(client).login("novikova@example.ru").status_code == 302
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


def _flashes(response) -> list[str]:
    return re.findall(r'<div class="flash [^"]*" role="alert">(.*?)</div>', response.get_data(as_text=True))


def _signup_letters(runtime) -> list[int]:
    """Recipients of the letters about a registration with a taken address."""
    with runtime.sessions() as s:
        query = select(OutboxMessage).where(OutboxMessage.template == "people.signup_attempt")
        return [m.recipient_id for m in s.scalars(query.order_by(OutboxMessage.id))]


def test_a_taken_email_gets_the_same_answer_as_a_new_one_and_its_owner_a_letter(client, runtime, district):
    users = _count(runtime, User)
    taken = _register(client, email="APPLICANT@example.ru", full_name="Кто-то Другой")
    taken_says = _flashes(client.get(taken.headers["Location"]))
    new = _register(client)
    new_says = _flashes(client.get(new.headers["Location"]))
    assert (taken.status_code, taken.headers["Location"]) == (new.status_code, new.headers["Location"])
    assert taken.headers["Location"].endswith("/login")
    assert taken_says == new_says and "Заявка на регистрацию принята" in taken_says[0]
    assert _count(runtime, User) == users + 1  # the new address only
    with runtime.sessions() as s:
        owner = s.get(User, district.users["applicant"])
        assert owner.full_name == "Заявителева Елена Андреевна"  # the existing account is untouched
        assert s.scalar(select(func.count()).select_from(ConsentRecord).where(ConsentRecord.user_id == owner.id)) == 0
    assert _signup_letters(runtime) == [district.users["applicant"]]
    with runtime.sessions() as s:
        message = s.scalars(select(OutboxMessage).where(OutboxMessage.template == "people.signup_attempt")).one()
        letter = render(message, s.get(User, district.users["applicant"]), "http://x")
    assert "пытались зарегистрироваться" in letter.text and "applicant@example.ru" in letter.text


def test_registration_with_a_weak_password_or_a_mismatch_is_refused(client, runtime, district):
    users = _count(runtime, User)
    for email in ("new@example.ru", "applicant@example.ru"):  # refused alike for a taken address
        response = _register(client, email=email, password="short pass", password2="short pass")
        assert response.status_code == 400
        assert "Пароль должен быть не короче 12 символов" in response.get_data(as_text=True)
        response = _register(client, email=email, password="Password1234", password2="Password1234")
        assert response.status_code == 400
        assert "Этот пароль слишком распространён" in response.get_data(as_text=True)
    response = _register(client, password2="something else")
    assert "Пароли не совпадают" in response.get_data(as_text=True)
    assert _count(runtime, User) == users
    assert _count(runtime, ConsentRecord) == 0
    assert _signup_letters(runtime) == []


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
