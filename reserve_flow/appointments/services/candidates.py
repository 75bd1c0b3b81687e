"""What the HR officer weighs when choosing a head for a vacancy (issue 6, item 4): per
reserve member or shortlisted candidate, the contest score and rank, the development
plan's progress, experience, the current post, the reserve standing and the
effectiveness monitoring of any organization the person led.

Read-only; the pages that show these facts check who may see them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.appointments.models import VacancyCandidate
from reserve_flow.contest.models.applicants import ApplicantProfile
from reserve_flow.contest.services.ranking import ranking
from reserve_flow.organizations.models.monitoring import MonitoringResult, MonitoringYear
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.organizations.services.monitoring import is_flagged
from reserve_flow.people.models import User
from reserve_flow.reserve import plan_rules
from reserve_flow.reserve.models.membership import ReserveMembership

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime


@dataclass(frozen=True)
class ContestStanding:
    total: float | None  # the weighted total of contest/services/ranking.py; None: not scored
    rank: int | None  # place among the contest's scored applications; equal totals share it
    ranked: int  # how many applications of the contest were scored


@dataclass(frozen=True)
class MonitoringEntry:
    year: int
    organization: str  # short name
    head_name: str  # as the monitoring file named the head
    total_percent: float
    level_label: str
    flagged: bool  # under 50 %: the anti-crisis programme
    by_registry: bool  # matched because the registry names the person as the organization's head


@dataclass
class CandidateFacts:
    user: User
    membership: ReserveMembership | None
    contest_title: str
    standing: ContestStanding | None  # None for someone outside the reserve
    plan: plan_rules.Progress | None
    teaching_years: int | None
    management_years: int | None
    position: str
    organization: str
    reserve_state: str  # the membership's state code; "" outside the reserve
    reserve_state_label: str
    term_end: date | None
    monitoring: list[MonitoringEntry] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return self.reserve_state == "ready"

    @property
    def flagged_years(self) -> list[int]:
        return [m.year for m in self.monitoring if m.flagged]


class _Standings:
    """Contest rankings computed once per contest for a batch of people."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_contest: dict[int, tuple[dict[int, tuple[float | None, int | None]], int]] = {}

    def of(self, membership: ReserveMembership) -> ContestStanding:
        if membership.contest_id not in self.by_contest:
            rows = ranking(self.session, membership.contest)
            places: dict[int, tuple[float | None, int | None]] = {}
            scored = [r for r in rows if r.total is not None]
            for position, row in enumerate(scored, start=1):
                previous = scored[position - 2] if position > 1 else None
                same = previous is not None and previous.total == row.total
                places[row.application.id] = (row.total, places[previous.application.id][1] if same else position)
            for row in rows:
                places.setdefault(row.application.id, (None, None))
            self.by_contest[membership.contest_id] = (places, len(scored))
        places, ranked = self.by_contest[membership.contest_id]
        total, rank = places.get(membership.application_id, (None, None))
        return ContestStanding(total, rank, ranked)


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


class _Monitoring:
    """Every monitoring result, loaded once for a batch of people and indexed by the
    registry's head and by the head's name as the monitoring file gave it."""

    def __init__(self, session: Session) -> None:
        self.by_head: dict[int, list[tuple[int, MonitoringResult, Organization]]] = {}
        self.by_name: dict[str, list[tuple[int, MonitoringResult, Organization]]] = {}
        rows = session.execute(
            select(MonitoringYear.year, MonitoringResult, Organization)
            .join(MonitoringResult, MonitoringResult.year_id == MonitoringYear.id)
            .join(Organization, Organization.id == MonitoringResult.organization_id)
        )
        for year, result, organization in rows:
            row = (year, result, organization)
            # The registry's link counts only for years the same head was monitored: a
            # newly appointed head does not inherit the predecessor's results.
            if (
                organization.head_user_id is not None
                and organization.head_name.strip()
                and _name_key(result.head_name) == _name_key(organization.head_name)
            ):
                self.by_head.setdefault(organization.head_user_id, []).append(row)
            self.by_name.setdefault(_name_key(result.head_name), []).append(row)

    def history(self, person: User) -> list[MonitoringEntry]:
        """The monitoring results of the organizations the person led, oldest first.

        The rule: a MonitoringResult counts when the result's head_name, as the
        monitoring file gave it, equals the person's full name (spaces and letter case
        ignored), or when the registry links this user as its organization's head
        (Organization.head_user_id) and the result names the head as the registry writes
        them (head_name, "Ковалёв И. С." say). Years under a predecessor never count."""
        found = {r.id: (year, r, o) for year, r, o in self.by_head.get(person.id, [])}
        found.update({r.id: (year, r, o) for year, r, o in self.by_name.get(_name_key(person.full_name), [])})
        rows = sorted(found.values(), key=lambda row: (row[0], row[2].short_name))
        return [
            MonitoringEntry(
                year=year,
                organization=organization.short_name,
                head_name=result.head_name,
                total_percent=result.total_percent,
                level_label=result.level_label,
                flagged=is_flagged(result.total_percent),
                by_registry=organization.head_user_id == person.id,
            )
            for year, result, organization in rows
        ]


class _Batch:
    def __init__(self, session: Session) -> None:
        self.standings = _Standings(session)
        self.monitoring = _Monitoring(session)


def _facts(
    runtime: Runtime, session: Session, batch: _Batch, person: User, membership: ReserveMembership | None
) -> CandidateFacts:
    profile = session.get(ApplicantProfile, person.id)
    organization = (
        person.organization.short_name
        if person.organization is not None
        else (profile.employer_name if profile is not None else "")
    )
    states = runtime.workflows.definitions["reserve"].states
    return CandidateFacts(
        user=person,
        membership=membership,
        contest_title=membership.contest.title if membership is not None else "",
        standing=batch.standings.of(membership) if membership is not None else None,
        plan=plan_rules.progress(membership) if membership is not None else None,
        teaching_years=profile.teaching_years if profile is not None else None,
        management_years=profile.management_years if profile is not None else None,
        position=person.position,
        organization=organization,
        reserve_state=membership.state if membership is not None else "",
        reserve_state_label=states[membership.state].label_ru if membership is not None else "",
        term_end=membership.term_end if membership is not None else None,
        monitoring=batch.monitoring.history(person),
    )


def for_members(runtime: Runtime, session: Session, memberships: Iterable[ReserveMembership]) -> list[CandidateFacts]:
    """Facts per reserve member, in the given order (vacancies.eligible_members
    puts ready members first)."""
    batch = _Batch(session)
    return [_facts(runtime, session, batch, m.user, m) for m in memberships]


def for_candidates(
    runtime: Runtime, session: Session, candidates: Iterable[VacancyCandidate]
) -> dict[int, CandidateFacts]:
    """Facts per shortlisted candidate (by candidate id); a direct candidate has no
    contest, plan or reserve standing."""
    batch = _Batch(session)
    return {c.id: _facts(runtime, session, batch, c.user, c.membership) for c in candidates}
