"""A workflow as BPMN 2.0 XML (the OMG schema), with diagram coordinates, so that
bpmn.io, Camunda Modeler and other standard modelers open and show it.

The mapping: a start event leads to the initial state; each non-terminal state is a
user task (documentation: who acts, the actions, the deadline); each terminal state
an end event; each transition a sequence flow named with its action (documentation:
roles and guards). A state with more than one way out decides through an exclusive
gateway whose flows carry `action == trigger` conditions. A deadline is a boundary
timer on its task: interrupting, with the expiry transition leaving through it, when
the deadline moves the case; otherwise non-interrupting, leading to a notification.
The layout is Graphviz's (`dot -Tjson0`), not a home-made one.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from reserve_flow.core.workflow import labels
from reserve_flow.core.workflow.definition import StateDef, TransitionDef, WorkflowDef
from reserve_flow.core.workflow.diagram import render

MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NAMESPACES = {"bpmn": MODEL, "bpmndi": BPMNDI, "dc": DC, "di": DI, "xsi": XSI}
EXPORTER = "reserve-flow"

# Shape sizes as bpmn.io draws them (tasks a little wider for Russian labels).
SIZES = {"startEvent": (36, 36), "endEvent": (36, 36), "userTask": (120, 80), "exclusiveGateway": (50, 50),
         "boundaryEvent": (36, 36)}
MARGIN = 40
POINTS_PER_INCH = 72


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
    lines = [f"Кто действует: {labels.roles_long(actors)}." if actors else "Действует система."]
    lines.append("Действия: " + "; ".join(f"«{t.label('ru')}» ({labels.roles_long(t.roles)})" for t in ways_out) + ".")
    if state.deadline:
        expiry = definition.transition(state.deadline.on_expiry or "", state.name)
        lines.append(labels.deadline_long(state.deadline, expiry))
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
            p.nodes[node_id] = _Node(node_id, "userTask", name=state.label("ru"), documentation=_task_documentation(
                definition, state, definition.transitions_from(state.name)))
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
            p.add_flow(_Flow(_id("Flow", state.name, t.trigger), decision, _state_node(dest), name=t.label("ru"),
                             documentation=labels.transition_doc(t),
                             condition=_condition(t) if decision != task.id else None))
    p.add_flow(_Flow(_id("Link", "start"), start.id, _state_node(definition.states[definition.initial])))
    return p


def _add_timer(p: _Process, definition: WorkflowDef, state: StateDef, task: _Node) -> None:
    deadline = state.deadline
    assert deadline is not None
    expiry = definition.transition(deadline.on_expiry or "", state.name)
    timer = _Timer(_id("Timer", state.name), task.id, name=labels.deadline_short(deadline).removeprefix("⏱ "),
                   duration=_timer_duration(state), date=_timer_date(state), interrupting=expiry is not None,
                   documentation=f"{labels.UNITS_LONG[deadline.calendar]}. {labels.deadline_long(deadline, expiry)}")
    p.timers[timer.id] = timer
    if expiry is not None:
        dest = state if expiry.dest == "=" else definition.states[expiry.dest]
        p.add_flow(_Flow(_id("Flow", state.name, expiry.trigger), timer.id, _state_node(dest),
                         name=expiry.label("ru"), documentation=labels.transition_doc(expiry)))
    elif deadline.escalate_to:
        notice = _Node(_id("Escalation", state.name), "endEvent", event="message",
                       name=f"Срок истёк: уведомление — {labels.roles_long([deadline.escalate_to]).lower()}",
                       documentation="Дело остаётся в прежнем состоянии; напоминание и уведомление "
                                     "отправляет планировщик сроков.")
        p.nodes[notice.id] = notice
        p.add_flow(_Flow(_id("Link", state.name, "escalation"), timer.id, notice.id))


# --- layout -----------------------------------------------------------------

@dataclass
class _Layout:
    height: float
    centres: dict[str, tuple[float, float]]
    waypoints: dict[str, list[tuple[float, float]]]
    label_centres: dict[str, tuple[float, float]]


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wrap(text: str, width: int = 22) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _layout_source(p: _Process) -> str:
    """The process as DOT with BPMN's shape sizes; a flow leaving a boundary timer is laid
    out from the bottom of the timer's task, where the timer sits."""
    lines = ["digraph bpmn {", 'rankdir=LR; nodesep=0.5; ranksep=0.7; splines=polyline;',
             'node [fixedsize=true label=""]; edge [fontname=Arial fontsize=11];']
    shapes = {"startEvent": "circle", "endEvent": "circle", "userTask": "box", "exclusiveGateway": "diamond"}
    for node in p.nodes.values():
        w, h = SIZES[node.kind]
        lines.append(f"{_quote(node.id)} [shape={shapes[node.kind]} width={w / POINTS_PER_INCH:.4f} "
                     f"height={h / POINTS_PER_INCH:.4f}];")
    for flow in p.flows:
        attrs = [f"id={_quote(flow.id)}"]
        source = flow.source
        if source in p.timers:
            source = p.timers[source].attached_to
            attrs.append("tailport=s")
        if flow.name:
            attrs.append(f"label={_quote(chr(10).join(_wrap(flow.name)))}")
        lines.append(f"{_quote(source)} -> {_quote(flow.target)} [{' '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines)


def _point(text: str) -> tuple[float, float]:
    x, y = text.split(",")[:2]
    return float(x), float(y)


def _spline(pos: str) -> list[tuple[float, float]]:
    """A Graphviz edge `pos` (cubic Bézier control points, optional s/e end points) as a
    polyline: each segment's ends and middle."""
    start = end = None
    points: list[tuple[float, float]] = []
    for token in pos.split():
        if token.startswith("s,"):
            start = _point(token[2:])
        elif token.startswith("e,"):
            end = _point(token[2:])
        else:
            points.append(_point(token))
    line = [points[0]]
    for i in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[i:i + 4]
        mid = tuple((a + 3 * b + 3 * c + d) / 8 for a, b, c, d in zip(p0, p1, p2, p3, strict=True))
        line.extend([mid, p3])  # type: ignore[list-item]
    if start:
        line.insert(0, start)
    if end:
        line.append(end)
    return line


def _layout(p: _Process) -> _Layout:
    data = json.loads(render(_layout_source(p), "json0"))
    height = float(data["bb"].split(",")[3])
    centres = {obj["name"]: _point(obj["pos"]) for obj in data.get("objects", [])}
    waypoints, label_centres = {}, {}
    for edge in data.get("edges", []):
        waypoints[edge["id"]] = _spline(edge["pos"])
        if "lp" in edge:
            label_centres[edge["id"]] = _point(edge["lp"])
    return _Layout(height, centres, waypoints, label_centres)


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
    process = _el(definitions, MODEL, "process", {"id": _id("Process", definition.name),
                                                   "name": definition.label("ru"), "isExecutable": "false"})
    _documentation(process, f"Процесс «{definition.label('ru')}» системы reserve-flow "
                            f"(файл workflows/{definition.path.name if definition.path else definition.name}). "
                            "Сроки в рабочих днях считаются по производственному календарю РФ.")
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
        element = _el(process, MODEL, "boundaryEvent", {
            "id": timer.id, "name": timer.name, "attachedToRef": timer.attached_to,
            "cancelActivity": "true" if timer.interrupting else "false"})
        _documentation(element, timer.documentation)
        for ref in timer.outgoing:
            _el(element, MODEL, "outgoing", text=ref)
        definition_el = _el(element, MODEL, "timerEventDefinition", {"id": f"{timer.id}_definition"})
        _el(definition_el, MODEL, "timeDate" if timer.date else "timeDuration",
            {f"{{{XSI}}}type": "bpmn:tFormalExpression"}, timer.date or timer.duration)
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


def _diagram(definitions: ET.Element, definition: WorkflowDef, p: _Process, layout: _Layout) -> None:
    def flip(point: tuple[float, float]) -> tuple[float, float]:
        # Graphviz's y axis points up, BPMN DI's down.
        return point[0] + MARGIN, layout.height - point[1] + MARGIN

    diagram = _el(definitions, BPMNDI, "BPMNDiagram", {"id": _id("BPMNDiagram", definition.name)})
    plane = _el(diagram, BPMNDI, "BPMNPlane", {"id": _id("BPMNPlane", definition.name),
                                               "bpmnElement": _id("Process", definition.name)})
    boxes: dict[str, tuple[float, float, float, float]] = {}
    for node in p.nodes.values():
        w, h = SIZES[node.kind]
        cx, cy = flip(layout.centres[node.id])
        boxes[node.id] = (cx - w / 2, cy - h / 2, w, h)
        attrib = {"id": f"{node.id}_di", "bpmnElement": node.id}
        if node.kind == "exclusiveGateway":
            attrib["isMarkerVisible"] = "true"
        _bounds(_el(plane, BPMNDI, "BPMNShape", attrib), *boxes[node.id])
    timer_bottoms = {}
    for timer in p.timers.values():
        x, y, w, h = boxes[timer.attached_to]
        tw, th = SIZES["boundaryEvent"]
        # On the middle of the task's lower border, where its flows were laid out from.
        tx, ty = x + w / 2 - tw / 2, y + h - th / 2
        timer_bottoms[timer.id] = (tx + tw / 2, ty + th)
        _bounds(_el(plane, BPMNDI, "BPMNShape", {"id": f"{timer.id}_di", "bpmnElement": timer.id}), tx, ty, tw, th)
    for flow in p.flows:
        edge = _el(plane, BPMNDI, "BPMNEdge", {"id": f"{flow.id}_di", "bpmnElement": flow.id})
        points = [flip(pt) for pt in layout.waypoints[flow.id]]
        if flow.source in timer_bottoms:
            points[0] = timer_bottoms[flow.source]
        for x, y in points:
            _el(edge, DI, "waypoint", {"x": f"{x:.0f}", "y": f"{y:.0f}"})
        if flow.name and flow.id in layout.label_centres:
            lines = _wrap(flow.name)
            w, h = max(len(line) for line in lines) * 6.5, 14 * len(lines)
            cx, cy = flip(layout.label_centres[flow.id])
            _bounds(_el(edge, BPMNDI, "BPMNLabel"), cx - w / 2, cy - h / 2, w, h)


def export_bpmn(definition: WorkflowDef) -> bytes:
    """The workflow as a BPMN 2.0 document (UTF-8 bytes with an XML declaration).
    Raises diagram.DiagramUnavailable when Graphviz is not installed (the layout is its)."""
    for prefix, uri in NAMESPACES.items():
        ET.register_namespace(prefix, uri)
    p = _process(definition)
    layout = _layout(p)
    definitions = ET.Element(f"{{{MODEL}}}definitions", {
        "id": _id("Definitions", definition.name),
        "targetNamespace": f"urn:reserve-flow:workflow:{definition.name}",
        "exporter": EXPORTER,
        "exporterVersion": _version(),
    })
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
