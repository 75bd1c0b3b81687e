"""The commission's work on admitted applications (issue 3, item 4): conflict-of-interest
declarations, scores, the meeting's attendance, votes, and the workflow steps assess,
open_vote and closing the vote (include / not_include, with the reserve membership).

Each action runs in one transaction and commits, or rolls back whole and raises:
CommissionRefused (a rule of this module, with a Russian message), TransitionDenied or
ConcurrentChange (from the engine), CommissionNotFound (the user may not see the object;
the two cases are not told apart). Counting rules live in reserve_flow.contest.commission_rules.
Recusals, scores and votes are audited under their own subject type, so that they stay
out of the applicant's case history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reserve_flow.contest import access
from reserve_flow.contest import commission_rules as rules
from reserve_flow.contest.models.commission import MeetingAttendance, Recusal, Score, Vote, VoteResult
from reserve_flow.contest.models.contests import Application, CommissionSeat, Contest
from reserve_flow.core.audit.chain import append_event
from reserve_flow.core.db import lock_row, unit_of_work
from reserve_flow.core.errors import NotFound, Refused
from reserve_flow.core.i18n import MESSAGES, translate
from reserve_flow.core.workflow.errors import ConcurrentChange
from reserve_flow.people.models import User

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime

# Audit subject of recusals, scores and votes (subject_id: the application's id).
SUBJECT_TYPE = "application_assessment"
# Applications still to be decided (those the commission works on: access.COMMISSION_STATES).
OPEN_STATES = ("admitted", "assessed", "voting")
ROLE_LABELS = {"chair": "председатель комиссии", "secretary": "секретарь комиссии", "member": "член комиссии"}

MESSAGES.update(
    {
        "commission.members_only": {
            "ru": "Оценивать, голосовать и заявлять о конфликте интересов могут только члены комиссии.",
            "en": "Only commission members score, vote and declare a conflict of interest.",
        },
        "commission.decided": {
            "ru": "По заявлению уже принято решение.",
            "en": "The application has already been decided.",
        },
        "commission.recusal_comment_required": {
            "ru": "Опишите конфликт интересов: комментарий обязателен.",
            "en": "Describe the conflict of interest: a comment is required.",
        },
        "commission.already_recused": {
            "ru": "Вы уже заявили о конфликте интересов по этому заявлению.",
            "en": "You have already declared a conflict of interest on this application.",
        },
        "commission.recusal_after_vote": {
            "ru": "Вы уже проголосовали по этому заявлению: голос не отзывается.",
            "en": "You have already voted on this application; a vote cannot be withdrawn.",
        },
        "commission.recused": {
            "ru": "Вы заявили о конфликте интересов по этому заявлению и не можете ни оценивать его, ни голосовать.",
            "en": "You declared a conflict of interest on this application: you neither score nor vote on it.",
        },
        "commission.scoring_closed": {
            "ru": "Оценки принимаются, пока заявление допущено и оценка не завершена (сейчас: «{state}»).",
            "en": "Scores are accepted while the application is admitted and not yet assessed (now: '{state}').",
        },
        "commission.bad_scores": {
            "ru": "Оценки не сохранены: {problems}.",
            "en": "Scores not saved: {problems}.",
        },
        "commission.bad_choice": {
            "ru": "Выберите: включить в резерв или не включать.",
            "en": "Choose: include in the reserve or not.",
        },
        "commission.vote_not_open": {
            "ru": "Голосование по заявлению не открыто (сейчас: «{state}»).",
            "en": "The vote on this application is not open (now: '{state}').",
        },
        "commission.not_present": {
            "ru": "Секретарь не отметил вас присутствующим на заседании: голосуют только присутствующие.",
            "en": "The secretary has not marked you present at the meeting: only those present vote.",
        },
        "commission.already_voted": {
            "ru": "Вы уже проголосовали по этому заявлению: голосуют один раз.",
            "en": "You have already voted on this application: one vote each.",
        },
        "commission.secretary_only": {
            "ru": "Явку на заседании отмечает секретарь комиссии.",
            "en": "The commission's secretary marks attendance.",
        },
        "commission.attendance_frozen": {
            "ru": "Явка уже зафиксирована: по заявлениям конкурса подведены итоги голосования.",
            "en": "Attendance is fixed: votes of this contest have been closed.",
        },
        "commission.attendance_unknown": {
            "ru": "В списке присутствующих есть люди, не входящие в комиссию.",
            "en": "The attendance list names people outside the commission.",
        },
        "commission.chair_only": {
            "ru": "Голосование закрывает председатель комиссии.",
            "en": "The commission's chair closes the vote.",
        },
        "commission.no_quorum": {
            "ru": "Голосование нельзя закрыть — нет кворума: {detail}.",
            "en": "The vote cannot be closed without a quorum: {detail}.",
        },
        "commission.casting_needed": {
            "ru": "Голоса разделились поровну ({votes_for} «за», {votes_against} «против»): "
            "председатель, не голосовавший по заявлению, подаёт решающий голос при закрытии голосования.",
            "en": "The vote is tied ({votes_for} for, {votes_against} against): the chair, who did not vote, "
            "gives the casting vote when closing.",
        },
        "commission.vote_closed_before_yours": {
            "ru": "Председатель закрыл голосование по заявлению раньше, чем пришёл ваш голос: голос не принят. "
            "Итог голосования — на странице заявления.",
            "en": "The chair closed the vote on this application before your vote arrived: it was not recorded. "
            "The result is on the application's page.",
        },
        "commission.vote_already_closed": {
            "ru": "Голосование по заявлению уже закрыто.",
            "en": "The vote on this application is already closed.",
        },
    }
)


class CommissionRefused(Refused):
    """A commission rule refused the action; nothing was changed."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = f"commission.{code}"
        self.params = params
        super().__init__(self.message())

    def message(self, language: str = "ru") -> str:
        return translate(self.code, language, **self.params)


class CommissionNotFound(NotFound):
    """No such contest, application or protocol, or the user does not sit on its commission."""


def visible_contests(session: Session, user: User) -> list[Contest]:
    """The contests whose commission `user` sits on, newest first."""
    seat = exists().where(CommissionSeat.contest_id == Contest.id, CommissionSeat.user_id == user.id)
    candidates = session.scalars(
        select(Contest)
        .where(or_(Contest.secretary_id == user.id, Contest.chair_id == user.id, seat))
        .order_by(Contest.id.desc())
    )
    return [c for c in candidates if access.may_work_on_contest(user, c)]


def get_contest(session: Session, user: User, contest_id: int) -> Contest:
    contest = session.get(Contest, contest_id)
    if contest is None or not access.may_work_on_contest(user, contest):
        raise CommissionNotFound(contest_id)
    return contest


def get_application(session: Session, user: User, application_id: int) -> Application:
    """An application the commission works on (admitted or later), if `user` sits on its commission."""
    application = session.get(Application, application_id)
    if application is None or not access.may_work_on_application(user, application):
        raise CommissionNotFound(application_id)
    return application


def _locked_application(session: Session, user: User, application_id: int) -> Application:
    """The application as `get_application` finds it, locked until commit. Whatever writes
    or counts its scores, recusals and votes takes this lock first, after a shared lock
    on the contest (whose attendance decides who votes): a vote cast while the chair
    closes the vote is either counted in the tally or refused, never stored uncounted."""
    contest_id = session.scalar(select(Application.contest_id).where(Application.id == application_id))
    if contest_id is None:
        raise CommissionNotFound(application_id)
    lock_row(session, Contest, contest_id, shared=True)
    lock_row(session, Application, application_id)
    session.get(Application, application_id, populate_existing=True)
    return get_application(session, user, application_id)


def contest_applications(session: Session, contest: Contest) -> list[Application]:
    return list(
        session.scalars(
            select(Application)
            .where(Application.contest_id == contest.id, Application.state.in_(access.COMMISSION_STATES))
            .order_by(Application.id)
        ).unique()
    )


def _state_label(runtime: Runtime, application: Application) -> str:
    return runtime.workflows.definition_for(application).states[application.state].label_ru


def _require_voter(user: User, application: Application) -> None:
    if not application.holds_role(user, "member"):
        raise CommissionRefused("members_only")


def _has_voted(session: Session, application_id: int, member_id: int) -> bool:
    return (
        session.scalar(select(Vote.id).where(Vote.application_id == application_id, Vote.member_id == member_id))
        is not None
    )


def _complete_assessment_when_all_scored(runtime: Runtime, session: Session, application: Application) -> None:
    """The system completes the assessment once every member expected to score has scored."""
    if application.state != "admitted":
        return
    progress = rules.assessment_progress(session, application)
    if progress.complete and progress.has_quorum:
        runtime.engine.fire(application, "assess", None, data={"scored_by": sorted(progress.done)})


def declare_recusal(runtime: Runtime, session: Session, user: User, application_id: int, comment: str) -> None:
    """Record the member's conflict of interest (audited with its comment); from now on they
    neither score nor vote on the application. Refused after the member has voted on it."""
    with unit_of_work(session):
        application = _locked_application(session, user, application_id)
        _require_voter(user, application)
        if application.state not in OPEN_STATES:
            raise CommissionRefused("decided")
        comment = (comment or "").strip()
        if not comment:
            raise CommissionRefused("recusal_comment_required")
        if user.id in rules.recused_ids(session, application.id):
            raise CommissionRefused("already_recused")
        if _has_voted(session, application.id, user.id):
            raise CommissionRefused("recusal_after_vote")
        now = runtime.now()
        session.add(Recusal(application_id=application.id, member_id=user.id, comment=comment, declared_at=now))
        try:
            session.flush()
        except IntegrityError:
            raise CommissionRefused("already_recused") from None
        append_event(
            session,
            kind="conflict_of_interest_declared",
            actor=user,
            subject_type=SUBJECT_TYPE,
            subject_id=application.id,
            now=now,
            reason=comment,
        )
        _complete_assessment_when_all_scored(runtime, session, application)


def _parse_scores(application: Application, form: dict[int, tuple[str, str]]) -> dict[int, tuple[int, str]]:
    """Every criterion's score from the form, or CommissionRefused listing each problem."""
    parsed: dict[int, tuple[int, str]] = {}
    problems = []
    for criterion in application.contest.criteria:
        raw, comment = form.get(criterion.id, ("", ""))
        raw = (raw or "").strip()
        if not raw:
            problems.append(f"«{criterion.name}» — нет оценки")
            continue
        try:
            value = int(raw)
        except ValueError:
            problems.append(f"«{criterion.name}» — оценка должна быть целым числом от 0 до {criterion.max_score}")
            continue
        if value < 0:
            problems.append(f"«{criterion.name}» — оценка не может быть меньше 0")
        elif value > criterion.max_score:
            problems.append(f"«{criterion.name}» — оценка {value} больше максимальной ({criterion.max_score})")
        else:
            parsed[criterion.id] = (value, (comment or "").strip())
    if problems:
        raise CommissionRefused("bad_scores", problems="; ".join(problems))
    return parsed


def record_scores(
    runtime: Runtime, session: Session, user: User, application_id: int, form: dict[int, tuple[str, str]]
) -> None:
    """Save the member's score (and comment) of every criterion, all or none; a member may
    correct them until the assessment is complete. Audited; completes the assessment when
    every member expected to score has scored."""
    with unit_of_work(session):
        application = _locked_application(session, user, application_id)
        _require_voter(user, application)
        if user.id in rules.recused_ids(session, application.id):
            raise CommissionRefused("recused")
        if application.state != "admitted":
            raise CommissionRefused("scoring_closed", state=_state_label(runtime, application))
        parsed = _parse_scores(application, form)
        now = runtime.now()
        existing = {
            s.criterion_id: s
            for s in session.scalars(
                select(Score).where(Score.application_id == application.id, Score.member_id == user.id)
            )
        }
        for criterion_id, (value, comment) in parsed.items():
            score = existing.get(criterion_id)
            if score is None:
                session.add(
                    Score(
                        application_id=application.id,
                        member_id=user.id,
                        criterion_id=criterion_id,
                        value=value,
                        comment=comment,
                        scored_at=now,
                    )
                )
            else:
                score.value, score.comment, score.scored_at = value, comment, now
        try:
            session.flush()
        except IntegrityError:  # the same member's other tab saved first
            raise ConcurrentChange(subject_id=application.id) from None
        append_event(
            session,
            kind="scores_recorded",
            actor=user,
            subject_type=SUBJECT_TYPE,
            subject_id=application.id,
            now=now,
            data={"scores": {str(cid): value for cid, (value, _c) in parsed.items()}},
        )
        _complete_assessment_when_all_scored(runtime, session, application)


def cast_vote(runtime: Runtime, session: Session, user: User, application_id: int, choice: str) -> None:
    """One vote, include or not, by a member present at the meeting and not recused. Audited."""
    with unit_of_work(session):
        application = _locked_application(session, user, application_id)
        _require_voter(user, application)
        if choice not in (rules.INCLUDE, rules.NOT_INCLUDE):
            raise CommissionRefused("bad_choice")
        if application.state != "voting":
            if session.get(VoteResult, application.id) is not None:
                raise CommissionRefused("vote_closed_before_yours")
            raise CommissionRefused("vote_not_open", state=_state_label(runtime, application))
        if user.id in rules.recused_ids(session, application.id):
            raise CommissionRefused("recused")
        if user.id not in rules.present_ids(session, application.contest_id):
            raise CommissionRefused("not_present")
        if _has_voted(session, application.id, user.id):
            raise CommissionRefused("already_voted")
        now = runtime.now()
        include = choice == rules.INCLUDE
        session.add(Vote(application_id=application.id, member_id=user.id, include=include, cast_at=now))
        try:
            session.flush()
        except IntegrityError:  # a second request of the same member won the race
            raise CommissionRefused("already_voted") from None
        append_event(
            session,
            kind="vote_cast",
            actor=user,
            subject_type=SUBJECT_TYPE,
            subject_id=application.id,
            now=now,
            data={"include": include},
        )


def mark_attendance(runtime: Runtime, session: Session, user: User, contest_id: int, present: set[int]) -> None:
    """The secretary marks who of the commission is present at the meeting (the rest are
    absent). Fixed once any vote of the contest is closed, so the protocol shows the
    meeting the decisions were taken at. Audited on the contest."""
    with unit_of_work(session):
        lock_row(session, Contest, contest_id)  # votes being cast or closed hold it shared
        session.get(Contest, contest_id, populate_existing=True)
        contest = get_contest(session, user, contest_id)
        if not contest.holds_role(user, "secretary"):
            raise CommissionRefused("secretary_only")
        closed = session.scalar(
            select(VoteResult.application_id)
            .join(Application, Application.id == VoteResult.application_id)
            .where(Application.contest_id == contest.id)
        )
        if closed is not None:
            raise CommissionRefused("attendance_frozen")
        seat_ids = [seat.user_id for seat in contest.seats]
        if not present <= set(seat_ids):
            raise CommissionRefused("attendance_unknown")
        now = runtime.now()
        marks = {
            m.member_id: m
            for m in session.scalars(select(MeetingAttendance).where(MeetingAttendance.contest_id == contest.id))
        }
        for member_id in seat_ids:
            mark = marks.get(member_id)
            if mark is None:
                session.add(
                    MeetingAttendance(
                        contest_id=contest.id,
                        member_id=member_id,
                        present=member_id in present,
                        marked_at=now,
                        marked_by_id=user.id,
                    )
                )
            else:
                mark.present, mark.marked_at, mark.marked_by_id = member_id in present, now, user.id
        session.flush()
        append_event(
            session,
            kind="attendance_marked",
            actor=user,
            subject_type="contest",
            subject_id=contest.id,
            now=now,
            data={"present": sorted(present), "absent": sorted(set(seat_ids) - present)},
        )


def _fire_checked(
    runtime: Runtime, session: Session, user: User, application_id: int, trigger: str, expected_version: int
) -> None:
    with unit_of_work(session):
        application = _locked_application(session, user, application_id)
        if application.version != expected_version:
            raise ConcurrentChange(subject_id=application.id)
        runtime.engine.fire(application, trigger, user)


def complete_assessment(
    runtime: Runtime, session: Session, user: User, application_id: int, expected_version: int
) -> None:
    """The secretary completes the assessment once a quorum has scored (the engine's guard)."""
    _fire_checked(runtime, session, user, application_id, "assess", expected_version)


def open_vote(runtime: Runtime, session: Session, user: User, application_id: int, expected_version: int) -> None:
    """The chair opens the vote; the engine tells the members."""
    _fire_checked(runtime, session, user, application_id, "open_vote", expected_version)


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def close_vote(
    runtime: Runtime,
    session: Session,
    user: User,
    application_id: int,
    expected_version: int,
    casting_vote: str | None = None,
) -> str:
    """The chair closes the vote: records the tally and fires include or not_include
    through the engine (whose guards recount the votes and refuse without a quorum);
    an inclusion creates the reserve membership in the same transaction. On a tie the
    chair who did not vote gives `casting_vote` ("include" / "not_include").
    Returns the trigger fired."""
    with unit_of_work(session):
        application = _locked_application(session, user, application_id)
        if application.version != expected_version:
            raise ConcurrentChange(subject_id=application.id)
        if not application.holds_role(user, "chair"):
            raise CommissionRefused("chair_only")
        if application.state != "voting":
            raise CommissionRefused("vote_not_open", state=_state_label(runtime, application))
        tally = rules.tally(session, application)
        if not tally.has_quorum:  # the engine's vote_quorum guard would refuse too; this says it plainly
            raise CommissionRefused("no_quorum", detail=tally.quorum_shortfall())
        casting = {rules.INCLUDE: True, rules.NOT_INCLUDE: False}.get(casting_vote or "")
        if not tally.needs_casting_vote:
            casting = None
        elif casting is None:
            raise CommissionRefused("casting_needed", votes_for=tally.votes_for, votes_against=tally.votes_against)
        decision = tally.decide(casting)
        trigger = decision.trigger
        assert trigger is not None  # a tie without the chair's vote was handled above
        now = runtime.now()
        session.add(
            VoteResult(
                application_id=application.id,
                eligible=len(tally.eligible),
                quorum=tally.quorum,
                votes_for=tally.votes_for,
                votes_against=tally.votes_against,
                casting_vote=casting,
                decision=trigger,
                closed_at=now,
                closed_by_id=user.id,
            )
        )
        try:
            session.flush()
        except IntegrityError:
            raise CommissionRefused("vote_already_closed") from None
        runtime.engine.fire(application, trigger, user, data={**tally.as_data(casting), "decision": decision.why})
        if trigger == rules.INCLUDE:
            from reserve_flow.reserve.services.membership import include  # imports this module's add_years

            include(runtime, session, application, user)
        return trigger


# --- what the pages show ---


@dataclass(frozen=True)
class ApplicationView:
    """One application as `user` sees it on the commission's page."""

    is_voter: bool
    recusals: list[Recusal]
    i_recused: bool
    my_scores: dict[int, Score]
    my_vote: bool | None
    i_am_present: bool
    progress: rules.AssessmentProgress
    tally: rules.Tally
    result: VoteResult | None


def application_view(session: Session, user: User, application: Application) -> ApplicationView:
    recusals = list(
        session.scalars(select(Recusal).where(Recusal.application_id == application.id).order_by(Recusal.id))
    )
    return ApplicationView(
        is_voter=application.holds_role(user, "member"),
        recusals=recusals,
        i_recused=any(r.member_id == user.id for r in recusals),
        my_scores={
            s.criterion_id: s
            for s in session.scalars(
                select(Score).where(Score.application_id == application.id, Score.member_id == user.id)
            )
        },
        my_vote=session.scalar(
            select(Vote.include).where(Vote.application_id == application.id, Vote.member_id == user.id)
        ),
        i_am_present=user.id in rules.present_ids(session, application.contest_id),
        progress=rules.assessment_progress(session, application),
        tally=rules.tally(session, application),
        result=session.get(VoteResult, application.id),
    )


def member_status(session: Session, user: User, application: Application) -> str:
    """What the member has done on the application, in a few words for the contest's list."""
    if user.id in rules.recused_ids(session, application.id):
        return "самоотвод"
    scored = (
        session.scalar(
            select(func.count())
            .select_from(Score)
            .where(Score.application_id == application.id, Score.member_id == user.id)
        )
        or 0
    )
    parts = ["оценено" if scored >= len(application.contest.criteria) else "не оценено"]
    vote = session.scalar(select(Vote.include).where(Vote.application_id == application.id, Vote.member_id == user.id))
    if vote is not None:
        parts.append("голос «за»" if vote else "голос «против»")
    return ", ".join(parts)


def seat_role(contest: Contest, user_id: int) -> str:
    """The role a seat holder sits in: chair, secretary or member."""
    if user_id == contest.chair_id:
        return "chair"
    if user_id == contest.secretary_id:
        return "secretary"
    return "member"


def ordered_seats(contest: Contest) -> list[tuple[User, str]]:
    """The commission as protocols list it: the chair, the members by name, the secretary."""
    rank = {"chair": 0, "member": 1, "secretary": 2}
    seats = [(seat.user, seat_role(contest, seat.user_id)) for seat in contest.seats]
    return sorted(seats, key=lambda pair: (rank[pair[1]], pair[0].full_name))


def attendance_marks(session: Session, contest: Contest) -> dict[int, bool]:
    """Member id -> present, for the members the secretary has marked."""
    return dict(
        session.execute(
            select(MeetingAttendance.member_id, MeetingAttendance.present).where(
                MeetingAttendance.contest_id == contest.id
            )
        ).all()
    )
