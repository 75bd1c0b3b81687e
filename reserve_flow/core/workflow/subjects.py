"""What a domain registers with the engine: its subject classes, the follow-ups a
step of its workflow sets off, its owner's name, and who may open one of its cases.
The core names no domain; each domain's models module registers its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar, runtime_checkable

from reserve_flow.core.actors import Actor

if TYPE_CHECKING:
    from reserve_flow.core.audit.models import AuditEvent
    from reserve_flow.core.workflow.engine import Engine


@runtime_checkable
class WorkflowSubject(Protocol):
    """A case the engine moves: an ORM row with a state column and an optimistic-lock version."""

    __workflow__: ClassVar[str]
    id: Any
    state: Any
    version: Any

    @property
    def subject_label(self) -> str: ...

    def holds_role(self, actor: Actor, role: str) -> bool: ...

    def recipients(self, role: str) -> Sequence[Actor]: ...

    def workflow_param(self, name: str) -> Any: ...


S = TypeVar("S", bound=type)

# Workflow subject name (the `subject` of a workflow file, the class's __workflow__) -> class.
SUBJECTS: dict[str, type] = {}


def register_subject(cls: S) -> S:
    """Class decorator: the class is the subject of the workflow named by its __workflow__."""
    name = cls.__workflow__
    if SUBJECTS.get(name, cls) is not cls:
        raise ValueError(f"workflow subject {name!r} registered twice")
    SUBJECTS[name] = cls
    return cls


def subject_types() -> dict[str, type]:
    return dict(SUBJECTS)


# A consequence of a step in the same transaction: (engine, subject, audit event).
FollowUp = Callable[["Engine", Any, "AuditEvent"], None]
FOLLOW_UPS: dict[str, list[FollowUp]] = {}


def after_transition(workflow: str) -> Callable[[FollowUp], FollowUp]:
    """Decorator: run `hook` after every step of `workflow` (the machine's after-callback),
    once the step's audit event, deadlines and notifications are written."""

    def register(hook: FollowUp) -> FollowUp:
        FOLLOW_UPS.setdefault(workflow, []).append(hook)
        return hook

    return register


@dataclass(frozen=True)
class OwnerLabel:
    full: str  # for documentation: «Резервист (владелец дела)»
    short: str  # for diagram edges: «резервист»


DEFAULT_OWNER = OwnerLabel("Владелец дела", "владелец")
OWNER_LABELS: dict[str, OwnerLabel] = {}


def register_owner_label(workflow: str, *, full: str, short: str) -> None:
    """How the diagrams name the pseudo-role `owner` of `workflow`."""
    OWNER_LABELS[workflow] = OwnerLabel(full, short)


def owner_label(workflow: str | None) -> OwnerLabel:
    return OWNER_LABELS.get(workflow or "", DEFAULT_OWNER)


# Workflow name -> the site path of a case's page, "{id}" standing for the subject's id
# (the notifications and deadlines link there).
CASE_PAGES: dict[str, str] = {}


def register_case_page(workflow: str, path: str) -> None:
    CASE_PAGES[workflow] = path


# Workflow name -> whether a viewer may open the case page of a subject (a deadline links there).
Viewer = Callable[[Actor, Any], bool]
VIEWERS: dict[str, Viewer] = {}


def case_viewer(workflow: str) -> Callable[[Viewer], Viewer]:
    """Decorator: the one rule by which a viewer may open a case of `workflow`."""

    def register(rule: Viewer) -> Viewer:
        VIEWERS[workflow] = rule
        return rule

    return register


def may_view(viewer: Actor, workflow: str, subject: Any) -> bool:
    rule = VIEWERS.get(workflow)
    return rule is not None and rule(viewer, subject)
