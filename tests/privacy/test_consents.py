"""Consent as the law reads it: the processing consent is built from the district's
settings with everything 152-FZ art. 9 part 4 lists, asked once at registration (it
stands for every application and for the paper consent), kept with its exact text and
hash, and shown in «Мои согласия»; the dissemination consent is separate and optional."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from reserve_flow.config import _SCHEMA
from reserve_flow.contest.models.contests import Application, ContestDocumentKind
from reserve_flow.people.models import User
from reserve_flow.privacy.models import DISSEMINATION, PROCESSING, ConsentRecord
from tests.fixtures.applicant import apply, fill_profile, page_token
from tests.helpers import NOW, PASSWORD, AuthActions

OPERATOR = _SCHEMA["privacy"]["operator_name"][1]
ADDRESS = _SCHEMA["privacy"]["operator_address"][1]


def _register(client, **extra):
    data = {
        "full_name": "Новикова Дарья Алексеевна",
        "email": "novikova@example.ru",
        "password": PASSWORD,
        "password2": PASSWORD,
        "consent": "y",
        **extra,
        "csrf_token": page_token(client, "/register"),
    }
    response = client.post("/register", data=data)
    # Registration answers the same for a new and a taken address and signs nobody in.
    AuthActions(client).login(data["email"])
    return response


def _records(runtime, email: str) -> list[ConsentRecord]:
    with runtime.sessions() as s:
        user = s.scalar(select(User).where(User.email == email))
        return list(s.scalars(select(ConsentRecord).where(ConsentRecord.user_id == user.id).order_by(ConsentRecord.id)))


def test_the_processing_consent_names_the_operator_the_data_and_how_to_withdraw(client, runtime, district):
    page = client.get("/register").get_data(as_text=True)
    for words in (
        OPERATOR,
        ADDRESS,
        "фотография",
        "паспортные данные",
        "судимости",
        "оценки конкурсной комиссии",
        "Срок действия согласия",
        "может быть отозвано",
        "Согласие на распространение",
    ):
        assert words in page, words
    assert _register(client).status_code == 303
    [record] = _records(runtime, "novikova@example.ru")  # dissemination was not ticked: not given
    assert (record.kind, record.given_at, record.revoked_at) == (PROCESSING, NOW, None)
    assert OPERATOR in record.text and "сведения об образовании" in record.text
    assert record.text_hash == hashlib.sha256(record.text.encode("utf-8")).hexdigest()
    mine = client.get("/my/consents").get_data(as_text=True)
    assert "Действует с 25.11.2026 10:00" in mine and record.text_hash in mine


def test_registration_may_give_the_dissemination_consent_separately(client, runtime, district):
    assert _register(client, disseminate="y").status_code == 303
    processing, dissemination = _records(runtime, "novikova@example.ru")
    assert (processing.kind, dissemination.kind) == (PROCESSING, DISSEMINATION)
    assert dissemination.scope_set == {"reserve_list", "contest_results", "appointments"}
    assert "статьёй 10.1" in dissemination.text and "/public/reserve" in dissemination.text


def test_the_consent_is_asked_once_and_stands_for_the_application_and_the_paper_consent(client, runtime, district):
    with runtime.transaction() as s:  # the contest asks for the paper consent too
        s.add(ContestDocumentKind(contest_id=district.contest_id, code="consent", title="Согласие", position=4))
    assert _register(client).status_code == 303
    assert fill_profile(client, full_name="Новикова Дарья Алексеевна").status_code == 303
    response = apply(client, district.contest_id)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "оно заменяет бумажное согласие" in page
    assert "не требуется: согласие дано в личном кабинете" in page  # the paper consent's slot
    assert 'name="agree"' not in page  # not asked again
    assert "дайте согласие" not in page
    assert "загрузите обязательные документы: Заявление, Паспорт\n" in page  # not the paper consent
    with runtime.sessions() as s:
        application = s.scalars(select(Application).join(User).where(User.email == "novikova@example.ru")).one()
        assert application.consent_given_at == NOW
        kinds = {k.code: k for k in application.contest.document_kinds}
        assert not application.requires(kinds["consent"]) and application.requires(kinds["passport"])
    assert len(_records(runtime, "novikova@example.ru")) == 1


def test_the_privacy_policy_is_public_and_linked_from_every_page(client, runtime, district):
    policy = client.get("/privacy")
    assert policy.status_code == 200
    html = policy.get_data(as_text=True)
    assert OPERATOR in html and "3 года после конкурса" in html and "50 лет" in html and "30 дней" in html
    for url in ("/public/", "/public/reserve", "/register"):
        assert 'href="/privacy"' in client.get(url).get_data(as_text=True), url
