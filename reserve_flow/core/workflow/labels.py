"""How the workflow diagram and the BPMN export name roles, guards and deadlines in
Russian. Both read the same rule book, so they say the same things the same way."""

from __future__ import annotations

from collections.abc import Callable

from reserve_flow.core.actors import ROLES
from reserve_flow.core.i18n import MESSAGES
from reserve_flow.core.workflow.definition import DeadlineDef, TransitionDef
from reserve_flow.core.workflow.subjects import owner_label

SYSTEM_NAME = "Система (по истечении срока)"
# Short forms, for edge labels where space is tight (the owner's is registered per workflow).
ROLE_SHORT = {
    "applicant": "заявитель",
    "secretary": "секр.",
    "chair": "пред.",
    "member": "чл. ком.",
    "hr": "кадры",
    "mentor": "наставн.",
    "admin": "адм.",
    "system": "авто",
}
# Deadline lengths a workflow takes from its subject (workflow_param), described for
# a diagram of the rules, where no subject gives the number.
PARAM_NAMES = {
    "check_period_days": "срок проверки документов по условиям конкурса",
    "fix_period_days": "срок исправления по условиям конкурса",
    "vote_period_days": "срок оценки и голосования по условиям конкурса",
    # Dates a deadline runs until (`until`).
    "due_date": "срок выполнения пункта плана",
    "term_end": "окончание срока пребывания в резерве",
    "planned_on": "планируемая дата назначения на вакантную должность",
}
UNITS_SHORT = {"working": "раб. дн.", "calendar": "кал. дн."}
UNITS_LONG = {"working": "рабочие дни", "calendar": "календарные дни"}

ParamLookup = Callable[[str], int]


def role_name(role: str, workflow: str | None = None) -> str:
    """A role's full name, for documentation; the pseudo-roles of definition.PSEUDO_ROLES
    included (the owner named as `workflow`'s domain registered it)."""
    if role == "owner":
        return owner_label(workflow).full
    if role == "system":
        return SYSTEM_NAME
    return ROLES[role]["ru"] if role in ROLES else role


def roles_short(transition: TransitionDef, workflow: str | None = None) -> str:
    return ", ".join(owner_label(workflow).short if r == "owner" else ROLE_SHORT.get(r, r) for r in transition.roles)


def roles_long(roles: tuple[str, ...] | list[str], workflow: str | None = None) -> str:
    return ", ".join(role_name(r, workflow) for r in roles)


def guard_text(name: str) -> str:
    """A guard named by its code and what the user is told when it is not met."""
    message = MESSAGES.get(f"guard.{name}", {}).get("ru", "")
    message = message.replace("{detail}", "…").rstrip(".")
    return f"{name} (иначе: «{message}»)" if message else name


def deadline_days(deadline: DeadlineDef, params: ParamLookup | None = None) -> int | None:
    """The deadline's length in days: the number written in the workflow, or the
    subject's parameter when a subject is given; None when it depends on a subject."""
    if isinstance(deadline.days, int):
        return deadline.days
    return params(deadline.days) if params is not None else None


def deadline_short(deadline: DeadlineDef, params: ParamLookup | None = None) -> str:
    """ "⏱ 5 раб. дн." — or, for a parameter without a subject, the parameter described;
    "⏱ до: срок выполнения пункта плана" for a deadline that ends on a date of the subject."""
    if deadline.until:
        return f"⏱ до: {PARAM_NAMES.get(deadline.until, deadline.until)}"
    days = deadline_days(deadline, params)
    unit = UNITS_SHORT.get(deadline.calendar, deadline.calendar)
    if days is None:
        return f"⏱ {PARAM_NAMES.get(str(deadline.days), str(deadline.days))}, {unit}"
    return f"⏱ {days} {unit}"


def deadline_long(deadline: DeadlineDef, on_expiry: TransitionDef | None, workflow: str | None = None) -> str:
    """The whole deadline rule in words, for documentation."""
    unit = UNITS_LONG.get(deadline.calendar, deadline.calendar)
    if deadline.until:
        name = PARAM_NAMES.get(deadline.until, "дата дела")
        start = f"Срок: до даты «{name}» включительно (параметр {deadline.until}; {unit})"
    elif isinstance(deadline.days, int):
        start = f"Срок: {deadline.days} ({unit}), считается от входа в состояние"
    else:
        name = PARAM_NAMES.get(deadline.days, "параметр дела")
        start = f"Срок: {name} ({unit}; параметр {deadline.days}), считается от входа в состояние"
    parts = [start, f"исполнитель: {roles_long([deadline.actor], workflow)}"]
    if deadline.remind_before:
        days = ", ".join(str(d) for d in deadline.remind_before)
        parts.append(f"напоминание за {days} {UNITS_SHORT.get(deadline.calendar, '')} до срока")
    if deadline.escalate_to:
        parts.append(f"по истечении срока — уведомление: {roles_long([deadline.escalate_to], workflow)}")
    if on_expiry is not None:
        parts.append(f"по истечении срока — автоматически: «{on_expiry.label('ru')}»")
    return "; ".join(parts) + "."


def transition_doc(transition: TransitionDef, workflow: str | None = None) -> str:
    """Who may fire the transition and what must hold, for documentation and tooltips."""
    parts = [f"Кто: {roles_long(transition.roles, workflow)}"]
    if transition.guards:
        parts.append("условия (guards): " + "; ".join(guard_text(g) for g in transition.guards))
    if transition.reason_required:
        parts.append("причина обязательна")
    return "; ".join(parts) + "."
