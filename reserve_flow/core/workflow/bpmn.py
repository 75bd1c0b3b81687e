"""A workflow as BPMN 2.0 XML (the OMG schema), with diagram coordinates, so that
bpmn.io, Camunda Modeler and other standard modelers open and show it.

The mapping: a start event leads to the initial state; each non-terminal state is a
user task (documentation: who acts, the actions, the deadline); each terminal state
an end event; each transition a sequence flow named with its action (documentation:
roles and guards). A state with more than one way out decides through an exclusive
gateway whose flows carry `action == trigger` conditions. A deadline is a boundary
timer on its task: interrupting, with the expiry transition leaving through it, when
the deadline moves the case; otherwise non-interrupting, leading to a notification.
The layout is the diagrams' own (diagram.layered_layout: grandalf's layered
Sugiyama layout, left to right), so the shapes, waypoints and label places come from
pure Python with no system program.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from reserve_flow.core.workflow import labels
from reserve_flow.core.workflow.definition import StateDef, TransitionDef, WorkflowDef
from reserve_flow.core.workflow.diagram import Box, Link, Placement, layered_layout, text_width, wrap

MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NAMESPACES = {"bpmn": MODEL, "bpmndi": BPMNDI, "dc": DC, "di": DI, "xsi": XSI}
EXPORTER = "reserve-flow"

# Shape sizes as bpmn.io draws them (tasks a little wider for Russian labels).
SIZES = {
    "startEvent": (36, 36),
    "endEvent": (36, 36),
    "userTask": (120, 80),
    "exclusiveGateway": (50, 50),
    "boundaryEvent": (36, 36),
}
SHAPES = {"startEvent": "ellipse", "endEvent": "ellipse", "userTask": "rect", "exclusiveGateway": "diamond"}
MARGIN = 40
LABEL_SIZE = 11  # bpmn.io's label font size, px
LABEL_LINE = 14


@dataclass
class _Node:
    id: str
    kind: str  # startEvent, userTask, exclusiveGateway, endEvent
    name: str = ""
    documentation: str = ""
    event: str | None = None  # "message" for a notification end event
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)


@dataclass
class _Timer:
    id: str
    attached_to: str
    name: str
    duration: str
    documentation: str
    interrupting: bool
    date: str | None = None  # timeDate instead of timeDuration
    outgoing: list[str] = field(default_factory=list)


@dataclass
class _Flow:
    id: str
    source: str
    target: str
    name: str = ""
    documentation: str = ""
    condition: str | None = None


@dataclass
class _Process:
    nodes: dict[str, _Node] = field(default_factory=dict)
    timers: dict[str, _Timer] = field(default_factory=dict)
    flows: list[_Flow] = field(default_factory=list)

    def add_flow(self, flow: _Flow) -> None:
        self.flows.append(flow)
        source = self.nodes.get(flow.source) or self.timers[flow.source]
        source.outgoing.append(flow.id)
        self.nodes[flow.target].incoming.append(flow.id)


def _id(*parts: str) -> str:
    """An XML NCName from workflow names (which are identifiers already, but files are data)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", "_".join(parts))


def _state_node(state: StateDef) -> str:
    return _id("End" if state.terminal else "Task", state.name)


def _task_documentation(definition: WorkflowDef, state: StateDef, ways_out: list[TransitionDef]) -> str:
    actors: list[str] = []
    for t in ways_out:
        actors.extend(r for r in t.roles if r != "system" and r not in actors)
    lines = [f"Кто действует: {labels.roles_long(actors, definition.name)}." if actors else "Действует система."]
    lines.append(
        "Действия: "
        + "; ".join(f"«{t.label('ru')}» ({labels.roles_long(t.roles, definition.name)})" for t in ways_out)
        + "."
    )
    if state.deadline:
        expiry = definition.transition(state.deadline.on_expiry or "", state.name)
        lines.append(labels.deadline_long(state.deadline, expiry, definition.name))
    return "\n".join(lines)


def _condition(t: TransitionDef) -> str:
    terms = [f"action == '{t.trigger}'", *t.guards]
    return "${" + " && ".join(terms) + "}"


def _timer_duration(state: StateDef) -> str:
    days = state.deadline.days if state.deadline else 0
    # ISO 8601 when the workflow gives the number; an expression naming the subject's
    # parameter otherwise (the modeler shows it as the timer's value).
    return f"P{days}D" if isinstance(days, int) else "${" + days + "}"


def _timer_date(state: StateDef) -> str | None:
    """For a deadline ending on a date of the subject: that date, as an expression."""
    until = state.deadline.until if state.deadline else None
    return "${" + until + "}" if until else None


def _process(definition: WorkflowDef) -> _Process:
    p = _Process()
    start = _Node(_id("StartEvent", definition.name), "startEvent", name="Начало")
    p.nodes[start.id] = start
    for state in definition.states.values():  # every node first: flows point forwards and back
        node_id = _state_node(state)
        if state.terminal:
            p.nodes[node_id] = _Node(node_id, "endEvent", name=state.label("ru"))
        else:
            p.nodes[node_id] = _Node(
                node_id,
                "userTask",
                name=state.label("ru"),
                documentation=_task_documentation(definition, state, definition.transitions_from(state.name)),
            )
    for state in definition.states.values():
        if state.terminal:
            continue
        expiry = state.deadline.on_expiry if state.deadline else None
        ways_out = [t for t in definition.transitions_from(state.name) if t.trigger != expiry]
        task = p.nodes[_state_node(state)]
        if state.deadline:
            _add_timer(p, definition, state, task)
        decision = task.id
        if len(ways_out) > 1:
            gateway = _Node(_id("Gateway", state.name), "exclusiveGateway")
            p.nodes[gateway.id] = gateway
            p.add_flow(_Flow(_id("Link", state.name, "gateway"), task.id, gateway.id))
            decision = gateway.id
        for t in ways_out:
            dest = state if t.dest == "=" else definition.states[t.dest]
            p.add_flow(
                _Flow(
                    _id("Flow", state.name, t.trigger),
                    decision,
                    _state_node(dest),
                    name=t.label("ru"),
                    documentation=labels.transition_doc(t, definition.name),
                    condition=_condition(t) if decision != task.id else None,
                )
            )
    p.add_flow(_Flow(_id("Link", "start"), start.id, _state_node(definition.states[definition.initial])))
    return p


def _add_timer(p: _Process, definition: WorkflowDef, state: StateDef, task: _Node) -> None:
    deadline = state.deadline
    assert deadline is not None
    expiry = definition.transition(deadline.on_expiry or "", state.name)
    timer = _Timer(
        _id("Timer", state.name),
        task.id,
        name=labels.deadline_short(deadline).removeprefix("⏱ "),
        duration=_timer_duration(state),
        date=_timer_date(state),
        interrupting=expiry is not None,
        documentation=(
            f"{labels.UNITS_LONG[deadline.calendar]}. {labels.deadline_long(deadline, expiry, definition.name)}"
        ),
    )
    p.timers[timer.id] = timer
    if expiry is not None:
        dest = state if expiry.dest == "=" else definition.states[expiry.dest]
        p.add_flow(
            _Flow(
                _id("Flow", state.name, expiry.trigger),
                timer.id,
                _state_node(dest),
                name=expiry.label("ru"),
                documentation=labels.transition_doc(expiry, definition.name),
            )
        )
    elif deadline.escalate_to:
        notice = _Node(
            _id("Escalation", state.name),
            "endEvent",
            event="message",
            name=f"Срок истёк: уведомление — {labels.roles_long([deadline.escalate_to], definition.name).lower()}",
            documentation="Дело остаётся в прежнем состоянии; напоминание и уведомление отправляет планировщик сроков.",
        )
        p.nodes[notice.id] = notice
        p.add_flow(_Flow(_id("Link", state.name, "escalation"), timer.id, notice.id))


# --- layout -----------------------------------------------------------------


def _label_lines(name: str) -> list[str]:
    return wrap(name, 22)


def _outside_label(name: str) -> tuple[list[str], float, float]:
    """An event's label as bpmn.io sets it under the event: lines of about 100 px."""
    lines: list[str] = []
    for word in name.split():
        if lines and text_width(lines[-1] + " " + word, LABEL_SIZE) <= 100:
            lines[-1] += " " + word
        else:
            lines.append(word)
    width = max((text_width(line, LABEL_SIZE) for line in lines), default=0.0) + 4
    return lines, width, LABEL_LINE * len(lines)


def _layout(p: _Process) -> Placement:
    """Left to right, with BPMN's shape sizes. An event keeps room below it for its
    label; a task with a timer keeps room below it for the timer on its border, the
    timer's label under that, and the timer's flows, which leave between the two."""
    timer_of = {timer.attached_to: timer for timer in p.timers.values()}
    radius = SIZES["boundaryEvent"][1] / 2
    boxes = {}
    for node in p.nodes.values():
        w, h = SIZES[node.kind]
        aside = 0.0
        if node.id in timer_of:
            aside = radius + 4 + _outside_label(timer_of[node.id].name)[2] + 4
        elif node.kind in ("startEvent", "endEvent") and node.name:
            aside = 4 + _outside_label(node.name)[2]
        boxes[node.id] = Box(w, h, SHAPES[node.kind], aside)
    links = []
    for flow in p.flows:
        source, tail_aside = flow.source, None
        if source in p.timers:
            source, tail_aside = p.timers[source].attached_to, radius
        label = None
        if flow.name:
            lines = _label_lines(flow.name)
            label = (max(text_width(line, LABEL_SIZE) for line in lines) + 4, LABEL_LINE * len(lines))
        links.append(Link(flow.id, source, flow.target, label, tail_aside))
    start = next(node.id for node in p.nodes.values() if node.kind == "startEvent")
    return layered_layout(
        boxes, links, first=start, direction="LR", node_gap=30, rank_gap=40, label_side=True, margin=MARGIN
    )


# --- XML --------------------------------------------------------------------


def _el(parent: ET.Element, ns: str, tag: str, attrib: dict[str, str] | None = None, text: str | None = None):
    element = ET.SubElement(parent, f"{{{ns}}}{tag}", attrib or {})
    if text is not None:
        element.text = text
    return element


def _documentation(parent: ET.Element, text: str) -> None:
    if text:
        _el(parent, MODEL, "documentation", text=text)


def _semantic(definitions: ET.Element, definition: WorkflowDef, p: _Process) -> None:
    process = _el(
        definitions,
        MODEL,
        "process",
        {"id": _id("Process", definition.name), "name": definition.label("ru"), "isExecutable": "false"},
    )
    _documentation(
        process,
        f"Процесс «{definition.label('ru')}» системы reserve-flow "
        f"(файл workflows/{definition.path.name if definition.path else definition.name}). "
        "Сроки в рабочих днях считаются по производственному календарю РФ.",
    )
    for node in p.nodes.values():
        element = _el(process, MODEL, node.kind, {"id": node.id, **({"name": node.name} if node.name else {})})
        _documentation(element, node.documentation)
        for ref in node.incoming:
            _el(element, MODEL, "incoming", text=ref)
        for ref in node.outgoing:
            _el(element, MODEL, "outgoing", text=ref)
        if node.event == "message":
            _el(element, MODEL, "messageEventDefinition", {"id": f"{node.id}_message"})
    for timer in p.timers.values():
        element = _el(
            process,
            MODEL,
            "boundaryEvent",
            {
                "id": timer.id,
                "name": timer.name,
                "attachedToRef": timer.attached_to,
                "cancelActivity": "true" if timer.interrupting else "false",
            },
        )
        _documentation(element, timer.documentation)
        for ref in timer.outgoing:
            _el(element, MODEL, "outgoing", text=ref)
        definition_el = _el(element, MODEL, "timerEventDefinition", {"id": f"{timer.id}_definition"})
        _el(
            definition_el,
            MODEL,
            "timeDate" if timer.date else "timeDuration",
            {f"{{{XSI}}}type": "bpmn:tFormalExpression"},
            timer.date or timer.duration,
        )
    for flow in p.flows:
        attrib = {"id": flow.id, "sourceRef": flow.source, "targetRef": flow.target}
        if flow.name:
            attrib["name"] = flow.name
        element = _el(process, MODEL, "sequenceFlow", attrib)
        _documentation(element, flow.documentation)
        if flow.condition:
            _el(element, MODEL, "conditionExpression", {f"{{{XSI}}}type": "bpmn:tFormalExpression"}, flow.condition)


def _bounds(parent: ET.Element, x: float, y: float, w: float, h: float) -> None:
    _el(parent, DC, "Bounds", {"x": f"{x:.0f}", "y": f"{y:.0f}", "width": f"{w:.0f}", "height": f"{h:.0f}"})


def _diagram(definitions: ET.Element, definition: WorkflowDef, p: _Process, layout: Placement) -> None:
    diagram = _el(definitions, BPMNDI, "BPMNDiagram", {"id": _id("BPMNDiagram", definition.name)})
    plane = _el(
        diagram,
        BPMNDI,
        "BPMNPlane",
        {"id": _id("BPMNPlane", definition.name), "bpmnElement": _id("Process", definition.name)},
    )
    for node in p.nodes.values():
        attrib = {"id": f"{node.id}_di", "bpmnElement": node.id}
        if node.kind == "exclusiveGateway":
            attrib["isMarkerVisible"] = "true"
        shape = _el(plane, BPMNDI, "BPMNShape", attrib)
        _bounds(shape, *layout.boxes[node.id])
        if node.kind in ("startEvent", "endEvent") and node.name:
            _label_under(shape, node.name, layout.boxes[node.id])
    for timer in p.timers.values():
        x, y, w, h = layout.boxes[timer.attached_to]
        tw, th = SIZES["boundaryEvent"]
        # On the middle of the task's lower border, where its flows were laid out from.
        tx, ty = x + w / 2 - tw / 2, y + h - th / 2
        shape = _el(plane, BPMNDI, "BPMNShape", {"id": f"{timer.id}_di", "bpmnElement": timer.id})
        _bounds(shape, tx, ty, tw, th)
        _label_under(shape, timer.name, (tx, ty, tw, th))
    for flow in p.flows:
        edge = _el(plane, BPMNDI, "BPMNEdge", {"id": f"{flow.id}_di", "bpmnElement": flow.id})
        for x, y in layout.routes[flow.id]:
            _el(edge, DI, "waypoint", {"x": f"{x:.0f}", "y": f"{y:.0f}"})
        if flow.id in layout.labels:
            _bounds(_el(edge, BPMNDI, "BPMNLabel"), *layout.labels[flow.id])


def _label_under(shape: ET.Element, name: str, box: tuple[float, float, float, float]) -> None:
    """An event's label under it, in the room the layout kept there."""
    x, y, w, h = box
    _, width, height = _outside_label(name)
    _bounds(_el(shape, BPMNDI, "BPMNLabel"), x + w / 2 - width / 2, y + h + 4, width, height)


def export_bpmn(definition: WorkflowDef) -> bytes:
    """The workflow as a BPMN 2.0 document (UTF-8 bytes with an XML declaration)."""
    for prefix, uri in NAMESPACES.items():
        ET.register_namespace(prefix, uri)
    p = _process(definition)
    layout = _layout(p)
    definitions = ET.Element(
        f"{{{MODEL}}}definitions",
        {
            "id": _id("Definitions", definition.name),
            "targetNamespace": f"urn:reserve-flow:workflow:{definition.name}",
            "exporter": EXPORTER,
            "exporterVersion": _version(),
        },
    )
    _semantic(definitions, definition, p)
    _diagram(definitions, definition, p, layout)
    ET.indent(definitions)
    return ET.tostring(definitions, encoding="utf-8", xml_declaration=True)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("reserve-flow")
    except PackageNotFoundError:
        return "dev"
