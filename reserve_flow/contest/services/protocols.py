"""The commission meeting's protocol (issue 3, item 5): gathered from the contest's
attendance, recusals, scores, votes and decisions, numbered per year, rendered as
DOCX and PDF, stored under the uploads folder with each file's SHA-256, and audited
("protocol_generated"). Downloads check the stored hash first."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.contest import commission_rules as rules
from reserve_flow.contest.models.commission import MeetingAttendance, Recusal, Vote
from reserve_flow.contest.models.contests import Application, Contest
from reserve_flow.contest.models.protocols import Protocol, ProtocolCounter
from reserve_flow.contest.protocol_document import (
    ApplicationLine,
    Attendee,
    ProtocolContent,
    RecusalLine,
    render_docx,
    render_pdf,
)
from reserve_flow.contest.services.commission import (
    ROLE_LABELS,
    CommissionNotFound,
    CommissionRefused,
    get_contest,
    ordered_seats,
)
from reserve_flow.contest.services.ranking import ranking
from reserve_flow.core.audit.chain import append_event, chain_head
from reserve_flow.core.counters import take_next
from reserve_flow.core.db import unit_of_work
from reserve_flow.core.files import generated
from reserve_flow.core.i18n import MESSAGES
from reserve_flow.people.models import User
from reserve_flow.reserve.models.membership import ReserveMembership

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime

FOLDER = "protocols"  # under the uploads folder

MESSAGES.update(
    {
        "commission.protocol_secretary_only": {
            "ru": "Протокол заседания формирует секретарь комиссии.",
            "en": "The commission's secretary generates the meeting's protocol.",
        },
        "commission.protocol_nothing_decided": {
            "ru": "Протокол формируется после того, как по заявлениям подведены итоги голосования.",
            "en": "The protocol is generated once votes have been closed.",
        },
        "commission.protocol_vote_open": {
            "ru": "Идёт голосование ({applications}): закройте его, прежде чем формировать протокол.",
            "en": "A vote is open ({applications}): close it before generating the protocol.",
        },
        "commission.protocol_file_damaged": {
            "ru": "Файл протокола повреждён или изменён: его контрольная сумма не совпадает с сохранённой.",
            "en": "The protocol file is damaged or altered: its checksum does not match the stored one.",
        },
    }
)


def _score(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _names(session: Session, ids: list[int]) -> dict[int, str]:
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all()) if ids else {}


def build_content(runtime: Runtime, session: Session, contest: Contest, number: int) -> ProtocolContent:
    """Everything the protocol says, read from the database as it is now."""
    today = runtime.now().astimezone(runtime.tz).date()
    marks = list(session.scalars(select(MeetingAttendance).where(MeetingAttendance.contest_id == contest.id)))
    present = {m.member_id for m in marks if m.present}
    meeting_date = max((m.marked_at for m in marks), default=runtime.now()).astimezone(runtime.tz).date()
    attendees = [
        Attendee(user.full_name, ROLE_LABELS[role], user.id in present) for user, role in ordered_seats(contest)
    ]

    rows = ranking(session, contest)
    application_ids = [r.application.id for r in rows]
    votes = list(session.scalars(select(Vote).where(Vote.application_id.in_(application_ids)))) if rows else []
    names = _names(session, sorted({v.member_id for v in votes}))
    decisions = {"include": "включить в резерв", "not_include": "не включать в резерв"}
    lines = []
    for row in rows:
        mine = [v for v in votes if v.application_id == row.application.id]
        result = row.result
        why = ""
        if result is not None:
            tally = rules.tally(session, row.application)
            why = tally.decide(result.casting_vote).why
        lines.append(
            ApplicationLine(
                applicant=row.application.recorded_name,
                means=[_score(m) for m in row.means],
                total=_score(row.total),
                votes_for=[names[v.member_id] for v in mine if v.include],
                votes_against=[names[v.member_id] for v in mine if not v.include],
                casting_vote={True: "за", False: "против", None: ""}[result.casting_vote] if result else "",
                decision=decisions[result.decision] if result else "решение не принято",
                why=why or "голосование не проводилось",
            )
        )

    recusals = session.execute(
        select(Recusal, Application)
        .join(Application, Application.id == Recusal.application_id)
        .where(Application.contest_id == contest.id)
        .order_by(Recusal.declared_at, Recusal.id)
    ).all()
    memberships = {
        m.application_id: m
        for m in session.scalars(select(ReserveMembership).where(ReserveMembership.contest_id == contest.id))
    }
    included = [
        (r.application.recorded_name, memberships[r.application.id].term_end)
        for r in rows
        if r.result is not None and r.result.decision == "include" and r.application.id in memberships
    ]
    not_included = [
        r.application.recorded_name for r in rows if r.result is not None and r.result.decision == "not_include"
    ]
    return ProtocolContent(
        number=number,
        issued_on=today,
        meeting_date=meeting_date,
        contest_title=contest.title,
        commission_size=len(contest.seats),
        quorum=contest.quorum(),
        attendees=attendees,
        criteria=[(c.name, c.max_score, c.weight) for c in contest.criteria],
        applications=lines,
        recusals=[RecusalLine(r.member.full_name, a.recorded_name, r.comment) for r, a in recusals],
        included=included,
        not_included=not_included,
        chair=contest.chair.full_name if contest.chair else "",
        secretary=contest.secretary.full_name if contest.secretary else "",
        audit_head=chain_head(session).line,
    )


def _check_ready(session: Session, contest: Contest) -> None:
    states = dict(
        session.execute(select(Application.id, Application.state).where(Application.contest_id == contest.id)).all()
    )
    voting = [f"№ {i}" for i, s in sorted(states.items()) if s == "voting"]
    if voting:
        raise CommissionRefused("protocol_vote_open", applications=", ".join(voting))
    if not any(s in ("included", "not_included") for s in states.values()):
        raise CommissionRefused("protocol_nothing_decided")


def generate(runtime: Runtime, session: Session, user: User, contest_id: int) -> Protocol:
    """The secretary generates the protocol: a new number of the current year, both
    files written and hashed, the row and the audit event committed together. Refused
    while a vote is open or before any decision; files of a failed attempt are removed."""
    uploads = runtime.settings.uploads_folder
    written: list[Path] = []
    try:
        with unit_of_work(session):
            contest = get_contest(session, user, contest_id)
            if not contest.holds_role(user, "secretary"):
                raise CommissionRefused("protocol_secretary_only")
            _check_ready(session, contest)
            now = runtime.now()
            year = now.astimezone(runtime.tz).year
            number = take_next(session, ProtocolCounter, year=year)
            content = build_content(runtime, session, contest, number)
            stem = f"{FOLDER}/{year}/protocol-{year}-{number:04d}"
            docx_sha = generated.write(uploads, f"{stem}.docx", render_docx(content))
            written.append(uploads / f"{stem}.docx")
            pdf_sha = generated.write(uploads, f"{stem}.pdf", render_pdf(content))
            written.append(uploads / f"{stem}.pdf")
            protocol = Protocol(
                contest_id=contest.id,
                year=year,
                number=number,
                issued_on=content.issued_on,
                docx_path=f"{stem}.docx",
                docx_sha256=docx_sha,
                pdf_path=f"{stem}.pdf",
                pdf_sha256=pdf_sha,
                created_at=now,
                created_by_id=user.id,
            )
            session.add(protocol)
            session.flush()
            append_event(
                session,
                kind="protocol_generated",
                actor=user,
                subject_type="contest",
                subject_id=contest.id,
                now=now,
                data={
                    "protocol_id": protocol.id,
                    "year": year,
                    "number": number,
                    "docx_sha256": docx_sha,
                    "pdf_sha256": pdf_sha,
                },
            )
            return protocol
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def contest_protocols(session: Session, contest: Contest) -> list[Protocol]:
    return list(
        session.scalars(
            select(Protocol).where(Protocol.contest_id == contest.id).order_by(Protocol.year, Protocol.number)
        )
    )


def open_file(runtime: Runtime, session: Session, user: User, protocol_id: int, kind: str) -> generated.GeneratedFile:
    """A protocol file for anyone on the contest's commission, after checking its SHA-256.
    CommissionNotFound for an unknown protocol or kind, or a user off the commission."""
    protocol = session.get(Protocol, protocol_id)
    if protocol is None or kind not in generated.KINDS:
        raise CommissionNotFound(protocol_id)
    get_contest(session, user, protocol.contest_id)
    relative, expected = (
        (protocol.docx_path, protocol.docx_sha256) if kind == "docx" else (protocol.pdf_path, protocol.pdf_sha256)
    )
    path = generated.intact(runtime.settings.uploads_folder, relative, expected)
    if path is None:
        raise CommissionRefused("protocol_file_damaged")
    name = f"Протокол № {protocol.number} от {protocol.issued_on.strftime('%d.%m.%Y')}.{kind}"
    return generated.GeneratedFile(path=path, download_name=name, mimetype=generated.KINDS[kind])
