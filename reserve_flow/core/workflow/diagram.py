"""Workflow diagrams: a Graphviz DOT graph drawn from a WorkflowDef, and the same
graph with one case's path on it, rendered by Graphviz's `dot` program.

Why not transitions.extensions.diagrams (GraphMachine): it draws a *model attached to
a machine* — graphs are kept per model in `machine.model_graphs`, rebuilt on every
`add_model` and restyled inside every transition. Our machines are shared and bind
no rows (registry.Carrier); drawing a case through GraphMachine would mean attaching
a model to a graph-enabled shared machine (a new graph built for each carrier the
engine attaches, on every fire) or a machine per case, which DESIGN rules out. It
also only marks the current state and the last transition, not the whole path, and
knows nothing of roles, deadlines or terminal states, so its node and edge styling
would have to be replaced anyway. Drawing from the definition (the rule book) and
the audit chain (the path) needs neither a machine nor a model.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import graphviz
from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.workflow import labels
from reserve_flow.core.workflow.definition import TransitionDef, WorkflowDef

FONT = "Arial"
START = "__start__"
# Colours of the site (templates/base.html): ink, muted, accent; amber for "now".
INK, MUTED, ACCENT = "#1d2733", "#5b6776", "#1f5fa8"
CURRENT_FILL, CURRENT_LINE, VISITED_FILL = "#ffe08a", "#b26a00", "#dbe8f7"


def available() -> bool:
    """Whether Graphviz's `dot` (Debian package graphviz) is on PATH; pages say so when not."""
    return shutil.which("dot") is not None


class DiagramUnavailable(RuntimeError):
    """Graphviz's `dot` program is not installed where the diagram was asked for."""

    def __init__(self) -> None:
        super().__init__("Не найдена программа Graphviz (dot): установите пакет graphviz.")


@dataclass(frozen=True)
class CasePath:
    """Where one case is and how it got there, from its audit chain."""

    current: str
    states: frozenset[str]  # every state the case has been in, the current one included
    steps: frozenset[tuple[str, str, str]]  # (source, trigger, destination) of each transition fired


def case_path(session: Session, definition: WorkflowDef, subject: Any) -> CasePath:
    """The subject's path: the initial state, then the transitions of its audit history."""
    rows = session.execute(
        select(AuditEvent.from_state, AuditEvent.trigger, AuditEvent.to_state)
        .where(AuditEvent.subject_type == definition.subject, AuditEvent.subject_id == subject.id,
               AuditEvent.kind == "transition")
        .order_by(AuditEvent.seq)
    ).all()
    states = {definition.initial, subject.state}
    steps = set()
    for source, trigger, dest in rows:
        states.update(s for s in (source, dest) if s)
        steps.add((source or "", trigger or "", dest or ""))
    return CasePath(current=subject.state, states=frozenset(states), steps=frozenset(steps))


def _edges(definition: WorkflowDef) -> list[tuple[str, str, TransitionDef]]:
    """(source, destination, transition) for every way out of every state; "=" stays put."""
    return [(source, source if t.dest == "=" else t.dest, t)
            for t in definition.transitions for source in t.sources]


def _expiry(definition: WorkflowDef) -> set[tuple[str, str]]:
    """(state, trigger) of the transitions a deadline fires when it passes: a state's
    own, and the whole case's from each state it runs through."""
    steps = {(name, s.deadline.on_expiry) for name, s in definition.states.items()
             if s.deadline and s.deadline.on_expiry}
    case_deadline = definition.deadline
    if case_deadline and case_deadline.on_expiry:
        steps |= {(name, case_deadline.on_expiry) for name, s in definition.states.items() if not s.terminal}
    return steps


def workflow_graph(definition: WorkflowDef, *, case: CasePath | None = None,
                   params: labels.ParamLookup | None = None) -> graphviz.Digraph:
    """The workflow as a directed graph: states (terminal ones double-bordered, a clock
    note on those with a deadline), transitions labelled with the action and the roles
    (dashed when a deadline fires them). With `case`, its current state and path are
    highlighted; `params` resolves deadline lengths taken from the subject."""
    graph = graphviz.Digraph(
        name=definition.name,
        graph_attr={"rankdir": "TB", "label": definition.label("ru"), "labelloc": "t", "fontname": FONT,
                    "fontsize": "16", "nodesep": "0.5", "ranksep": "0.6", "bgcolor": "white"},
        node_attr={"shape": "box", "style": "rounded,filled", "fillcolor": "white", "color": MUTED,
                   "fontname": FONT, "fontsize": "12", "fontcolor": INK, "margin": "0.15,0.08"},
        edge_attr={"fontname": FONT, "fontsize": "10", "color": MUTED, "fontcolor": MUTED,
                   "arrowsize": "0.7"},
    )
    graph.node(START, label="", shape="circle", style="filled", fillcolor=INK, color=INK,
               width="0.22", fixedsize="true", id="start", tooltip="Начало")
    start_style = {"color": ACCENT, "penwidth": "2"} if case else {}
    graph.edge(START, definition.initial, **start_style)

    for name, state in definition.states.items():
        text = state.label("ru")
        attrs: dict[str, str] = {"id": f"state-{name}", "tooltip": state.label("ru")}
        if state.deadline:
            text += "\n" + labels.deadline_short(state.deadline, params)
            expiry = definition.transition(state.deadline.on_expiry or "", name)
            attrs["tooltip"] += ". " + labels.deadline_long(state.deadline, expiry)
        if state.terminal:
            attrs["peripheries"] = "2"
        classes = ["state"]
        if case and name == case.current:
            classes.append("current")
            attrs.update(fillcolor=CURRENT_FILL, color=CURRENT_LINE, penwidth="2.5", fontname=f"{FONT} Bold")
        elif case and name in case.states:
            classes.append("visited")
            attrs.update(fillcolor=VISITED_FILL, color=ACCENT, penwidth="1.5")
        attrs["class"] = " ".join(classes)
        graph.node(name, label=text, **attrs)

    if definition.deadline:
        # A deadline over the whole case (the reserve term, a vacancy's planned date)
        # belongs to no state: a note beside the graph says it.
        expiry = next((t for t in definition.transitions if t.trigger == definition.deadline.on_expiry), None)
        graph.node("case_deadline", id="case-deadline", shape="note", style="filled", fillcolor="white",
                   label="Срок всего дела\n" + labels.deadline_short(definition.deadline, params),
                   tooltip=labels.deadline_long(definition.deadline, expiry))

    expiry_steps = _expiry(definition)
    for source, dest, t in _edges(definition):
        attrs = {"id": f"t-{source}-{t.trigger}", "tooltip": labels.transition_doc(t)}
        classes = ["transition"]
        if (source, t.trigger) in expiry_steps:
            attrs["style"] = "dashed"
            classes.append("expiry")
        if case and (source, t.trigger, dest) in case.steps:
            classes.append("taken")
            attrs.update(color=ACCENT, fontcolor=ACCENT, penwidth="2.2")
        attrs["class"] = " ".join(classes)
        graph.edge(source, dest, label=f"{t.label('ru')}\n[{labels.roles_short(t)}]", **attrs)
    return graph


def case_graph(session: Session, definition: WorkflowDef, subject: Any) -> graphviz.Digraph:
    """The workflow with this subject's path highlighted and its deadline lengths filled in."""
    return workflow_graph(definition, case=case_path(session, definition, subject),
                          params=subject.workflow_param)


def render(graph: graphviz.Digraph | str, fmt: str = "svg") -> bytes:
    """Lay out and render with `dot`; raises DiagramUnavailable when it is not installed."""
    source = graph if isinstance(graph, str) else graph.source
    return _pipe(source, fmt)


@lru_cache(maxsize=64)
def _pipe(source: str, fmt: str) -> bytes:
    # Cached by the DOT text: the rules change only with a restart, and cases at the
    # same point of the same path draw the same picture.
    try:
        return graphviz.pipe("dot", fmt, source.encode("utf-8"))
    except graphviz.ExecutableNotFound:
        raise DiagramUnavailable() from None
