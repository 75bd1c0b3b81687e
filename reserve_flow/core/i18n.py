"""User-facing messages, Russian first. Errors carry a message code and parameters,
so the web, the CLI and the API can each say them in the user's language."""

from __future__ import annotations

DEFAULT_LANGUAGE = "ru"

MESSAGES: dict[str, dict[str, str]] = {
    "transition.unknown_trigger": {
        "ru": "Действие «{trigger}» не предусмотрено процессом «{workflow}».",
        "en": "Action '{trigger}' does not exist in workflow '{workflow}'.",
    },
    "transition.not_from_state": {
        "ru": "Действие «{action}» недоступно в состоянии «{state}».",
        "en": "Action '{action}' is not available in state '{state}'.",
    },
    "transition.own_page": {
        "ru": "Действие «{action}» выполняется только на своей странице, с её проверками; "
        "общей кнопкой действия его выполнить нельзя.",
        "en": "Action '{action}' is taken only on its own page, with that page's checks, not by the generic action.",
    },
    "transition.role_denied": {
        "ru": "Действие «{action}» может выполнить только: {roles}.",
        "en": "Action '{action}' may only be taken by: {roles}.",
    },
    "transition.reason_required": {
        "ru": "Для действия «{action}» нужно указать причину.",
        "en": "Action '{action}' needs a reason.",
    },
    "transition.guard_failed": {
        "ru": "Действие «{action}» невозможно: {guard}",
        "en": "Action '{action}' is not possible: {guard}",
    },
    "transition.conflict": {
        "ru": "Дело № {subject_id} уже изменил другой пользователь. Обновите страницу и повторите действие.",
        "en": "Case {subject_id} was changed by someone else meanwhile. Reload the page and try again.",
    },
    "role.owner": {"ru": "владелец дела", "en": "the case's owner"},
    "role.system": {"ru": "система (по сроку)", "en": "the system (on a deadline)"},
    # Guard messages ("guard.<name>") are registered with each guard: reserve_flow.core.workflow.guards.
    "auth.bad_credentials": {
        "ru": "Неверный адрес электронной почты или пароль.",
        "en": "Wrong e-mail or password.",
    },
    "auth.throttled": {
        "ru": "Слишком много неудачных попыток входа. Повторите через {seconds} с.",
        "en": "Too many failed logins. Try again in {seconds} s.",
    },
}


def translate(code: str, language: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The message for `code` in `language` (Russian when missing), formatted with params."""
    entry = MESSAGES.get(code)
    if entry is None:
        return code
    template = entry.get(language) or entry[DEFAULT_LANGUAGE]
    return template.format(**params)
