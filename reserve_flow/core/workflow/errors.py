"""Why a transition was refused. Each error carries a message code and parameters
(see reserve_flow.core.i18n); str() gives the Russian text."""

from __future__ import annotations

from reserve_flow.core.i18n import DEFAULT_LANGUAGE, translate


class WorkflowError(Exception):
    code = "workflow.error"

    def __init__(self, code: str | None = None, **params: object) -> None:
        if code:
            self.code = code
        self.params = params
        super().__init__(self.message())

    def message(self, language: str = DEFAULT_LANGUAGE) -> str:
        params = {k: (v(language) if callable(v) else v) for k, v in self.params.items()}
        return translate(self.code, language, **params)


class TransitionDenied(WorkflowError):
    """The transition is not allowed: wrong state, role, missing reason or an unmet guard.
    Nothing was changed."""


class UnknownTrigger(TransitionDenied):
    code = "transition.unknown_trigger"


class NotAllowedFromState(TransitionDenied):
    code = "transition.not_from_state"


class RoleDenied(TransitionDenied):
    code = "transition.role_denied"


class OwnPageOnly(TransitionDenied):
    """The step has a page of its own (its `page` in the workflow file), whose rules the
    generic action route would skip."""

    code = "transition.own_page"


class ReasonRequired(TransitionDenied):
    code = "transition.reason_required"


class GuardFailed(TransitionDenied):
    code = "transition.guard_failed"


class ConcurrentChange(WorkflowError):
    """Someone else changed the subject after it was read; nothing was written."""

    code = "transition.conflict"


class DefinitionError(Exception):
    """A workflow file has problems; `problems` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))
