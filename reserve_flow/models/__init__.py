"""All ORM classes, imported here so that metadata (and Alembic) sees every table."""

from reserve_flow.models.appointments import (
    CANDIDATE_STATUSES,
    PERSONNEL_REGISTER,
    VACANCY_REASONS,
    AppointmentOrder,
    AttestationSession,
    OrderCounter,
    OrderTemplate,
    Vacancy,
    VacancyCandidate,
)
from reserve_flow.models.applicants import EDUCATION_LEVELS, ApplicantProfile, ConsentRecord
from reserve_flow.models.audit import AuditChainHead, AuditEvent
from reserve_flow.models.commission import MeetingAttendance, Recusal, Score, Vote, VoteResult
from reserve_flow.models.contests import (
    Application,
    CommissionSeat,
    Contest,
    ContestCriterion,
    ContestDocumentKind,
)
from reserve_flow.models.deadlines import Deadline
from reserve_flow.models.documents import REVIEW_STATUSES, ApplicationDocument
from reserve_flow.models.monitoring import (
    MONITORING_LEVELS,
    MonitoringCriterion,
    MonitoringResult,
    MonitoringScore,
    MonitoringYear,
)
from reserve_flow.models.organizations import HEAD_POSITIONS, ORGANIZATION_KINDS, Organization
from reserve_flow.models.outbox import OutboxMessage
from reserve_flow.models.people import ROLES, LoginThrottle, User, UserRole
from reserve_flow.models.protocols import Protocol, ProtocolCounter
from reserve_flow.models.plan import EVIDENCE_KINDS, ITEM_KINDS, PlanEvidence, PlanItem, PlanVersion
from reserve_flow.models.programme import ProgrammeEvent, ProgrammeTarget, ReserveProgramme
from reserve_flow.models.reserve import (
    EXCLUSION_REASONS,
    ProfessionalDeficit,
    ReserveMembership,
    TermExtension,
)
from reserve_flow.models.scheduling import DeadlineNotice, SchedulerLease

__all__ = [
    "AppointmentOrder",
    "AttestationSession",
    "CANDIDATE_STATUSES",
    "OrderCounter",
    "OrderTemplate",
    "PERSONNEL_REGISTER",
    "VACANCY_REASONS",
    "Vacancy",
    "VacancyCandidate",
    "ApplicantProfile",
    "Application",
    "ApplicationDocument",
    "AuditChainHead",
    "AuditEvent",
    "CommissionSeat",
    "ConsentRecord",
    "Contest",
    "ContestCriterion",
    "ContestDocumentKind",
    "Deadline",
    "DeadlineNotice",
    "EDUCATION_LEVELS",
    "EVIDENCE_KINDS",
    "EXCLUSION_REASONS",
    "HEAD_POSITIONS",
    "ITEM_KINDS",
    "LoginThrottle",
    "MeetingAttendance",
    "MONITORING_LEVELS",
    "MonitoringCriterion",
    "MonitoringResult",
    "MonitoringScore",
    "MonitoringYear",
    "ORGANIZATION_KINDS",
    "Organization",
    "OutboxMessage",
    "PlanEvidence",
    "PlanItem",
    "PlanVersion",
    "ProfessionalDeficit",
    "ProgrammeEvent",
    "ProgrammeTarget",
    "Protocol",
    "ProtocolCounter",
    "REVIEW_STATUSES",
    "ROLES",
    "Recusal",
    "ReserveMembership",
    "ReserveProgramme",
    "Score",
    "SchedulerLease",
    "TermExtension",
    "User",
    "UserRole",
    "Vote",
    "VoteResult",
]
