"""The contest's ranking table (issue 3, item 5): per application the mean score of each
criterion, the weighted total (the sum over criteria of mean score x weight), and the
vote. Scores of members recused on an application are not counted."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.contest import commission_rules as rules
from reserve_flow.contest.models.commission import Score, Vote, VoteResult
from reserve_flow.contest.models.contests import Application, Contest
from reserve_flow.contest.services.commission import contest_applications


@dataclass(frozen=True)
class RankingRow:
    application: Application
    means: list[float | None]  # per criterion, in the contest's order; None: nobody scored it
    total: float | None  # None until someone has scored
    scorers: int  # members whose scores count
    votes_for: int
    votes_against: int
    result: VoteResult | None  # the closed vote, if any


def ranking(session: Session, contest: Contest) -> list[RankingRow]:
    """Applications admitted or later, best weighted total first (unscored last, then by number)."""
    criteria = contest.criteria
    rows = []
    for application in contest_applications(session, contest):
        recused = rules.recused_ids(session, application.id)
        by_criterion: dict[int, list[int]] = {}
        scorers: set[int] = set()
        for score in session.scalars(select(Score).where(Score.application_id == application.id)):
            if score.member_id in recused:
                continue
            by_criterion.setdefault(score.criterion_id, []).append(score.value)
            scorers.add(score.member_id)
        means = [sum(v) / len(v) if (v := by_criterion.get(c.id)) else None for c in criteria]
        total = (
            sum((m or 0.0) * c.weight for m, c in zip(means, criteria, strict=True))
            if any(m is not None for m in means)
            else None
        )
        votes = list(session.scalars(select(Vote.include).where(Vote.application_id == application.id)))
        rows.append(
            RankingRow(
                application=application,
                means=means,
                total=total,
                scorers=len(scorers),
                votes_for=sum(1 for v in votes if v),
                votes_against=sum(1 for v in votes if not v),
                result=session.get(VoteResult, application.id),
            )
        )
    rows.sort(key=lambda r: (r.total is None, -(r.total or 0.0), r.application.id))
    return rows
