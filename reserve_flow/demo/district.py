"""Demo data: a district of the Severo-Baikalsky area, one user per role, a contest
accepting applications, applications in several states and reserve members
(demo/reserve.py) in several more (`reserve-flow demo`).

The settlements are real; the addresses, people and e-mails are invented. The contest
and every application are moved only by the workflow engine, with the actor who would
really act, so the audit chain, the deadlines and the outbox are those of real use.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from reserve_flow.contest.commission_rules import voters
from reserve_flow.contest.models.applicants import ApplicantProfile
from reserve_flow.contest.models.commission import MeetingAttendance, Score
from reserve_flow.contest.models.contests import (
    ONLINE_CONSENT_KIND,
    Application,
    CommissionSeat,
    Contest,
    ContestCriterion,
    ContestDocumentKind,
)
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.contest.services.contests import STANDARD_DOCUMENT_KINDS
from reserve_flow.demo.appointments import seed_appointments
from reserve_flow.demo.monitoring import seed_demo_monitoring
from reserve_flow.demo.reserve import seed_reserve, vote_to_include
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.people.models import ROLES, User
from reserve_flow.people.services.users import create_user
from reserve_flow.privacy.models import PROCESSING, SCOPES
from reserve_flow.privacy.services import consents
from reserve_flow.reserve.services.membership import include
from reserve_flow.runtime import Runtime

DEMO_DOMAIN = "demo.reserve-flow.ru"
# One password for every demo account, printed by `reserve-flow demo`. Demo only.
DEMO_PASSWORD = "reserve-demo-2026"
DEMO_ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
# The included applicant who gave no consent to dissemination: the public pages show the
# entry without the name. Everyone else included allowed all public pages.
NOT_PUBLISHED_KEY = "applicant7"

_AREA = "Республика Бурятия, Северо-Байкальский район"

# kind, full name, short name, address (within the district), head
ORGANIZATIONS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "school",
        "МБОУ «Нижнеангарская СОШ № 1»",
        "Нижнеангарская СОШ № 1",
        "пгт Нижнеангарск, ул. Победы, 41",
        "Пантелеев Андрей Николаевич",
    ),
    (
        "school",
        "МБОУ «Нижнеангарская СОШ № 2»",
        "Нижнеангарская СОШ № 2",
        "пгт Нижнеангарск, ул. Рабочая, 12",
        "Широкова Людмила Анатольевна",
    ),
    (
        "school",
        "МБОУ «Новоуоянская СОШ»",
        "Новоуоянская СОШ",
        "пгт Новый Уоян, ул. Подбельского, 7",
        "Ершов Виктор Павлович",
    ),
    ("school", "МБОУ «Кичерская СОШ»", "Кичерская СОШ", "с. Кичера, ул. Школьная, 2", "Аюшеева Дарима Цыреновна"),
    ("school", "МБОУ «Ангоянская СОШ»", "Ангоянская СОШ", "пос. Ангоя, ул. Мира, 5", "Родионова Светлана Михайловна"),
    ("school", "МБОУ «Уоянская СОШ»", "Уоянская СОШ", "с. Уоян, ул. Школьная, 1", "Юмов Баир Доржиевич"),
    (
        "school",
        "МБОУ «Куморская СОШ»",
        "Куморская СОШ",
        "с. Кумора, ул. Центральная, 18",
        "Голубева Татьяна Алексеевна",
    ),
    (
        "school",
        "МБОУ «Верхнезаимская СОШ»",
        "Верхнезаимская СОШ",
        "с. Верхняя Заимка, ул. Школьная, 9",
        "Ковалёв Игорь Семёнович",
    ),
    (
        "school",
        "МБОУ «Холоднинская СОШ»",
        "Холоднинская СОШ",
        "с. Холодное, ул. Трактовая, 3",
        "Намсараева Ольга Бадмаевна",
    ),
    (
        "kindergarten",
        "МБДОУ детский сад «Северяночка»",
        "д/с «Северяночка»",
        "пгт Нижнеангарск, ул. Козлова, 20",
        "Морозова Елена Викторовна",
    ),
    (
        "kindergarten",
        "МБДОУ детский сад «Солнышко»",
        "д/с «Солнышко»",
        "пгт Новый Уоян, ул. Ленина, 14",
        "Данилова Марина Сергеевна",
    ),
    (
        "kindergarten",
        "МБДОУ детский сад «Брусничка»",
        "д/с «Брусничка»",
        "с. Кичера, ул. Лесная, 6",
        "Очирова Валентина Жаргаловна",
    ),
    (
        "additional",
        "МБУ ДО «Северо-Байкальский Дом детского творчества»",
        "ДДТ",
        "пгт Нижнеангарск, ул. Ленина, 43",
        "Зайцева Надежда Петровна",
    ),
)

# key (the e-mail's local part), full name, roles, position, organization short name.
_STAFF: tuple[tuple[str, str, tuple[str, ...], str, str | None], ...] = (
    ("admin", "Ткаченко Сергей Викторович", ("admin",), "Ведущий специалист РУО по информатизации", None),
    ("secretary", "Бадмаева Оксана Владимировна", ("secretary",), "Главный специалист РУО", None),
    ("chair", "Лукьянова Галина Петровна", ("chair", "member"), "Заместитель начальника РУО", None),
    ("member1", "Цыбикова Туяна Баировна", ("member",), "Методист РУО", None),
    ("member2", "Пантелеев Андрей Николаевич", ("member",), "Директор", "Нижнеангарская СОШ № 1"),
    ("hr", "Сафронова Елена Игоревна", ("hr",), "Специалист по кадрам РУО", None),
    ("signatory", "Дамбаев Виктор Цыренович", ("signatory",), "Начальник РУО", None),
    ("mentor", "Широкова Людмила Анатольевна", ("mentor",), "Директор", "Нижнеангарская СОШ № 2"),
)
# Applicants: key, full name, position, organization, the state their application is brought to.
_APPLICANTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("applicant1", "Доржиева Сэсэг Александровна", "Заместитель директора по УВР", "Новоуоянская СОШ", "draft"),
    ("applicant2", "Кузнецов Дмитрий Олегович", "Учитель истории и обществознания", "Кичерская СОШ", "submitted"),
    ("applicant3", "Мельникова Анастасия Юрьевна", "Старший воспитатель", "д/с «Северяночка»", "returned"),
    ("applicant4", "Хабитуев Баир Цыренович", "Заместитель директора по ВР", "Нижнеангарская СОШ № 2", "admitted"),
    ("applicant5", "Гончарова Ирина Васильевна", "Заместитель директора по УВР", "Уоянская СОШ", "voting"),
    # Included by the commission: their reserve states are in demo/reserve.py RESERVE_STATES.
    ("applicant6", "Батуева Туяна Владимировна", "Заместитель директора по УВР", "Кичерская СОШ", "included"),
    ("applicant7", "Соколов Алексей Игоревич", "Заместитель директора по ВР", "Ангоянская СОШ", "included"),
    ("applicant8", "Иванова Ольга Николаевна", "Старший воспитатель", "д/с «Солнышко»", "included"),
    ("applicant9", "Цыбенов Аюр Батоевич", "Заместитель директора по УВР", "Холоднинская СОШ", "included"),
    ("applicant10", "Павлова Марина Сергеевна", "Методист", "ДДТ", "included"),
    ("applicant11", "Николаев Сергей Петрович", "Заместитель директора по УВР", "Куморская СОШ", "included"),
)

# name, max score, weight: what the commission scores at the assessment.
CRITERIA: tuple[tuple[str, int, float], ...] = (
    ("Знание нормативной базы в сфере образования (тестирование)", 10, 1.0),
    ("Защита программы развития образовательной организации", 10, 2.0),
    ("Собеседование", 10, 1.0),
)

RETURN_REASON = "Справка об отсутствии судимости выдана более трёх месяцев назад; приложите действующую справку."

# The triggers, and who fires them, that bring a new application to each seeded state.
_PATHS: dict[str, tuple[tuple[str, str, str | None], ...]] = {
    "draft": (),
    "submitted": (("submit", "owner", None),),
    "returned": (("submit", "owner", None), ("return_for_fix", "secretary", RETURN_REASON)),
    "admitted": (("submit", "owner", None), ("admit", "secretary", None)),
    "voting": (
        ("submit", "owner", None),
        ("admit", "secretary", None),
        ("assess", "secretary", None),
        ("open_vote", "chair", None),
    ),
    "included": (
        ("submit", "owner", None),
        ("admit", "secretary", None),
        ("assess", "secretary", None),
        ("open_vote", "chair", None),
        ("include", "chair", None),
    ),
}


@dataclass(frozen=True)
class DemoAccount:
    key: str
    full_name: str
    email: str
    roles: tuple[str, ...]
    position: str
    organization: str | None  # short name of the organization they work at
    application_state: str | None = None  # for applicants: the state it was seeded in

    def role_label(self, language: str) -> str:
        """The main role (the first one), e.g. the chair, who also sits as a member."""
        return ROLES[self.roles[0]][language]


@dataclass(frozen=True)
class DemoSeed:
    created: bool  # False: the demo data was already there and nothing was written
    password: str
    accounts: tuple[DemoAccount, ...]


def demo_accounts() -> tuple[DemoAccount, ...]:
    """Every demo account, staff first; the same on every call."""
    staff = [
        DemoAccount(k, name, f"{k}@{DEMO_DOMAIN}", roles, position, org) for k, name, roles, position, org in _STAFF
    ]
    applicants = [
        DemoAccount(k, name, f"{k}@{DEMO_DOMAIN}", ("applicant",), position, org, state)
        for k, name, position, org, state in _APPLICANTS
    ]
    return tuple(staff + applicants)


def _profile(user: User, n: int) -> ApplicantProfile:
    """A filled-in applicant's profile; experience varies from one applicant to the next,
    so that the HR officer's comparison of candidates has something to compare."""
    return ApplicantProfile(
        user_id=user.id,
        birth_date=date(1975 + n % 15, 1 + n % 12, 1 + n % 27),
        phone=f"+7 924 000-{n:02d}-{n:02d}",
        education_level="higher",
        education="ФГБОУ ВО «Бурятский государственный университет», педагогическое образование",
        teaching_years=8 + (n * 7) % 17,
        management_years=(n * 5) % 9,
    )


def _document_bytes(applicant: str, code: str) -> bytes:
    return f"reserve-flow demo document\n{applicant}\n{code}\n".encode()


def _score_by_commission(session, contest: Contest, application: Application, now) -> None:
    """Every member of the commission scores every criterion (the commission's scores);
    the applications differ, so that the ranking and the HR officer's comparison do."""
    for offset, member in enumerate(voters(contest)):
        for position, criterion in enumerate(contest.criteria):
            value = criterion.max_score - 1 - offset - (application.applicant_id + position) % 4
            session.add(
                Score(
                    application_id=application.id,
                    member_id=member.id,
                    criterion_id=criterion.id,
                    value=max(0, value),
                    scored_at=now,
                )
            )
    session.flush()


def seed_demo(runtime: Runtime) -> DemoSeed:
    """Fill an empty, migrated database with the demo district (one transaction), then its reserve.

    Idempotent: when the demo administrator already exists nothing is written and the
    same credentials are returned. Applications are moved only by runtime.engine.fire;
    the reserve's steps follow through its services, one transaction each.
    """
    accounts = demo_accounts()
    with runtime.transaction() as session:
        if session.scalar(select(User.id).where(User.email == DEMO_ADMIN_EMAIL)) is not None:
            return DemoSeed(created=False, password=DEMO_PASSWORD, accounts=accounts)

        now = runtime.now()
        today = now.astimezone(runtime.tz).date()

        organizations = {}
        for kind, full_name, short_name, address, head in ORGANIZATIONS:
            org = Organization(
                kind=kind, full_name=full_name, short_name=short_name, address=f"{_AREA}, {address}", head_name=head
            )
            session.add(org)
            organizations[short_name] = org
        session.flush()

        users: dict[str, User] = {}
        for account in accounts:
            org = organizations.get(account.organization)
            users[account.key] = create_user(
                session,
                email=account.email,
                full_name=account.full_name,
                password=DEMO_PASSWORD,
                roles=account.roles,
                position=account.position,
                organization_id=org.id if org else None,
                password_min_length=runtime.settings["app"]["password_min_length"],
            )
            if account.application_state is not None:
                session.add(_profile(users[account.key], len(users)))
                # Registration asks for the processing consent once, and offers the separate
                # consent to publication.
                consents.give_processing(runtime, session, users[account.key])
                if account.application_state == "included" and account.key != NOT_PUBLISHED_KEY:
                    consents.set_dissemination(runtime, session, users[account.key], SCOPES)

        contest = Contest(
            title="Конкурс на включение в кадровый резерв руководителей образовательных "
            f"организаций Северо-Байкальского района, {today.year}",
            announcement=(
                "Районное управление образования приглашает педагогов и заместителей руководителей "
                "с высшим образованием и стажем педагогической работы не менее пяти лет принять "
                "участие в конкурсе на включение в кадровый резерв руководителей общеобразовательных, "
                "дошкольных организаций и организаций дополнительного образования района."
            ),
            contacts=f"Секретарь конкурсной комиссии: {users['secretary'].full_name}, {users['secretary'].email}",
            required_education="высшее образование",
            min_teaching_years=5,
            organization_kinds="school,kindergarten,additional",
            accept_from=today - timedelta(days=14),
            accept_to=today + timedelta(days=21),
            check_period_days=5,
            fix_period_days=5,
            vote_period_days=5,
            assessment_date=today + timedelta(days=28),
            chair_id=users["chair"].id,
            secretary_id=users["secretary"].id,
        )
        contest.seats = [CommissionSeat(user_id=users[k].id) for k in ("chair", "secretary", "member1", "member2")]
        contest.document_kinds = [
            ContestDocumentKind(code=code, title=title, mandatory=mandatory, position=position)
            for position, (code, title, mandatory) in enumerate(STANDARD_DOCUMENT_KINDS, start=1)
        ]
        contest.criteria = [
            ContestCriterion(name=name, max_score=max_score, weight=weight, position=position)
            for position, (name, max_score, weight) in enumerate(CRITERIA, start=1)
        ]
        session.add(contest)
        session.flush()
        runtime.engine.fire(contest, "announce", users["secretary"])
        runtime.engine.fire(contest, "open_acceptance", users["secretary"])

        # The whole commission is at the meeting, so the demo's open vote can be cast and closed.
        session.add_all(
            MeetingAttendance(
                contest_id=contest.id,
                member_id=seat.user_id,
                present=True,
                marked_at=now,
                marked_by_id=users["secretary"].id,
            )
            for seat in contest.seats
        )
        mandatory = [(code, title) for code, title, required in STANDARD_DOCUMENT_KINDS if required]
        for account in accounts:
            if account.application_state is None:
                continue
            state = account.application_state
            applicant = users[account.key]
            # A draft is half done: some documents uploaded. The consent given at
            # registration stands for every application, and for the paper consent.
            kinds = [k for k in (mandatory[:3] if state == "draft" else mandatory) if k[0] != ONLINE_CONSENT_KIND]
            consent = consents.active(session, applicant.id, PROCESSING)
            application = Application(
                contest=contest,
                applicant=applicant,
                consent_given_at=consent.given_at,
                consent_text_version=consent.text_version,
            )
            for code, title in kinds:
                content = _document_bytes(account.email, code)
                application.documents.append(
                    ApplicationDocument(
                        kind_code=code,
                        original_name=f"{title}.pdf",
                        content_type="application/pdf",
                        size=len(content),
                        sha256=hashlib.sha256(content).hexdigest(),
                        uploaded_at=now,
                    )
                )
            session.add(application)
            session.flush()
            actors = {"owner": applicant, "secretary": users["secretary"], "chair": users["chair"]}
            for trigger, role, reason in _PATHS[state]:
                if trigger == "assess":  # the engine completes an assessment only once a quorum has scored
                    _score_by_commission(session, contest, application, now)
                if trigger == "include":  # the engine includes only by a closed vote
                    vote_to_include(session, application, now)
                runtime.engine.fire(application, trigger, actors[role], reason=reason)
            if state == "included":
                include(runtime, session, application, users["chair"])
        for year in (today.year - 1, today.year):
            seed_demo_monitoring(
                session, list(organizations.values()), year, actor=users["admin"], now=now, newest=year == today.year
            )
    seed_reserve(runtime)
    seed_appointments(runtime)
    return DemoSeed(created=True, password=DEMO_PASSWORD, accounts=accounts)
