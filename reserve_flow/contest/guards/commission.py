"""Guards of the application workflow from admission on: the commission's quorum and
majority (counting rules in reserve_flow.contest.commission_rules). Whoever fires assess,
include or not_include, from whatever page or command, the engine checks these."""

from __future__ import annotations

from reserve_flow.contest import commission_rules as rules
from reserve_flow.contest.models.commission import VoteResult
from reserve_flow.core.workflow.guards import GuardContext, guard


@guard(
    "assessment_quorum",
    ru="оценки по всем критериям выставили не все, кто нужен для кворума: {detail}.",
    en="too few members have scored every criterion for a quorum: {detail}.",
)
def _assessment_quorum(ctx: GuardContext) -> str | None:
    progress = rules.assessment_progress(ctx.session, ctx.subject)
    if progress.has_quorum:
        return None
    return f"оценили {len(progress.done)}, нужно не менее {progress.quorum}"


@guard("vote_quorum", ru="нет кворума: {detail}.", en="no quorum: {detail}.")
def _vote_quorum(ctx: GuardContext) -> str | None:
    tally = rules.tally(ctx.session, ctx.subject)
    return None if tally.has_quorum else tally.quorum_shortfall()


def _decided(ctx: GuardContext, trigger: str) -> str | None:
    """The recount gives `trigger`, and the chair closed the vote with that result recorded
    (which is how the commission page fires it, creating the reserve membership alongside)."""
    result = ctx.session.get(VoteResult, ctx.subject.id)
    if result is None:
        return "итоги голосования не подведены (председатель закрывает голосование на странице комиссии)"
    decision = rules.tally(ctx.session, ctx.subject).decide(result.casting_vote)
    if decision.trigger != trigger or result.decision != trigger:
        return decision.why
    return None


@guard(
    "vote_result_include",
    ru="решение о включении в резерв не принято: {detail}.",
    en="the vote did not decide to include: {detail}.",
)
def _vote_result_include(ctx: GuardContext) -> str | None:
    return _decided(ctx, rules.INCLUDE)


@guard(
    "vote_result_not_include",
    ru="решение «не включать в резерв» не принято: {detail}.",
    en="the vote did not decide not to include: {detail}.",
)
def _vote_result_not_include(ctx: GuardContext) -> str | None:
    return _decided(ctx, rules.NOT_INCLUDE)
