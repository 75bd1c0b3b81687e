"""Guards of the contest workflow."""

from __future__ import annotations

from reserve_flow.core.workflow.guards import GuardContext, guard

# Application states after which nothing more is decided about the application.
FINAL_APPLICATION_STATES = frozenset({"included", "not_included", "refused", "lapsed", "withdrawn"})


def _today(ctx: GuardContext):
    return ctx.now.astimezone(ctx.tz).date()


@guard(
    "contest_ready",
    ru="конкурс не готов к объявлению: {detail}.",
    en="the contest is not ready to be announced: {detail}.",
)
def _contest_ready(ctx: GuardContext) -> str | None:
    contest = ctx.subject
    missing = []
    if not contest.title.strip():
        missing.append("нет названия")
    if not contest.announcement.strip():
        missing.append("нет текста объявления")
    if contest.accept_to < contest.accept_from:
        missing.append("дата окончания приёма раньше даты начала")
    if contest.accept_to < _today(ctx):
        missing.append("срок приёма заявлений уже прошёл")
    if contest.chair_id is None or contest.secretary_id is None:
        missing.append("не назначены председатель и секретарь комиссии")
    if not contest.criteria:
        missing.append("нет критериев оценки")
    if not any(kind.mandatory for kind in contest.document_kinds):
        missing.append("нет перечня обязательных документов")
    return "; ".join(missing) if missing else None


@guard("acceptance_started", ru="приём заявлений начинается {detail}.", en="acceptance starts on {detail}.")
def _acceptance_started(ctx: GuardContext) -> str | None:
    start = ctx.subject.accept_from
    return None if _today(ctx) >= start else start.strftime("%d.%m.%Y")


@guard(
    "acceptance_ended",
    ru="приём заявлений продолжается до {detail} включительно.",
    en="acceptance goes on until {detail} inclusive.",
)
def _acceptance_ended(ctx: GuardContext) -> str | None:
    end = ctx.subject.accept_to
    return None if _today(ctx) > end else end.strftime("%d.%m.%Y")


@guard(
    "all_applications_final",
    ru="не по всем заявлениям принято решение ({detail}).",
    en="some applications are still undecided ({detail}).",
)
def _all_applications_final(ctx: GuardContext) -> str | None:
    open_ones = [a for a in ctx.subject.applications if a.state not in FINAL_APPLICATION_STATES and a.state != "draft"]
    return ", ".join(f"№ {a.id}" for a in open_ones) if open_ones else None
