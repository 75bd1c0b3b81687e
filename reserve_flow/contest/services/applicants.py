"""Applicants: registration (with the consents, privacy/services/consents.py), the
profile, the contests open to them and the creation of their application (one per
contest), which the processing consent given once stands for.

Each function that writes is its own unit of work (it commits, or joins the caller's
unit of work); a refusal raises ApplicantError with a Russian message and leaves nothing
written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reserve_flow.contest.models.applicants import EDUCATION_LEVELS, ApplicantProfile
from reserve_flow.contest.models.contests import Application, Contest
from reserve_flow.core.audit.chain import append_event
from reserve_flow.core.db import unit_of_work
from reserve_flow.core.errors import Refused
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.people import passwords
from reserve_flow.people.models import User
from reserve_flow.people.services.users import (
    UserError,
    create_user,
    hash_password,
    tell_owner_of_signup_attempt,
    user_by_email,
)
from reserve_flow.privacy.models import PROCESSING, SCOPES, ConsentRecord
from reserve_flow.privacy.services import consents

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime

# States in which the applicant may still change what they submit.
EDITABLE_STATES = ("draft", "returned")
MIN_AGE = 18
NO_CONSENT = (
    "Вы отозвали согласие на обработку персональных данных: подать заявление нельзя. "
    "Дать согласие снова можно на странице «Мои согласия»."
)
ALREADY_APPLIED = "Заявление на этот конкурс у вас уже есть: на один конкурс подаётся одно заявление."


class ApplicantError(Refused):
    """The applicant's request is refused; str() is the Russian reason."""


def register(
    runtime: Runtime, session: Session, *, email: str, password: str, full_name: str, disseminate: bool = False
) -> User | None:
    """Create an applicant account with an empty profile and record the processing consent
    given at registration (the one every application rests on) and, if the person chose
    it, the separate consent to publishing their name on the public pages; committed.
    An address that already has an account gets no second one: its owner is mailed instead
    and None returned, after the same checks and the same password hashing, so that neither
    the answer nor its time tells the two apart.
    Raises UserError or WeakPassword (people) on a bad address, name or password."""
    min_length = runtime.settings["app"]["password_min_length"]
    with unit_of_work(session):
        existing = user_by_email(session, email)
        if existing is not None:
            passwords.check(password, min_length)
            if not full_name.strip():
                raise UserError("Укажите фамилию, имя и отчество")
            hash_password(password)  # the work a new account costs
            tell_owner_of_signup_attempt(session, existing, runtime.now())
            return None
        user = create_user(
            session,
            email=email,
            full_name=full_name,
            password=password,
            roles=["applicant"],
            password_min_length=min_length,
        )
        session.add(ApplicantProfile(user_id=user.id, updated_at=runtime.now()))
        consents.give_processing(runtime, session, user)
        if disseminate:
            consents.set_dissemination(runtime, session, user, SCOPES)
        return user


def profile_of(session: Session, user: User) -> ApplicantProfile:
    """The user's profile; an empty one is made (and committed) for applicants created
    elsewhere (the CLI)."""
    profile = session.get(ApplicantProfile, user.id)
    if profile is None:
        with unit_of_work(session):
            profile = ApplicantProfile(user_id=user.id, user=user)
            session.add(profile)
            session.flush()
    return profile


def profile_for_reading(session: Session, user: User) -> ApplicantProfile:
    """The user's profile, or a blank one that is not saved (for others' eyes: reading
    someone's file must not write to it)."""
    profile = session.get(ApplicantProfile, user.id)
    if profile is None:
        profile = ApplicantProfile(
            user_id=user.id, user=user, phone="", education_level="", education="", employer_name=""
        )
    return profile


@dataclass
class ProfileData:
    full_name: str
    birth_date: date | None
    phone: str
    education_level: str
    education: str
    organization_id: int | None
    employer_name: str
    position: str
    teaching_years: int | None
    management_years: int | None


def update_profile(runtime: Runtime, session: Session, user: User, data: ProfileData) -> ApplicantProfile:
    """Save the profile (and the name, organization and position kept on User), committed."""
    with unit_of_work(session):
        today = runtime.now().astimezone(runtime.tz).date()
        if data.birth_date is not None:
            born = data.birth_date
            age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
            if born >= today or age < MIN_AGE or age > 100:
                raise ApplicantError("Проверьте дату рождения.")
        if data.education_level and data.education_level not in EDUCATION_LEVELS:
            raise ApplicantError("Выберите уровень образования из списка.")
        if data.organization_id is not None and session.get(Organization, data.organization_id) is None:
            raise ApplicantError("Выберите организацию из списка.")
        if not data.full_name.strip():
            raise ApplicantError("Укажите фамилию, имя и отчество.")
        if data.full_name.strip() != user.full_name:
            record_name_change(runtime, session, user, user.full_name, data.full_name.strip(), actor=user)
        for years in (data.teaching_years, data.management_years):
            if years is not None and not 0 <= years <= 70:
                raise ApplicantError("Стаж указывается в полных годах, от 0 до 70.")
        profile = profile_of(session, user)
        user.full_name = data.full_name.strip()
        user.position = data.position.strip()
        user.organization_id = data.organization_id
        profile.birth_date = data.birth_date
        profile.phone = data.phone.strip()
        profile.education_level = data.education_level
        profile.education = data.education.strip()
        profile.employer_name = "" if data.organization_id is not None else data.employer_name.strip()
        profile.teaching_years = data.teaching_years
        profile.management_years = data.management_years
        profile.updated_at = runtime.now()
        session.flush()
        return profile


def record_name_change(runtime: Runtime, session: Session, person: User, old: str, new: str, *, actor: User) -> None:
    """A change of a person's name is an audited event on the person (their path shows
    it to HR). Official records keep the name of their act (full_name_at_act)."""
    append_event(
        session,
        kind="full_name_changed",
        actor=actor,
        subject_type=consents.PERSON_SUBJECT,
        subject_id=person.id,
        now=runtime.now(),
        personal={"old": old, "new": new},  # names: erasable beside the chain
    )


def _mark_consent(application: Application, record: ConsentRecord) -> None:
    application.consent_given_at = record.given_at
    application.consent_text_version = record.text_version


def record_consent(runtime: Runtime, session: Session, user: User, application: Application) -> ConsentRecord:
    """The processing consent for an application of someone who has none in force (an
    account made by the CLI, a consent withdrawn and given again): recorded once for the
    person and marked on the application. Refused once the application is past editing."""
    with unit_of_work(session):
        if application.state not in EDITABLE_STATES:
            raise ApplicantError("Согласие даётся до подачи заявления.")
        record = consents.give_processing(runtime, session, user)
        _mark_consent(application, record)
        session.flush()
        return record


def accepting_contests(runtime: Runtime, session: Session) -> list[Contest]:
    """Contests taking applications today, the soonest to close first."""
    today = runtime.now().astimezone(runtime.tz).date()
    contests = session.scalars(select(Contest).where(Contest.state == "accepting").order_by(Contest.accept_to))
    return [c for c in contests if c.is_accepting(today)]


def applications_of(session: Session, user: User) -> list[Application]:
    return list(
        session.scalars(
            select(Application).where(Application.applicant_id == user.id).order_by(Application.id.desc())
        ).unique()
    )


def create_application(runtime: Runtime, session: Session, user: User, contest_id: int) -> Application:
    """A draft application of `user` to the contest, and commit. Refused when the contest
    does not accept applications, the profile is incomplete, or one already exists."""
    try:
        with unit_of_work(session):
            if not user.has_role("applicant"):
                raise ApplicantError("Подать заявление может только зарегистрированный заявитель.")
            contest = session.get(Contest, contest_id)
            today = runtime.now().astimezone(runtime.tz).date()
            if contest is None or not contest.is_accepting(today):
                raise ApplicantError("Приём заявлений на этот конкурс закрыт.")
            consent = consents.active(session, user.id, PROCESSING)
            if consent is None and consents.processing_withdrawn_at(session, user.id) is not None:
                raise ApplicantError(NO_CONSENT)
            missing = profile_of(session, user).missing_fields()
            if missing:
                raise ApplicantError(f"Заполните профиль, прежде чем подавать заявление: {', '.join(missing)}.")
            existing = session.scalar(
                select(Application.id).where(Application.contest_id == contest.id, Application.applicant_id == user.id)
            )
            if existing is not None:
                raise ApplicantError(ALREADY_APPLIED)
            application = Application(contest_id=contest.id, applicant_id=user.id, created_at=runtime.now())
            if consent is not None:  # given once, at registration: it stands for this application
                _mark_consent(application, consent)
            session.add(application)
            session.flush()
    except IntegrityError:  # a second tab created it meanwhile (the whole step was rolled back)
        raise ApplicantError(ALREADY_APPLIED) from None
    return application


@dataclass(frozen=True)
class Requirement:
    """One eligibility requirement of a contest and, given a profile, whether it is met
    (None: the secretary has to judge from the documents)."""

    code: str
    label: str
    value: str = ""
    met: bool | None = None


def _years(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} года"  # "не менее 1 года", "не менее 21 года"
    return f"{n} лет"


# Education levels ordered, and the word that names each in a contest's requirement.
_EDUCATION_RANK = {"secondary_vocational": 1, "higher": 2}
_EDUCATION_WORDS = (("высш", 2), ("средн", 1))


def _education_met(required: str, level: str) -> bool | None:
    """A hint for the secretary: whether the level meets the requirement's wording;
    None when either is unclear (the diploma decides)."""
    wanted = next((rank for word, rank in _EDUCATION_WORDS if word in required.lower()), None)
    have = _EDUCATION_RANK.get(level)
    return None if wanted is None or have is None else have >= wanted


def requirements(contest: Contest, profile: ApplicantProfile | None = None) -> list[Requirement]:
    """The contest's eligibility requirements, compared with the profile when given.
    The refusal form cites one of these."""
    found = [
        Requirement(
            "education",
            f"Образование: {contest.required_education}",
            value="; ".join(
                part
                for part in (EDUCATION_LEVELS.get(profile.education_level, "уровень не указан"), profile.education)
                if part
            )
            if profile
            else "",
            met=_education_met(contest.required_education, profile.education_level) if profile else None,
        )
    ]
    for code, minimum, label, attribute in (
        ("teaching_years", contest.min_teaching_years, "Стаж педагогической работы", "teaching_years"),
        ("management_years", contest.min_management_years, "Стаж руководящей работы", "management_years"),
    ):
        if minimum > 0:
            years = getattr(profile, attribute) if profile else None
            found.append(
                Requirement(
                    code,
                    f"{label} не менее {_years(minimum)}",
                    value="не указан" if years is None else f"{years} (полных лет)",
                    met=None if years is None else years >= minimum,
                )
            )
    found.append(Requirement("documents", "Документы не соответствуют требованиям объявления о конкурсе"))
    return found
