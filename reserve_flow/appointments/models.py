"""Appointment of heads (roadmap items 10 and 12): vacancies, their shortlists,
attestation sessions and the numbered orders of the РУО.

A Vacancy is the subject of workflows/appointment.toml. Its candidates come from the
reserve (a ReserveMembership) or, with a written justification, from outside it
(item 10's "and/or"). One candidate at a time is selected and sent to attestation;
a failed attestation marks that candidate and returns the vacancy to its shortlist.
The order is drafted after a passed attestation, takes its number when the HR officer
numbers it (per year and register, from a counter row in the numbering transaction:
the protocol counter's pattern, so none is reused or skipped), and has effect only once
signed: by the head of the РУО (the `signatory` role) in the service, or by the HR
officer's upload of the signed paper scan. Only a signed order appoints the head.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from reserve_flow.core.db import Base, UTCDateTime
from reserve_flow.core.files.references import refers_to_files
from reserve_flow.core.workflow.subjects import register_owner_label, register_subject
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.people.models import User
from reserve_flow.reserve.models.membership import ACTIVE_STATES, ReserveMembership, role_holders

# Why the position is vacant (issue 6, item 3).
VACANCY_REASONS: dict[str, str] = {
    "retirement": "выход руководителя на пенсию",
    "resignation": "увольнение руководителя по собственному желанию",
    "contract_end": "истечение срока трудового договора руководителя",
    "new_organization": "создание новой образовательной организации",
}

# A candidate's standing on one vacancy's shortlist.
CANDIDATE_STATUSES: dict[str, str] = {
    "shortlisted": "в списке кандидатов",
    "selected": "выбран, направлен на аттестацию",
    "not_attested": "не прошёл аттестацию",
    "withdrawn": "исключён из списка",
    "appointed": "назначен",
}
# Vacancy states in which the vacancy still needs a head (for lists and reminders).
OPEN_STATES = ("open", "shortlisted", "attestation", "order_drafted", "order_numbered")
# The register of personnel orders ("№ 45-к"); one counter per year and register.
PERSONNEL_REGISTER = "к"
# What an order decides; only the appointment is wired now, the others (inclusion in and
# exclusion from the reserve, attestation results, extension) are to use the same rows.
ORDER_KINDS: dict[str, str] = {
    "appointment": "о назначении на должность руководителя",
}
# How an order came to be signed.
SIGNED_VIA: dict[str, str] = {
    "signatory": "подписан начальником РУО в системе",
    "scan": "загружен скан подписанного приказа",
}
# Contract term bounds for a head's fixed-term contract, in years (Labour Code art. 59, 275).
CONTRACT_YEARS = range(1, 6)
# The documents checked before hiring a head (DOMAIN.md 3.3), in the order the page lists them.
PRE_HIRE_ITEMS: dict[str, str] = {
    "income_declaration": (
        "Сведения о доходах, об имуществе и обязательствах имущественного характера "
        "кандидата, супруга и несовершеннолетних детей (ч. 4 ст. 275 ТК РФ)"
    ),
    "criminal_record": "Справка о наличии (отсутствии) судимости и (или) факта уголовного преследования",
    "medical": "Заключение предварительного медицинского осмотра",
    "application": "Заявление кандидата о назначении на должность",
}
# A head's probation: at most six months (Labour Code art. 70 part 5).
MAX_PROBATION_MONTHS = 6


# At most one vacancy in an open state per organization, held by the database too: the
# service's check alone would let two HR officers opening at the same moment both pass.
_ONE_OPEN = text("state IN (" + ", ".join(f"'{state}'" for state in OPEN_STATES) + ")")


@register_subject
class Vacancy(Base):
    __tablename__ = "vacancies"
    __workflow__ = "appointment"
    __table_args__ = (
        Index(
            "uq_vacancies_one_open_per_organization",
            "organization_id",
            unique=True,
            sqlite_where=_ONE_OPEN,
            postgresql_where=_ONE_OPEN,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    # The position as the order names it (HEAD_POSITIONS by the organization's kind, editable).
    position: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(String(30))  # VACANCY_REASONS
    reason_note: Mapped[str] = mapped_column(Text, default="")
    # When the new head should take office: HR is reminded before it.
    planned_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(40), default="open")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    organization: Mapped[Organization] = relationship(lazy="joined")
    candidates: Mapped[list[VacancyCandidate]] = relationship(back_populates="vacancy", order_by="VacancyCandidate.id")
    attestations: Mapped[list[AttestationSession]] = relationship(
        back_populates="vacancy", order_by="AttestationSession.id"
    )
    order: Mapped[AppointmentOrder | None] = relationship(back_populates="vacancy", uselist=False)
    contracts: Mapped[list[LabourContract]] = relationship(back_populates="vacancy", order_by="LabourContract.id")
    pre_hire: Mapped[list[PreHireDocument]] = relationship(back_populates="vacancy", order_by="PreHireDocument.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def reason_label(self) -> str:
        return VACANCY_REASONS.get(self.reason, self.reason)

    @property
    def selected(self) -> VacancyCandidate | None:
        """The candidate now in attestation or named by the order (at most one)."""
        return next((c for c in self.candidates if c.status in ("selected", "appointed")), None)

    @property
    def checklist(self) -> dict[str, PreHireDocument]:
        """The selected candidate's pre-hire documents recorded so far, by item."""
        selected = self.selected
        if selected is None:
            return {}
        return {d.item: d for d in self.pre_hire if d.candidate_id == selected.id}

    @property
    def contract(self) -> LabourContract | None:
        """The labour contract with the selected candidate, once the HR officer recorded it."""
        selected = self.selected
        if selected is None:
            return None
        return next((c for c in self.contracts if c.candidate_id == selected.id), None)

    # --- the workflow subject protocol ---

    @property
    def subject_label(self) -> str:
        return f"Вакансия № {self.id}: {self.position}, {self.organization.short_name}"

    def holds_role(self, user: User, role: str) -> bool:
        """hr: any HR officer (appointments are the district's); signatory: the head of
        the РУО, who signs the numbered order; owner: the selected candidate (told of
        each step, fires nothing); admin."""
        if role == "hr":
            return user.has_role("hr")
        if role == "admin":
            return user.has_role("admin")
        if role == "signatory":
            return user.has_role("signatory")
        if role == "owner":
            selected = self.selected
            return selected is not None and selected.user_id == user.id
        return False

    def recipients(self, role: str) -> list[User]:
        if role == "owner":
            selected = self.selected
            return [selected.user] if selected is not None else []
        if role in ("hr", "admin", "signatory"):
            return role_holders(object_session(self), role)
        return []

    def workflow_param(self, name: str) -> Any:
        return getattr(self, name)


class VacancyCandidate(Base):
    """A person on a vacancy's shortlist: a reserve member, or someone outside the
    reserve with the HR officer's written justification (a direct appointment)."""

    __tablename__ = "vacancy_candidates"
    __table_args__ = (UniqueConstraint("vacancy_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # None for a candidate from outside the reserve; then justification is required.
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("reserve_memberships.id"))
    justification: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="shortlisted")  # CANDIDATE_STATUSES
    # Why the status last changed (the failed attestation's conclusion, a withdrawal's reason).
    status_note: Mapped[str] = mapped_column(Text, default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    vacancy: Mapped[Vacancy] = relationship(back_populates="candidates")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    membership: Mapped[ReserveMembership | None] = relationship()

    @property
    def direct(self) -> bool:
        """Outside the reserve: appointed only with a justification."""
        return self.membership_id is None

    @property
    def left_reserve(self) -> bool:
        """A reserve member whose membership ended after they were listed (appointed
        elsewhere, excluded): no longer a candidate from the reserve, so not selectable."""
        return self.membership is not None and self.membership.state not in ACTIVE_STATES

    @property
    def status_label(self) -> str:
        return CANDIDATE_STATUSES.get(self.status, self.status)


class AttestationSession(Base):
    """A session of the attestation commission on the selected candidate (273-FZ art. 51):
    when, who sat, the result and the signed document (stored like uploads, by SHA-256)."""

    __tablename__ = "attestation_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("vacancy_candidates.id", ondelete="CASCADE"))
    held_on: Mapped[date] = mapped_column(Date)
    # The commission's members as the document lists them, one per line.
    commission_members: Mapped[str] = mapped_column(Text)
    attested: Mapped[bool]
    conclusion: Mapped[str] = mapped_column(Text, default="")
    document_key: Mapped[str] = mapped_column(String(500))  # relative to the uploads folder
    document_sha256: Mapped[str] = mapped_column(String(64))
    document_name: Mapped[str] = mapped_column(String(255))
    document_content_type: Mapped[str] = mapped_column(String(100))
    document_size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    vacancy: Mapped[Vacancy] = relationship(back_populates="attestations")
    candidate: Mapped[VacancyCandidate] = relationship()

    @property
    def members_list(self) -> list[str]:
        return [line.strip() for line in self.commission_members.splitlines() if line.strip()]

    @property
    def result_label(self) -> str:
        return "аттестован" if self.attested else "не аттестован"


class LabourContract(Base):
    """The labour contract with the selected candidate (Labour Code art. 275, the typical
    form of Government Resolution No. 329 of 12.04.2013), recorded by the HR officer
    before the order: the order is issued on its basis (art. 68) and cites it. One per
    vacancy and candidate; recording it again corrects it while no order is drafted."""

    __tablename__ = "labour_contracts"
    __table_args__ = (UniqueConstraint("vacancy_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("vacancy_candidates.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(50))
    signed_on: Mapped[date] = mapped_column(Date)
    # None: concluded for an indefinite term; otherwise a fixed term in years (CONTRACT_YEARS).
    term_years: Mapped[int | None]
    probation_months: Mapped[int] = mapped_column(default=0)
    start_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    vacancy: Mapped[Vacancy] = relationship(back_populates="contracts")

    @property
    def fixed_term(self) -> bool:
        return self.term_years is not None

    @property
    def basis(self) -> str:
        """ "трудовой договор от 20.01.2027 № 12" as the order's «Основание:» cites it."""
        return f"трудовой договор от {self.signed_on.strftime('%d.%m.%Y')} № {self.number}"


class PreHireDocument(Base):
    """One item of the pre-hire checklist for the selected candidate: its date and, where
    there is one, its file (stored like uploads, by SHA-256). Recording an item again
    replaces it (a fresh certificate)."""

    __tablename__ = "pre_hire_documents"
    __table_args__ = (UniqueConstraint("vacancy_id", "candidate_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("vacancy_candidates.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(String(30))  # PRE_HIRE_ITEMS
    dated_on: Mapped[date] = mapped_column(Date)
    file_key: Mapped[str] = mapped_column(String(500), default="")
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    file_name: Mapped[str] = mapped_column(String(255), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    vacancy: Mapped[Vacancy] = relationship(back_populates="pre_hire")

    @property
    def label(self) -> str:
        return PRE_HIRE_ITEMS.get(self.item, self.item)


class OrderCounter(Base):
    """The last number issued per year and register; bumped in the issuing transaction."""

    __tablename__ = "order_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    register: Mapped[str] = mapped_column(String(10), primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class OrderTemplate(Base):
    """A DOCX template for appointment orders uploaded by the administrator. The newest
    row is the one in use; a row with an empty storage key means the built-in template."""

    __tablename__ = "order_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(500), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    original_name: Mapped[str] = mapped_column(String(255), default="")
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    uploaded_by: Mapped[User] = relationship()

    @property
    def built_in(self) -> bool:
        return not self.storage_key


class AppointmentOrder(Base):
    """The order appointing a vacancy's selected candidate. Drafted without a number;
    numbering gives it the next number of its year and register, renders DOCX and PDF
    and stores them with their hashes; signing (signed_at) gives it effect. (year,
    register, number) is unique."""

    __tablename__ = "appointment_orders"
    __table_args__ = (UniqueConstraint("year", "register", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id"), unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("vacancy_candidates.id"))
    start_on: Mapped[date] = mapped_column(Date)
    # None for a contract of indefinite term; copied from the labour contract when drafted.
    contract_years: Mapped[int | None]
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("labour_contracts.id"))
    # The grounds the order cites: the contest protocol or the justification, the attestation.
    grounds: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(30), default="appointment")  # ORDER_KINDS
    register: Mapped[str] = mapped_column(String(10), default=PERSONNEL_REGISTER)
    year: Mapped[int | None]
    number: Mapped[int | None]
    issued_on: Mapped[date | None] = mapped_column(Date)
    # The appointee's name as the issued order records it (a later change of name
    # leaves the order and the public page of appointments as issued).
    full_name_at_act: Mapped[str | None] = mapped_column(String(200))
    docx_path: Mapped[str] = mapped_column(String(500), default="")
    docx_sha256: Mapped[str] = mapped_column(String(64), default="")
    pdf_path: Mapped[str] = mapped_column(String(500), default="")
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    template_id: Mapped[int | None] = mapped_column(ForeignKey("order_templates.id"))
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    drafted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # The signature: who signed and when, and how (SIGNED_VIA); a scan is stored by hash.
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_via: Mapped[str] = mapped_column(String(20), default="")
    scan_key: Mapped[str] = mapped_column(String(500), default="")
    scan_sha256: Mapped[str] = mapped_column(String(64), default="")
    scan_name: Mapped[str] = mapped_column(String(255), default="")

    vacancy: Mapped[Vacancy] = relationship(back_populates="order")
    candidate: Mapped[VacancyCandidate] = relationship()
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    contract: Mapped[LabourContract | None] = relationship()

    @property
    def issued(self) -> bool:
        """Numbered: the number and the files exist (it may still await its signature)."""
        return self.number is not None

    @property
    def signed(self) -> bool:
        """Signed, so in effect: only now is the head appointed and the order public."""
        return self.signed_at is not None

    @property
    def signed_via_label(self) -> str:
        return SIGNED_VIA.get(self.signed_via, self.signed_via)

    @property
    def number_label(self) -> str:
        """ "45-к", or "—" for a draft."""
        return f"{self.number}-{self.register}" if self.number is not None else "—"

    @property
    def title(self) -> str:
        if self.number is None or self.issued_on is None:
            return "Проект приказа (без номера)"
        return f"Приказ № {self.number_label} от {self.issued_on.strftime('%d.%m.%Y')}"


register_owner_label("appointment", full="Выбранный кандидат (владелец дела)", short="кандидат")


refers_to_files(
    AttestationSession.document_key,
    OrderTemplate.storage_key,
    AppointmentOrder.docx_path,
    AppointmentOrder.pdf_path,
    AppointmentOrder.scan_key,
    PreHireDocument.file_key,
)
