"""The loaded workflows: one definition and one shared `transitions` machine each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transitions.extensions import LockedMachine

from reserve_flow.core.workflow.definition import WorkflowDef, load_definition
from reserve_flow.core.workflow.errors import DefinitionError
from reserve_flow.core.workflow.guards import GUARDS, GuardContext


class Carrier:
    """What the shared machine moves: the subject's state and the guard context.
    The ORM row itself is never bound to the machine (no trigger methods on rows,
    nothing kept in machine.models after a transition)."""

    def __init__(self, state: str, context: GuardContext) -> None:
        self.state = state
        self.context = context
        self.unmet_guard: tuple[str, str] | None = None


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


def build_machine(definition: WorkflowDef) -> LockedMachine:
    """One machine for every subject of the workflow (model=None; carriers are
    attached per transition). Locked, because web threads and the scheduler share it."""
    transitions = [
        {
            "trigger": t.trigger,
            "source": list(t.sources),
            "dest": t.dest,
            "conditions": [_condition(g) for g in t.guards],
        }
        for t in definition.transitions
    ]
    return LockedMachine(
        model=None,
        states=list(definition.states),
        transitions=transitions,
        initial=definition.initial,
        auto_transitions=False,
        send_event=True,
        name=f"{definition.name}: ",
    )


def subject_types() -> dict[str, type]:
    """Workflow subject name -> ORM class. Subjects declare `__workflow__`."""
    from reserve_flow.appointments.models import Vacancy
    from reserve_flow.contest.models.contests import Application, Contest
    from reserve_flow.reserve.models.membership import ReserveMembership
    from reserve_flow.reserve.models.plan import PlanItem

    return {cls.__workflow__: cls for cls in (Application, Contest, ReserveMembership, PlanItem, Vacancy)}


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

    def definition_for(self, subject: Any) -> WorkflowDef:
        return self.definitions[subject.__workflow__]

    def machine_for(self, subject: Any) -> LockedMachine:
        return self.machines[subject.__workflow__]
