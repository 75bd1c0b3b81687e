"""Guards of the reserve membership and of its plan items (counting rules in
reserve_flow.reserve.plan_rules). Whoever fires these, from whatever page or command, the
engine checks them."""

from __future__ import annotations

from sqlalchemy import select

from reserve_flow.appointments.models import AppointmentOrder, VacancyCandidate
from reserve_flow.core.workflow.guards import GuardContext, guard
from reserve_flow.reserve import plan_rules
from reserve_flow.reserve.models.membership import EXCLUSION_REASONS, TermExtension


def _today(ctx: GuardContext):
    return ctx.now.astimezone(ctx.tz).date()


@guard("plan_agreed_by_both", ru="план не согласован: {detail}.", en="the plan is not agreed: {detail}.")
def _plan_agreed_by_both(ctx: GuardContext) -> str | None:
    return plan_rules.agreement_missing(ctx.subject)


@guard(
    "plan_fulfilled", ru="план развития не выполнен: {detail}.", en="the development plan is not fulfilled: {detail}."
)
def _plan_fulfilled(ctx: GuardContext) -> str | None:
    return plan_rules.fulfilment_missing(ctx.subject)


@guard("appointment_allowed", ru="назначение невозможно: {detail}.", en="appointment is not possible: {detail}.")
def _appointment_allowed(ctx: GuardContext) -> str | None:
    term_end = ctx.subject.term_end
    if _today(ctx) > term_end:
        return f"срок пребывания в резерве истёк {term_end.strftime('%d.%m.%Y')}"
    issued = ctx.session.scalar(
        select(AppointmentOrder.id)
        .join(VacancyCandidate, VacancyCandidate.id == AppointmentOrder.candidate_id)
        .where(VacancyCandidate.membership_id == ctx.subject.id, AppointmentOrder.signed_at.is_not(None))
    )
    return None if issued is not None else "нет подписанного приказа о назначении этого члена резерва"


@guard(
    "exclusion_reason_listed",
    ru="укажите основание исключения из перечня{detail}.",
    en="give a ground for exclusion from the list{detail}.",
)
def _exclusion_reason_listed(ctx: GuardContext) -> str | None:
    code = ctx.data.get("reason_code")
    if code not in EXCLUSION_REASONS:
        return ": " + ", ".join(EXCLUSION_REASONS.values())
    if code == "other" and not str(ctx.data.get("note", "")).strip():
        return " и опишите иную причину"
    return None


@guard(
    "term_ended",
    ru="срок пребывания в резерве ещё не истёк (до {detail} включительно).",
    en="the term in the reserve has not ended (it runs until {detail}).",
)
def _term_ended(ctx: GuardContext) -> str | None:
    term_end = ctx.subject.term_end
    return None if _today(ctx) > term_end else term_end.strftime("%d.%m.%Y")


@guard(
    "term_extension_ordered",
    ru="продление не оформлено приказом: {detail}.",
    en="the extension has no order: {detail}.",
)
def _term_extension_ordered(ctx: GuardContext) -> str | None:
    extensions: list[TermExtension] = ctx.subject.extensions
    if not extensions or extensions[-1].new_term_end != ctx.subject.term_end:
        return "нет приказа с новым сроком"
    return None


@guard(
    "new_evidence_uploaded",
    ru="не загружен подтверждающий документ{detail}.",
    en="no supporting document uploaded{detail}.",
)
def _new_evidence_uploaded(ctx: GuardContext) -> str | None:
    if plan_rules.has_new_evidence(ctx.session, ctx.subject):
        return None
    return " после возврата на доработку" if plan_rules.was_returned(ctx.session, ctx.subject) else ""


_INACTIVE = {
    "included": "план ещё не согласован",
    "excluded": "резервист исключён из резерва",
    "appointed": "резервист уже назначен на должность",
}


@guard(
    "membership_active", ru="выполнение плана не принимается: {detail}.", en="plan work is not accepted now: {detail}."
)
def _membership_active(ctx: GuardContext) -> str | None:
    state = ctx.subject.membership.state
    return _INACTIVE.get(state, state) if state not in ("plan_agreed", "developing", "ready") else None


@guard(
    "internship_reviewed",
    ru="нет отзыва наставника о стажировке{detail}.",
    en="the mentor has not reviewed the internship{detail}.",
)
def _internship_reviewed(ctx: GuardContext) -> str | None:
    item = ctx.subject
    if item.kind != "internship" or (item.mentor_review or "").strip():
        return None
    return f" ({item.mentor.full_name})" if item.mentor is not None else ""
