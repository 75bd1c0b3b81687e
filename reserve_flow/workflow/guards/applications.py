"""Guards of the contest application workflow."""

from __future__ import annotations

from reserve_flow.workflow.guards.registry import GuardContext, guard


@guard("contest_accepting", ru="приём заявлений на конкурс закрыт.",
       en="the contest is not accepting applications.")
def _contest_accepting(ctx: GuardContext) -> str | None:
    today = ctx.now.astimezone(ctx.tz).date()
    return None if ctx.subject.contest.is_accepting(today) else ""


@guard("documents_complete", ru="не загружены обязательные документы: {detail}.",
       en="mandatory documents are missing: {detail}.")
def _documents_complete(ctx: GuardContext) -> str | None:
    present = {doc.kind_code for doc in ctx.subject.documents}
    missing = [k.title for k in ctx.subject.contest.document_kinds if k.mandatory and k.code not in present]
    return "; ".join(missing) if missing else None


@guard("consent_given", ru="нет согласия на обработку персональных данных.",
       en="consent to personal-data processing is missing.")
def _consent_given(ctx: GuardContext) -> str | None:
    return None if ctx.subject.consent_given_at is not None else ""


@guard("returned_documents_replaced", ru="не заменены документы, возвращённые на доработку: {detail}.",
       en="documents returned for correction are not replaced: {detail}.")
def _returned_documents_replaced(ctx: GuardContext) -> str | None:
    titles = {k.code: k.title for k in ctx.subject.contest.document_kinds}
    left = [f"{titles.get(d.kind_code, d.kind_code)} ({d.original_name})"
            for d in sorted(ctx.subject.documents, key=lambda d: d.id) if d.review_status == "returned"]
    return "; ".join(left) if left else None
