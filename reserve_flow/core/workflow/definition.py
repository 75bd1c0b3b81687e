"""Workflow definitions: TOML files in workflows/ read into plain data and validated.

A file has a [workflow] table (name, subject, initial, labels), a [states.NAME]
table per state (labels, `terminal`, an optional [states.NAME.deadline]) and a
[[transitions]] list (trigger, source, dest, roles, guards, reason_required,
notify, labels, page: the page whose own form and rules take the step).
`load_definition` returns the definition together with every
problem found, so that `reserve-flow workflows check` can print them all.
"""

from __future__ import annotations

import tomllib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reserve_flow.core.actors import ROLES
from reserve_flow.core.workflow.guards import GUARDS

# Roles a transition may name beyond the user roles: the case's owner and the
# scheduler acting on a deadline.
PSEUDO_ROLES = ("owner", "system")
CALENDARS = ("working", "calendar")

_WORKFLOW_KEYS = {"name", "subject", "initial", "label_ru", "label_en", "deadline"}
_STATE_KEYS = {"label_ru", "label_en", "terminal", "deadline"}
_DEADLINE_KEYS = {"days", "until", "calendar", "actor", "remind_before", "escalate_to", "on_expiry"}
_TRANSITION_KEYS = {
    "trigger",
    "source",
    "dest",
    "roles",
    "guards",
    "reason_required",
    "notify",
    "label_ru",
    "label_en",
    "page",
}


@dataclass(frozen=True)
class DeadlineDef:
    """A deadline counted from entry (`days`), or ending with a date of the subject
    (`until`, the name of a date attribute: a reserve term's end, say)."""

    days: int | str  # a number, or the name of a subject parameter (workflow_param)
    calendar: str
    actor: str
    remind_before: tuple[int, ...] = ()
    escalate_to: str | None = None
    on_expiry: str | None = None
    until: str | None = None


@dataclass(frozen=True)
class StateDef:
    name: str
    label_ru: str
    label_en: str
    terminal: bool = False
    deadline: DeadlineDef | None = None

    def label(self, language: str = "ru") -> str:
        return self.label_en if language == "en" and self.label_en else self.label_ru


@dataclass(frozen=True)
class TransitionDef:
    trigger: str
    sources: tuple[str, ...]
    dest: str  # a state, or "=" for a reflexive transition (re-enters its source)
    roles: tuple[str, ...]
    guards: tuple[str, ...] = ()
    reason_required: bool = False
    notify: tuple[str, ...] = ()
    label_ru: str = ""
    label_en: str = ""
    # The page whose form and rules take this step (the document check, the commission's
    # page...): never fired through the generic action route nor offered as its button.
    page: str = ""

    def label(self, language: str = "ru") -> str:
        return (self.label_en if language == "en" and self.label_en else self.label_ru) or self.trigger


@dataclass
class WorkflowDef:
    name: str
    subject: str
    initial: str
    label_ru: str
    label_en: str
    states: dict[str, StateDef]
    transitions: list[TransitionDef]
    path: Path | None = None
    # A deadline over the whole case (BPMN: a timer on the process): opened when the
    # case starts, closed when it reaches a terminal state.
    deadline: DeadlineDef | None = None
    _by_trigger_source: dict[tuple[str, str], TransitionDef] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for t in self.transitions:
            for source in t.sources:
                self._by_trigger_source.setdefault((t.trigger, source), t)

    def transition(self, trigger: str, source: str) -> TransitionDef | None:
        return self._by_trigger_source.get((trigger, source))

    def has_trigger(self, trigger: str) -> bool:
        return any(t.trigger == trigger for t in self.transitions)

    def own_page(self, trigger: str) -> str:
        """The page that takes `trigger`, or "" for a step the generic action route may fire."""
        return next((t.page for t in self.transitions if t.trigger == trigger and t.page), "")

    def transitions_from(self, state: str) -> list[TransitionDef]:
        return [t for t in self.transitions if state in t.sources]

    def label(self, language: str = "ru") -> str:
        return self.label_en if language == "en" and self.label_en else self.label_ru


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def load_definition(path: Path, subjects: set[str] | None = None) -> tuple[WorkflowDef | None, list[str]]:
    """Read and validate one workflow file. Returns (definition, problems); the
    definition is None when the file cannot be read at all."""
    where = path.name
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return None, [f"{where}: cannot be read: {exc}"]
    problems: list[str] = []

    def problem(text: str) -> None:
        problems.append(f"{where}: {text}")

    head = raw.get("workflow")
    if not isinstance(head, dict):
        return None, [f"{where}: missing [workflow] table"]
    for key in sorted(set(head) - _WORKFLOW_KEYS):
        problem(f"[workflow]: unknown key {key!r}")
    for key in ("name", "subject", "initial", "label_ru"):
        if not isinstance(head.get(key), str) or not head.get(key):
            problem(f"[workflow]: missing {key!r}")
    for key in sorted(set(raw) - {"workflow", "states", "transitions"}):
        problem(f"unknown table {key!r}")
    if subjects is not None and head.get("subject") and head["subject"] not in subjects:
        problem(f"[workflow]: unknown subject {head['subject']!r} (known: {', '.join(sorted(subjects))})")

    known_roles = set(ROLES) | set(PSEUDO_ROLES)
    states: dict[str, StateDef] = {}
    raw_states = raw.get("states")
    if not isinstance(raw_states, dict) or not raw_states:
        problem("no [states.*] tables")
        raw_states = {}
    for name, table in raw_states.items():
        if not isinstance(table, dict):
            problem(f"state {name!r}: expected a table")
            continue
        for key in sorted(set(table) - _STATE_KEYS):
            problem(f"state {name!r}: unknown key {key!r}")
        if not table.get("label_ru"):
            problem(f"state {name!r}: missing label_ru")
        deadline = None
        if "deadline" in table:
            deadline = _read_deadline(name, table["deadline"], known_roles, problem)
        states[name] = StateDef(
            name=name,
            label_ru=str(table.get("label_ru", name)),
            label_en=str(table.get("label_en", "")),
            terminal=bool(table.get("terminal", False)),
            deadline=deadline,
        )

    transitions: list[TransitionDef] = []
    seen: dict[tuple[str, str], str] = {}
    for index, table in enumerate(_as_list(raw.get("transitions"))):
        trigger = table.get("trigger") if isinstance(table, dict) else None
        label = f"transition {trigger!r}" if trigger else f"transition #{index + 1}"
        if not isinstance(table, dict) or not trigger:
            problem(f"{label}: missing 'trigger'")
            continue
        for key in sorted(set(table) - _TRANSITION_KEYS):
            problem(f"{label}: unknown key {key!r}")
        sources = [str(s) for s in _as_list(table.get("source"))]
        dest = str(table.get("dest", ""))
        if not sources:
            problem(f"{label}: missing 'source'")
        for source in sources:
            if source in ("*", "="):
                problem(f"{label}: wildcard source {source!r} is not allowed; list the states")
            elif source not in states:
                problem(f"{label}: unknown source state {source!r}")
            elif states[source].terminal:
                problem(f"{label}: leaves terminal state {source!r}")
            key = (trigger, source)
            if key in seen:
                problem(f"{label}: ambiguous trigger: {trigger!r} from {source!r} is defined twice")
            seen[key] = dest
        if dest != "=" and dest not in states:  # "=": stay in the state it was fired from
            problem(f"{label}: unknown destination state {dest!r}")
        roles = [str(r) for r in _as_list(table.get("roles"))]
        if not roles:
            problem(f"{label}: no roles may fire it")
        for role in roles:
            if role not in known_roles:
                problem(f"{label}: unknown role {role!r}")
        guards = [str(g) for g in _as_list(table.get("guards"))]
        for name in guards:
            if name not in GUARDS:
                problem(f"{label}: unknown guard {name!r}")
        notify = [str(r) for r in _as_list(table.get("notify"))]
        for role in notify:
            if role not in known_roles or role == "system":
                problem(f"{label}: cannot notify unknown role {role!r}")
        if not table.get("label_ru"):
            problem(f"{label}: missing label_ru")
        page = table.get("page", "")
        if not isinstance(page, str):
            problem(f"{label}: 'page' must be the name of the page that takes this step")
            page = ""
        transitions.append(
            TransitionDef(
                trigger=str(trigger),
                sources=tuple(sources),
                dest=dest,
                roles=tuple(roles),
                guards=tuple(guards),
                reason_required=bool(table.get("reason_required", False)),
                notify=tuple(notify),
                label_ru=str(table.get("label_ru", "")),
                label_en=str(table.get("label_en", "")),
                page=page,
            )
        )
    if not transitions:
        problem("no [[transitions]]")

    definition = WorkflowDef(
        name=str(head.get("name", path.stem)),
        subject=str(head.get("subject", "")),
        initial=str(head.get("initial", "")),
        label_ru=str(head.get("label_ru", "")),
        label_en=str(head.get("label_en", "")),
        states=states,
        transitions=transitions,
        path=path,
        deadline=_read_deadline(None, head["deadline"], set(ROLES) | set(PSEUDO_ROLES), problem)
        if "deadline" in head
        else None,
    )
    _check_graph(definition, problem)
    return definition, problems


def _read_deadline(state: str | None, table: Any, known_roles: set[str], problem) -> DeadlineDef | None:
    label = f"state {state!r} deadline" if state else "[workflow.deadline]"
    if not isinstance(table, dict):
        problem(f"{label}: expected a table")
        return None
    for key in sorted(set(table) - _DEADLINE_KEYS):
        problem(f"{label}: unknown key {key!r}")
    days = table.get("days")
    until = table.get("until")
    if until is not None:
        if days is not None or not isinstance(until, str):
            problem(f"{label}: give either 'days' or 'until' (the name of a date of the subject), not both")
        days = 0
    elif isinstance(days, bool) or not isinstance(days, (int, str)) or (isinstance(days, int) and days < 1):
        problem(f"{label}: 'days' must be a positive number or the name of a subject parameter")
        days = 1
    calendar = table.get("calendar", "working")
    if calendar not in CALENDARS:
        problem(f"{label}: 'calendar' must be one of {', '.join(CALENDARS)}, got {calendar!r}")
    actor = table.get("actor")
    if actor not in known_roles or actor == "system":
        problem(f"{label}: unknown 'actor' role {actor!r}")
    escalate_to = table.get("escalate_to")
    if escalate_to is not None and (escalate_to not in known_roles or escalate_to == "system"):
        problem(f"{label}: unknown 'escalate_to' role {escalate_to!r}")
    reminders = _as_list(table.get("remind_before"))
    for r in reminders:
        if isinstance(r, bool) or not isinstance(r, int) or r < 1 or (isinstance(days, int) and 0 < days <= r):
            problem(f"{label}: reminder {r!r} must be a positive number of days below the deadline's length")
    return DeadlineDef(
        days=days,
        calendar=str(calendar),
        actor=str(actor),
        remind_before=tuple(sorted({int(r) for r in reminders if isinstance(r, int)}, reverse=True)),
        escalate_to=escalate_to,
        on_expiry=table.get("on_expiry"),
        until=until if isinstance(until, str) else None,
    )


def _check_graph(wf: WorkflowDef, problem) -> None:
    if wf.initial and wf.initial not in wf.states:
        problem(f"[workflow]: initial state {wf.initial!r} is not defined")
        return
    reachable = {wf.initial}
    queue = deque([wf.initial])
    while queue:
        state = queue.popleft()
        for t in wf.transitions_from(state):
            if t.dest in wf.states and t.dest not in reachable:
                reachable.add(t.dest)
                queue.append(t.dest)
    for name, state in wf.states.items():
        if name not in reachable:
            problem(f"state {name!r} cannot be reached from {wf.initial!r}")
        if not state.terminal and not wf.transitions_from(name):
            problem(f"state {name!r} is not terminal and has no way out")
        if wf.deadline and wf.deadline.on_expiry and not state.terminal:
            t = wf.transition(wf.deadline.on_expiry, name)
            if t is None or "system" not in t.roles:
                problem(
                    f"[workflow.deadline]: expiry trigger {wf.deadline.on_expiry!r} must leave state {name!r} "
                    "and allow role 'system'"
                )
        if state.deadline and state.deadline.on_expiry:
            t = wf.transition(state.deadline.on_expiry, name)
            if t is None:
                problem(
                    f"state {name!r} deadline: expiry trigger {state.deadline.on_expiry!r} does not leave this state"
                )
            elif "system" not in t.roles:
                problem(
                    f"state {name!r} deadline: expiry trigger {state.deadline.on_expiry!r} must allow role 'system'"
                )
