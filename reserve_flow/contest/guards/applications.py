"""Guards of the contest application workflow."""

from __future__ import annotations

from reserve_flow.core.workflow.guards import GuardContext, guard
from reserve_flow.privacy.services import consents


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
        if ctx.subject.requires(k) and k.code not in present
    ]
    return "; ".join(missing) if missing else None


@guard(
    "consent_given",
    ru="нет согласия на обработку персональных данных (или оно отозвано).",
    en="consent to personal-data processing is missing or withdrawn.",
)
def _consent_given(ctx: GuardContext) -> str | None:
    # The acceptance marked on the application counts until the person withdraws it.
    application = ctx.subject
    if application.consent_given_at is None:
        return ""
    return None if consents.processing_withdrawn_at(ctx.session, application.applicant_id) is None else ""
