"""Guards of the contest application workflow."""

from __future__ import annotations

from reserve_flow.core.workflow.guards import GuardContext, guard


@guard("contest_accepting", ru="приём заявлений на конкурс закрыт.", en="the contest is not accepting applications.")
def _contest_accepting(ctx: GuardContext) -> str | None:
    today = ctx.now.astimezone(ctx.tz).date()
    return None if ctx.subject.contest.is_accepting(today) else ""


@guard(
    "documents_complete",
    ru="не загружены обязательные документы: {detail}.",
    en="mandatory documents are missing: {detail}.",
)
def _documents_complete(ctx: GuardContext) -> str | None:
    # A document the secretary returned counts only once the applicant has replaced it.
    present = {doc.kind_code for doc in ctx.subject.documents if doc.review_status != "returned"}
    returned = {doc.kind_code for doc in ctx.subject.documents if doc.review_status == "returned"}
    missing = [
        k.title + (" (возвращён на исправление, не заменён)" if k.code in returned else "")
        for k in ctx.subject.contest.document_kinds
        if k.mandatory and k.code not in present
    ]
    return "; ".join(missing) if missing else None


@guard(
    "consent_given",
    ru="нет согласия на обработку персональных данных.",
    en="consent to personal-data processing is missing.",
)
def _consent_given(ctx: GuardContext) -> str | None:
    return None if ctx.subject.consent_given_at is not None else ""
