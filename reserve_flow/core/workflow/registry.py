"""The loaded workflows: one definition and one shared `transitions` machine each."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transitions import Machine

from reserve_flow.core.workflow.definition import WorkflowDef, load_definition
from reserve_flow.core.workflow.errors import DefinitionError
from reserve_flow.core.workflow.guards import GUARDS, GuardContext
from reserve_flow.core.workflow.subjects import FOLLOW_UPS, FollowUp, WorkflowSubject, subject_types

if TYPE_CHECKING:
    from reserve_flow.core.audit.models import AuditEvent
    from reserve_flow.core.workflow.engine import Engine


class Carrier:
    """What the shared machine moves for one fire(): the subject's state, the guard
    context, and what the engine does once the machine has moved (`record`: write the
    state, the audit event, the deadlines, the notifications). The ORM row itself is
    never bound to the machine, and the carrier is never added to machine.models: the
    machine's Event runs for it directly, so fires share no mutable state and take no lock."""

    def __init__(
        self, state: str, context: GuardContext, engine: Engine, record: Callable[[Carrier], AuditEvent]
    ) -> None:
        self.state = state
        self.context = context
        self.engine = engine
        self.record = record
        self.unmet_guard: tuple[str, str] | None = None
        self.event: AuditEvent | None = None

    @property
    def subject(self) -> WorkflowSubject:
        return self.context.subject


def _condition(name: str):
    check = GUARDS[name]

    def condition(event: Any) -> bool:
        carrier: Carrier = event.model
        detail = check(carrier.context)
        if detail is None:
            return True
        carrier.unmet_guard = (name, detail)
        return False

    condition.__name__ = f"guard_{name}"
    return condition


def _record(event: Any) -> None:
    carrier: Carrier = event.model
    carrier.event = carrier.record(carrier)


def _follow_up(hook: FollowUp):
    def callback(event: Any) -> None:
        carrier: Carrier = event.model
        hook(carrier.engine, carrier.subject, carrier.event)

    callback.__name__ = f"follow_up_{getattr(hook, '__name__', 'hook')}"
    return callback


def build_machine(definition: WorkflowDef) -> Machine:
    """One machine for every subject of the workflow (model=None). It resolves the
    trigger from the carrier's state, its conditions are the guards, and its
    after-state-change callbacks record the step and then run the follow-ups the
    subject's domain registered. Nothing in it changes after the build, so threads share
    it without a lock."""
    transitions = [
        {
            "trigger": t.trigger,
            "source": list(t.sources),
            "dest": t.dest,
            "conditions": [_condition(g) for g in t.guards],
        }
        for t in definition.transitions
    ]
    return Machine(
        model=None,
        states=list(definition.states),
        transitions=transitions,
        initial=definition.initial,
        auto_transitions=False,
        send_event=True,
        after_state_change=[_record] + [_follow_up(h) for h in FOLLOW_UPS.get(definition.name, [])],
        name=f"{definition.name}: ",
    )


def check_directory(directory: Path) -> tuple[dict[str, WorkflowDef], list[str]]:
    """Load every *.toml in `directory`; return the definitions and all problems."""
    definitions: dict[str, WorkflowDef] = {}
    problems: list[str] = []
    files = sorted(directory.glob("*.toml"))
    if not files:
        problems.append(f"{directory}: no workflow files (*.toml)")
    subjects = set(subject_types())
    for path in files:
        definition, found = load_definition(path, subjects)
        problems.extend(found)
        if definition is None:
            continue
        if definition.name in definitions:
            problems.append(f"{path.name}: workflow {definition.name!r} is defined twice")
        definitions[definition.name] = definition
    return definitions, problems


class Workflows:
    """The rule book: definitions and their machines, by workflow name."""

    def __init__(self, definitions: dict[str, WorkflowDef]) -> None:
        self.definitions = definitions
        self.machines = {name: build_machine(d) for name, d in definitions.items()}

    @classmethod
    def load(cls, directory: Path) -> Workflows:
        definitions, problems = check_directory(directory)
        if problems:
            raise DefinitionError(problems)
        return cls(definitions)

    def definition_for(self, subject: WorkflowSubject) -> WorkflowDef:
        return self.definitions[subject.__workflow__]

    def machine_for(self, subject: WorkflowSubject) -> Machine:
        return self.machines[subject.__workflow__]
