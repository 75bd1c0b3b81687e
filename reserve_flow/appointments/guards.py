"""Guards of the appointment workflow: each step checks the rows the services wrote
(the shortlist, the selection, the attestation session, the order), so that no step
can be fired around them from any page or command."""

from __future__ import annotations

from reserve_flow.appointments.models import PRE_HIRE_ITEMS
from reserve_flow.core.workflow.guards import GuardContext, guard


def _today(ctx: GuardContext):
    return ctx.now.astimezone(ctx.tz).date()


def _latest_attestation(ctx: GuardContext):
    selected = ctx.subject.selected
    if selected is None:
        return None
    sessions = [s for s in ctx.subject.attestations if s.candidate_id == selected.id]
    return sessions[-1] if sessions else None


@guard("shortlist_not_empty", ru="в списке нет кандидатов{detail}.", en="the shortlist is empty{detail}.")
def _shortlist_not_empty(ctx: GuardContext) -> str | None:
    if any(c.status == "shortlisted" and not c.left_reserve for c in ctx.subject.candidates):
        return None
    return ": добавьте члена резерва или кандидата вне резерва с обоснованием"


@guard("candidate_selected", ru="кандидат не выбран{detail}.", en="no candidate is selected{detail}.")
def _candidate_selected(ctx: GuardContext) -> str | None:
    selected = [c for c in ctx.subject.candidates if c.status == "selected"]
    if len(selected) == 1:
        return None
    return ": выберите одного кандидата из списка" if not selected else ": выбрано несколько кандидатов"


@guard(
    "attestation_failed",
    ru="нет решения аттестационной комиссии о неаттестации{detail}.",
    en="there is no record of a failed attestation{detail}.",
)
def _attestation_failed(ctx: GuardContext) -> str | None:
    session = _latest_attestation(ctx)
    if session is None:
        return ": внесите заседание аттестационной комиссии"
    return None if not session.attested else ": кандидат аттестован"


@guard("attestation_passed", ru="кандидат не аттестован{detail}.", en="the candidate is not attested{detail}.")
def _attestation_passed(ctx: GuardContext) -> str | None:
    session = _latest_attestation(ctx)
    if session is None:
        return ": внесите заседание аттестационной комиссии"
    return None if session.attested else ": аттестационная комиссия не аттестовала кандидата"


@guard(
    "pre_hire_complete",
    ru="не собраны документы перед назначением: {detail}.",
    en="the pre-hire documents are incomplete: {detail}.",
)
def _pre_hire_complete(ctx: GuardContext) -> str | None:
    recorded = ctx.subject.checklist
    problems = [label for item, label in PRE_HIRE_ITEMS.items() if item not in recorded]
    certificate = recorded.get("criminal_record")
    # The service passes the district's setting; without it the default applies.
    max_age = int(ctx.data.get("criminal_record_max_age_days", 90))
    if certificate is not None and (_today(ctx) - certificate.dated_on).days > max_age:
        problems.append(
            f"справка о судимости от {certificate.dated_on.strftime('%d.%m.%Y')} старше {max_age} дней: нужна свежая"
        )
    return "; ".join(problems) if problems else None


@guard(
    "labour_contract_recorded",
    ru="трудовой договор с кандидатом не внесён{detail}.",
    en="the labour contract with the candidate is not recorded{detail}.",
)
def _labour_contract_recorded(ctx: GuardContext) -> str | None:
    # Labour Code art. 68: the order is issued on the basis of the concluded contract.
    if ctx.subject.contract is not None:
        return None
    return ": внесите номер, дату, срок, испытательный срок и дату начала работы по договору"


@guard(
    "order_draft_complete", ru="проект приказа не заполнен: {detail}.", en="the order draft is incomplete: {detail}."
)
def _order_draft_complete(ctx: GuardContext) -> str | None:
    order = ctx.subject.order
    if order is None:
        return "укажите дату назначения и срок трудового договора"
    if order.start_on < _today(ctx):
        return f"дата назначения {order.start_on.strftime('%d.%m.%Y')} уже прошла"
    if not order.grounds.strip():
        return "не указаны основания"
    return None


@guard("order_numbered", ru="приказ не может быть издан: {detail}.", en="the order cannot be issued: {detail}.")
def _order_numbered(ctx: GuardContext) -> str | None:
    order = ctx.subject.order
    if order is None:
        return "нет проекта приказа"
    if order.number is None or not order.docx_sha256 or not order.pdf_sha256:
        return "приказу не присвоен номер"
    return None


@guard("order_signed", ru="приказ не подписан: {detail}.", en="the order is not signed: {detail}.")
def _order_signed(ctx: GuardContext) -> str | None:
    order = ctx.subject.order
    if order is None or order.number is None:
        return "приказу не присвоен номер"
    if order.signed_at is None or order.signed_by_id is None:
        return "нет подписи начальника РУО и нет скана подписанного приказа"
    if order.signed_via == "scan" and not order.scan_sha256:
        return "скан подписанного приказа не сохранён"
    return None


@guard("head_appointed", ru="руководитель не назначен: {detail}.", en="the head is not appointed: {detail}.")
def _head_appointed(ctx: GuardContext) -> str | None:
    vacancy = ctx.subject
    selected = vacancy.selected
    if selected is None or selected.status != "appointed":
        return "кандидат не отмечен как назначенный"
    if vacancy.organization.head_user_id != selected.user_id:
        return "руководитель организации не обновлён"
    return None
