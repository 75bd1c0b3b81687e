"""How the commission counts: who may score and vote on an application, the quorum,
the assessment's progress and a vote's tally and decision.

Read-only queries over the session, shared by the workflow guards (which make the
engine refuse a step the rules do not allow) and the commission services (which show
the same numbers to people). Like core/workdays.py, it sits below both.

The rules (issue 3, item 4; DESIGN section 2):
- The voters of a contest are the holders of its commission seats who have the member
  role (the chair sits as a member too; a secretary without the member role does not vote).
- A member who declared a conflict of interest on an application neither scores nor
  votes on it, and scores they gave before are not counted.
- The quorum of an application is the contest's fraction (2/3 by default) of its
  commission less the members recused on that application, rounded up, at least one.
  Recusals shrink both who can take part and how many are needed, so that a conflict of
  interest cannot leave an application impossible to assess or decide; with no recusal
  it equals contest.quorum().
- An application can be assessed when at least a quorum of non-recused voters have
  scored every criterion.
- A vote can be closed when at least a quorum of members present and not recused have
  voted. Inclusion needs the votes of more than half of the members present and not
  recused. On a tie (as many votes for as against) the chair's vote decides: the chair's
  own vote when they voted; otherwise an explicit casting vote given when closing, if the
  chair is present and not recused. A chair who is recused or absent cannot break a tie,
  and the inclusion then lacks a majority: not included.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.contest.models.commission import MeetingAttendance, Recusal, Score, Vote
from reserve_flow.contest.models.contests import Application, Contest
from reserve_flow.people.models import User

INCLUDE = "include"
NOT_INCLUDE = "not_include"


def voters(contest: Contest) -> list[User]:
    """The commission's members who score and vote, in seat order."""
    return [seat.user for seat in contest.seats if seat.user.has_role("member")]


def recused_ids(session: Session, application_id: int) -> set[int]:
    return set(session.scalars(select(Recusal.member_id).where(Recusal.application_id == application_id)))


def present_ids(session: Session, contest_id: int) -> set[int]:
    return set(
        session.scalars(
            select(MeetingAttendance.member_id).where(
                MeetingAttendance.contest_id == contest_id, MeetingAttendance.present.is_(True)
            )
        )
    )


def application_quorum(contest: Contest, recused: set[int]) -> int:
    """The contest's fraction of the commission less the recused seat holders, rounded up, at least 1."""
    size = sum(1 for seat in contest.seats if seat.user_id not in recused)
    denominator = max(contest.quorum_denominator, 1)
    return max(1, -(-size * contest.quorum_numerator // denominator))


@dataclass(frozen=True)
class AssessmentProgress:
    quorum: int
    scorers: list[User]  # voters not recused: those expected to score
    done: set[int] = field(default_factory=set)  # of those, who scored every criterion

    @property
    def has_quorum(self) -> bool:
        return len(self.done) >= self.quorum

    @property
    def complete(self) -> bool:
        """Every expected scorer has scored everything (the system then completes the assessment)."""
        return bool(self.scorers) and all(u.id in self.done for u in self.scorers)


def assessment_progress(session: Session, application: Application) -> AssessmentProgress:
    contest = application.contest
    recused = recused_ids(session, application.id)
    scorers = [u for u in voters(contest) if u.id not in recused]
    criteria = {c.id for c in contest.criteria}
    scored: dict[int, set[int]] = {}
    for member_id, criterion_id in session.execute(
        select(Score.member_id, Score.criterion_id).where(Score.application_id == application.id)
    ):
        scored.setdefault(member_id, set()).add(criterion_id)
    done = {u.id for u in scorers if criteria and criteria <= scored.get(u.id, set())}
    return AssessmentProgress(quorum=application_quorum(contest, recused), scorers=scorers, done=done)


def _members(n: int) -> str:
    """ "1 член комиссии", "3 члена комиссии", "5 членов комиссии"."""
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} член комиссии"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return f"{n} члена комиссии"
    return f"{n} членов комиссии"


@dataclass(frozen=True)
class Decision:
    trigger: str | None  # include | not_include; None: a casting vote is needed first
    why: str  # Russian, for the protocol and the refusal messages


@dataclass(frozen=True)
class Tally:
    quorum: int
    eligible: frozenset[int]  # members present and not recused
    votes: dict[int, bool]  # member id -> include, counting eligible members only
    chair_id: int | None

    @property
    def votes_for(self) -> int:
        return sum(1 for v in self.votes.values() if v)

    @property
    def votes_against(self) -> int:
        return sum(1 for v in self.votes.values() if not v)

    @property
    def has_quorum(self) -> bool:
        return len(self.votes) >= self.quorum

    def quorum_shortfall(self) -> str:
        """Why there is no quorum, in Russian (for the refusal messages)."""
        return (
            f"проголосовали {_members(len(self.votes))} из присутствующих и не заявивших самоотвод, "
            f"а для кворума нужно не менее {self.quorum}"
        )

    @property
    def is_tie(self) -> bool:
        return self.votes_for == self.votes_against

    @property
    def chair_can_cast(self) -> bool:
        """The chair did not vote but may break the tie: present and not recused."""
        return self.chair_id is not None and self.chair_id in self.eligible and self.chair_id not in self.votes

    @property
    def needs_casting_vote(self) -> bool:
        return self.is_tie and self.chair_can_cast

    def decide(self, casting_vote: bool | None = None) -> Decision:
        """The decision the majority rule gives (the quorum is checked separately)."""
        if self.is_tie:
            if self.chair_id in self.votes:
                include = self.votes[self.chair_id]
                return Decision(
                    INCLUDE if include else NOT_INCLUDE,
                    "голоса разделились поровну, решающий голос председателя — " + ("«за»" if include else "«против»"),
                )
            if self.chair_can_cast:
                if casting_vote is None:
                    return Decision(None, "голоса разделились поровну: нужен решающий голос председателя")
                return Decision(
                    INCLUDE if casting_vote else NOT_INCLUDE,
                    "голоса разделились поровну, решающий голос председателя при закрытии "
                    "голосования — " + ("«за»" if casting_vote else "«против»"),
                )
            return Decision(
                NOT_INCLUDE,
                "голоса разделились поровну, председатель не голосовал "
                "(самоотвод или отсутствие): большинства за включение нет",
            )
        if 2 * self.votes_for > len(self.eligible):
            return Decision(
                INCLUDE,
                f"«за» — {self.votes_for} из {len(self.eligible)} присутствующих "
                "и не заявивших самоотвод членов комиссии",
            )
        return Decision(
            NOT_INCLUDE,
            f"«за» — {self.votes_for} из {len(self.eligible)} присутствующих "
            "и не заявивших самоотвод членов комиссии: большинства нет",
        )

    def as_data(self, casting_vote: bool | None) -> dict[str, object]:
        """What the audit event of the decision records."""
        return {
            "quorum": self.quorum,
            "eligible": sorted(self.eligible),
            "votes_for": self.votes_for,
            "votes_against": self.votes_against,
            "casting_vote": casting_vote,
        }


def tally(session: Session, application: Application) -> Tally:
    contest = application.contest
    recused = recused_ids(session, application.id)
    present = present_ids(session, contest.id)
    eligible = frozenset(u.id for u in voters(contest) if u.id in present and u.id not in recused)
    votes = {
        member_id: include
        for member_id, include in session.execute(
            select(Vote.member_id, Vote.include).where(Vote.application_id == application.id)
        )
        if member_id in eligible
    }
    return Tally(quorum=application_quorum(contest, recused), eligible=eligible, votes=votes, chair_id=contest.chair_id)
