"""A workflow as BPMN 2.0 XML (the OMG schema), with diagram coordinates, so that
bpmn.io, Camunda Modeler and other standard modelers open and show it, and a BPMN
engine (SpiffWorkflow) runs it as it is.

The mapping: a start event leads to the initial state; each non-terminal state is a
user task (documentation: who acts, the actions, the deadline) in the lane of the role
that acts in it; each terminal state a terminate end event (the case is over, its
timers with it); each transition a sequence flow named with its action (documentation:
roles and guards). Completing a task sets the process variable `trigger` to the action
taken; a state with more than one way out decides through an exclusive gateway whose
flows carry `trigger == "..."` conditions, in Python, the expression language the
definitions declare. A deadline is a boundary timer on its task: interrupting, with
the expiry transition leaving through it, when the deadline moves the case; otherwise
non-interrupting, leading to a notification. A deadline over the whole case that moves
it is an interrupting timer on every task (a date, so the same moment on each); one
that only warns, an event subprocess with a non-interrupting timer start event. Timers
hold ISO 8601 durations or dates (working days as the calendar days of five-day
weeks); what reserve-flow itself counts, and everything else the TOML says and BPMN
has no word for, is kept in rf: extension elements (EXTENSION), which bpmn_import
reads back.
The layout is the diagrams' own (diagram.layered_layout: grandalf's layered
Sugiyama layout, left to right), so the shapes, waypoints and label places come from
pure Python with no system program.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from reserve_flow.core.workflow import labels
from reserve_flow.core.workflow.definition import DeadlineDef, StateDef, TransitionDef, WorkflowDef
from reserve_flow.core.workflow.diagram import Box, Link, Placement, layered_layout, text_width, wrap

MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
# Our extension elements: what a workflow file says that BPMN has no attribute for.
EXTENSION = "urn:reserve-flow:bpmn:1"
NAMESPACES = {"bpmn": MODEL, "bpmndi": BPMNDI, "dc": DC, "di": DI, "xsi": XSI, "rf": EXTENSION}
# Conditions and timer expressions are Python expressions over the process variables
# (SpiffWorkflow's PythonScriptEngine evaluates them).
EXPRESSION_LANGUAGE = "https://docs.python.org/3/reference/expressions.html"
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
POOL_STRIP = 30  # the band on a pool's and a lane's left where bpmn.io writes their names
_DEADLINE_LINK = "_deadline"  # places the case's deadline box; not drawn
LABEL_SIZE = 11  # bpmn.io's label font size, px
LABEL_LINE = 14


@dataclass
class _Node:
    id: str
    kind: str  # startEvent, userTask, exclusiveGateway, endEvent
    name: str = ""
    documentation: str = ""
    event: str | None = None  # "message" for a notification end event, "terminate" for a terminal state
    extension: tuple[str, dict[str, str]] | None = None  # an rf: element and its attributes
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)


@dataclass
class _Timer:
    id: str
    attached_to: str
    name: str
    documentation: str
    interrupting: bool
    expression: str  # a Python expression giving an ISO 8601 duration or date
    date: bool  # timeDate instead of timeDuration
    extension: dict[str, str]
    outgoing: list[str] = field(default_factory=list)


@dataclass
class _Flow:
    id: str
    source: str
    target: str
    name: str = ""
    documentation: str = ""
    condition: str | None = None
    extension: dict[str, str] | None = None


@dataclass
class _WorkflowDeadline:
    """The case's deadline that only warns: an event subprocess whose non-interrupting
    timer start event leads to a notice end event."""

    id: str
    timer: _Timer
    end: _Node
    flow: _Flow


@dataclass
class _Process:
    nodes: dict[str, _Node] = field(default_factory=dict)
    timers: dict[str, _Timer] = field(default_factory=dict)
    flows: list[_Flow] = field(default_factory=list)
    lanes: dict[str, list[str]] = field(default_factory=dict)  # role -> flow node ids
    deadline: _WorkflowDeadline | None = None

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


def _words(values: tuple[str, ...] | list[str]) -> str:
    return " ".join(values)


def _state_extension(state: StateDef) -> tuple[str, dict[str, str]]:
    attrib = {"name": state.name}
    if state.label_en:
        attrib["labelEn"] = state.label_en
    return "state", attrib


def _transition_extension(t: TransitionDef) -> dict[str, str]:
    attrib = {"trigger": t.trigger, "roles": _words(t.roles)}
    if t.dest == "=":
        attrib["dest"] = "="
    if t.guards:
        attrib["guards"] = _words(t.guards)
    if t.reason_required:
        attrib["reasonRequired"] = "true"
    if t.notify:
        attrib["notify"] = _words(t.notify)
    if t.label_en:
        attrib["labelEn"] = t.label_en
    return attrib


def deadline_extension(deadline: DeadlineDef, scope: str) -> dict[str, str]:
    """The rf:deadline attributes: the deadline as reserve-flow counts it (`scope` is
    "state" or "workflow"), which the timer's ISO expression only approximates."""
    attrib = {"scope": scope, "calendar": deadline.calendar}
    if deadline.until:
        attrib["until"] = deadline.until
    elif isinstance(deadline.days, int):
        attrib["workingDays" if deadline.calendar == "working" else "calendarDays"] = str(deadline.days)
    else:
        attrib["param"] = deadline.days
    attrib["actor"] = deadline.actor
    if deadline.remind_before:
        attrib["remindBefore"] = _words([str(d) for d in deadline.remind_before])
    if deadline.escalate_to:
        attrib["escalateTo"] = deadline.escalate_to
    if deadline.on_expiry:
        attrib["onExpiry"] = deadline.on_expiry
    return attrib


def calendar_days(days: int, calendar: str) -> int:
    """The calendar days a timer waits for `days` of the deadline: working days as
    whole five-day weeks and the rest (the production calendar's holidays are the
    scheduler's to count, not a BPMN engine's)."""
    return days if calendar == "calendar" else -(-days * 7 // 5)


def timer_expression(deadline: DeadlineDef) -> tuple[str, bool]:
    """The timer's expression (Python, evaluated over the process variables) and whether
    it is a date: a literal ISO 8601 duration for a number of days; a duration computed
    from the subject's parameter; the end of the day of the subject's date."""
    if deadline.until:
        return f'f"{{{deadline.until}}}T23:59:59"', True
    if isinstance(deadline.days, int):
        return f'"P{calendar_days(deadline.days, deadline.calendar)}D"', False
    if deadline.calendar == "calendar":
        return f'f"P{{{deadline.days}}}D"', False
    return f'f"P{{-(-{deadline.days} * 7 // 5)}}D"', False


def _lane_of(state: StateDef, ways_out: list[TransitionDef]) -> str:
    """The role that acts in the state: its deadline's actor, else the first person
    who may move it on, else the system."""
    if state.deadline:
        return state.deadline.actor
    for t in ways_out:
        for role in t.roles:
            if role != "system":
                return role
    return "system"


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
    lines.append("Завершая задачу, исполнитель задаёт переменную trigger — код выбранного действия.")
    return "\n".join(lines)


def _condition(t: TransitionDef) -> str:
    # Guards are reserve-flow's to check when the action is taken; the engine only routes.
    return f'trigger == "{t.trigger}"'


def _process(definition: WorkflowDef) -> _Process:
    p = _Process()
    start = _Node(_id("StartEvent", definition.name), "startEvent", name="Начало")
    p.nodes[start.id] = start
    lane_of: dict[str, str] = {}
    for state in definition.states.values():  # every node first: flows point forwards and back
        node_id = _state_node(state)
        ways_out = definition.transitions_from(state.name)
        if state.terminal:
            name, attrib = _state_extension(state)
            # A terminate end: the case is over, and so are the timers still waiting in it.
            p.nodes[node_id] = _Node(
                node_id, "endEvent", name=state.label("ru"), event="terminate", extension=(name, attrib)
            )
        else:
            lane_of[node_id] = _lane_of(state, ways_out)
            p.nodes[node_id] = _Node(
                node_id,
                "userTask",
                name=state.label("ru"),
                documentation=_task_documentation(definition, state, ways_out),
                extension=_state_extension(state),
            )
    for state in definition.states.values():
        if state.terminal:
            continue
        expiry = state.deadline.on_expiry if state.deadline else None
        ways_out = [t for t in definition.transitions_from(state.name) if t.trigger != expiry]
        if definition.deadline and definition.deadline.on_expiry:
            ways_out = [t for t in ways_out if t.trigger != definition.deadline.on_expiry]
        task = p.nodes[_state_node(state)]
        if state.deadline:
            _add_timer(p, definition, state, task, state.deadline, "state")
        if definition.deadline and definition.deadline.on_expiry:
            _add_timer(p, definition, state, task, definition.deadline, "workflow")
        decision = task.id
        if len(ways_out) > 1:
            gateway = _Node(_id("Gateway", state.name), "exclusiveGateway")
            p.nodes[gateway.id] = gateway
            lane_of[gateway.id] = lane_of[task.id]
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
                    extension=_transition_extension(t),
                )
            )
    initial = _state_node(definition.states[definition.initial])
    p.add_flow(_Flow(_id("Link", "start"), start.id, initial))
    lane_of[start.id] = lane_of.get(initial, "system")
    for timer in p.timers.values():
        lane_of[timer.id] = lane_of[timer.attached_to]
    for node in p.nodes.values():  # ends and notices: in the lane of what leads there first
        if node.id not in lane_of:
            first = next(f.source for f in p.flows if f.target == node.id)
            lane_of[node.id] = lane_of.get(first) or lane_of[p.timers[first].attached_to]
    for node_id, role in lane_of.items():
        p.lanes.setdefault(role, []).append(node_id)
    if definition.deadline and not definition.deadline.on_expiry:
        p.deadline = _workflow_deadline(definition)
        p.lanes.setdefault(definition.deadline.actor, []).append(p.deadline.id)
    return p


def _workflow_deadline(definition: WorkflowDef) -> _WorkflowDeadline:
    """A case deadline that only warns: an event subprocess whose non-interrupting timer
    start event fires once while the case runs. (One that moves the case is a timer on
    every task instead: SpiffWorkflow does not interrupt for an event subprocess, and a
    timer date is the same moment whichever task it waits on.)"""
    deadline = definition.deadline
    assert deadline is not None
    expression, is_date = timer_expression(deadline)
    timer = _Timer(
        _id("WorkflowTimer", definition.name),
        "",
        name=labels.deadline_short(deadline).removeprefix("⏱ "),
        expression=expression,
        date=is_date,
        interrupting=False,
        documentation=(
            f"{labels.UNITS_LONG[deadline.calendar]}. Срок всего дела: открывается с началом дела, закрывается, "
            f"когда дело завершено. {labels.deadline_long(deadline, None, definition.name)}"
        ),
        extension=deadline_extension(deadline, "workflow"),
    )
    end = _Node(
        _id("WorkflowEscalation", definition.name),
        "endEvent",
        event="message",
        name=_notice_name(deadline.escalate_to, definition.name),
        documentation="Дело остаётся в прежнем состоянии; напоминание и уведомление отправляет планировщик сроков.",
    )
    flow = _Flow(_id("Link", "workflow", "escalation"), timer.id, end.id)
    timer.outgoing.append(flow.id)
    end.incoming.append(flow.id)
    return _WorkflowDeadline(_id("WorkflowDeadline", definition.name), timer, end, flow)


def _notice_name(role: str | None, workflow: str) -> str:
    if role is None:
        return "Срок истёк: напоминание"
    return f"Срок истёк: уведомление — {labels.roles_long([role], workflow).lower()}"


def _add_timer(
    p: _Process, definition: WorkflowDef, state: StateDef, task: _Node, deadline: DeadlineDef, scope: str
) -> None:
    expiry = definition.transition(deadline.on_expiry or "", state.name)
    expression, is_date = timer_expression(deadline)
    timer = _Timer(
        _id("Timer" if scope == "state" else "WorkflowTimer", state.name),
        task.id,
        name=labels.deadline_short(deadline).removeprefix("⏱ "),
        expression=expression,
        date=is_date,
        interrupting=expiry is not None,
        documentation=(
            f"{labels.UNITS_LONG[deadline.calendar]}. "
            + ("Срок всего дела, ждёт на каждой задаче. " if scope == "workflow" else "")
            + labels.deadline_long(deadline, expiry, definition.name)
        ),
        extension=deadline_extension(deadline, scope),
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
                extension=_transition_extension(expiry),
            )
        )
    else:
        notice = _Node(
            _id("Escalation", state.name),
            "endEvent",
            event="message",
            name=_notice_name(deadline.escalate_to, definition.name),
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
    timer_of = {timer.attached_to: timer for timer in reversed(p.timers.values())}  # the first, for its room
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
    if p.deadline:  # the case's deadline: a box in its lane, placed as if the start led to it
        width, height = _subprocess_size(p.deadline)
        boxes[p.deadline.id] = Box(width, height)
        links.append(Link(_DEADLINE_LINK, start, p.deadline.id))
    lane_index = {role: i for i, role in enumerate(p.lanes)}
    lanes = {node: lane_index[role] for role, members in p.lanes.items() for node in members if node in boxes}
    return layered_layout(
        boxes,
        links,
        first=start,
        direction="LR",
        node_gap=30,
        rank_gap=40,
        label_side=True,
        margin=MARGIN + POOL_STRIP,
        lanes=lanes,
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


def _extension(parent: ET.Element, tag: str, attrib: dict[str, str]) -> None:
    _el(_el(parent, MODEL, "extensionElements"), EXTENSION, tag, attrib)


def _flow_node(parent: ET.Element, node: _Node) -> ET.Element:
    element = _el(parent, MODEL, node.kind, {"id": node.id, **({"name": node.name} if node.name else {})})
    _documentation(element, node.documentation)
    if node.extension:
        _extension(element, *node.extension)
    for ref in node.incoming:
        _el(element, MODEL, "incoming", text=ref)
    for ref in node.outgoing:
        _el(element, MODEL, "outgoing", text=ref)
    if node.event:
        _el(element, MODEL, f"{node.event}EventDefinition", {"id": f"{node.id}_{node.event}"})
    return element


def _timer_definition(element: ET.Element, timer: _Timer) -> None:
    definition_el = _el(element, MODEL, "timerEventDefinition", {"id": f"{timer.id}_definition"})
    _el(
        definition_el,
        MODEL,
        "timeDate" if timer.date else "timeDuration",
        {f"{{{XSI}}}type": "bpmn:tFormalExpression"},
        timer.expression,
    )


def _sequence_flow(parent: ET.Element, flow: _Flow) -> None:
    attrib = {"id": flow.id, "sourceRef": flow.source, "targetRef": flow.target}
    if flow.name:
        attrib["name"] = flow.name
    element = _el(parent, MODEL, "sequenceFlow", attrib)
    _documentation(element, flow.documentation)
    if flow.extension:
        _extension(element, "transition", flow.extension)
    if flow.condition:
        _el(element, MODEL, "conditionExpression", {f"{{{XSI}}}type": "bpmn:tFormalExpression"}, flow.condition)


def _participant_id(definition: WorkflowDef) -> str:
    return _id("Participant", definition.name)


def _lane_id(role: str) -> str:
    return _id("Lane", role)


def _semantic(definitions: ET.Element, definition: WorkflowDef, p: _Process) -> None:
    process = _el(
        definitions,
        MODEL,
        "process",
        {"id": _id("Process", definition.name), "name": definition.label("ru"), "isExecutable": "true"},
    )
    _documentation(
        process,
        f"Процесс «{definition.label('ru')}» системы reserve-flow "
        f"(файл workflows/{definition.path.name if definition.path else definition.name}). "
        "Сроки в рабочих днях считаются по производственному календарю РФ; таймеры BPMN "
        "ждут столько же пятидневных недель в календарных днях, точный срок — в rf:deadline. "
        "Переменные процесса: trigger (действие, выбранное в задаче), параметры и даты дела, "
        "от которых зависят сроки.",
    )
    head = {"name": definition.name, "subject": definition.subject}
    if definition.label_en:
        head["labelEn"] = definition.label_en
    _extension(process, "workflow", head)
    lane_set = _el(process, MODEL, "laneSet", {"id": _id("LaneSet", definition.name)})
    for role, members in p.lanes.items():
        lane = _el(lane_set, MODEL, "lane", {"id": _lane_id(role), "name": labels.role_name(role, definition.name)})
        _extension(lane, "role", {"name": role})
        for ref in members:
            _el(lane, MODEL, "flowNodeRef", text=ref)
    for node in p.nodes.values():
        _flow_node(process, node)
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
        _extension(element, "deadline", timer.extension)
        for ref in timer.outgoing:
            _el(element, MODEL, "outgoing", text=ref)
        _timer_definition(element, timer)
    for flow in p.flows:
        _sequence_flow(process, flow)
    if p.deadline:
        _event_subprocess(process, p.deadline)


def _event_subprocess(process: ET.Element, d: _WorkflowDeadline) -> None:
    sub = _el(
        process,
        MODEL,
        "subProcess",
        {"id": d.id, "name": f"Срок дела: {d.timer.name}", "triggeredByEvent": "true"},
    )
    timer = d.timer
    start = _el(
        sub,
        MODEL,
        "startEvent",
        {"id": timer.id, "name": timer.name, "isInterrupting": "true" if timer.interrupting else "false"},
    )
    _documentation(start, timer.documentation)
    _extension(start, "deadline", timer.extension)
    for ref in timer.outgoing:
        _el(start, MODEL, "outgoing", text=ref)
    _timer_definition(start, timer)
    _flow_node(sub, d.end)
    _sequence_flow(sub, d.flow)


def _bounds(parent: ET.Element, x: float, y: float, w: float, h: float) -> None:
    # Both corners rounded, so that shapes that share an edge still do in whole pixels.
    left, top, right, bottom = (round(v) for v in (x, y, x + w, y + h))
    _el(parent, DC, "Bounds", {"x": str(left), "y": str(top), "width": str(right - left), "height": str(bottom - top)})


def _diagram(definitions: ET.Element, definition: WorkflowDef, p: _Process, layout: Placement) -> None:
    diagram = _el(definitions, BPMNDI, "BPMNDiagram", {"id": _id("BPMNDiagram", definition.name)})
    plane = _el(
        diagram,
        BPMNDI,
        "BPMNPlane",
        {"id": _id("BPMNPlane", definition.name), "bpmnElement": _id("Collaboration", definition.name)},
    )
    # The pool, and in it a lane per role, each as wide as the drawing.
    top = min(a for a, _ in layout.lanes.values())
    bottom = max(b for _, b in layout.lanes.values())
    left, right = MARGIN / 2, layout.width - MARGIN / 2
    pool = _el(
        plane,
        BPMNDI,
        "BPMNShape",
        {"id": f"{_participant_id(definition)}_di", "bpmnElement": _participant_id(definition), "isHorizontal": "true"},
    )
    _bounds(pool, left, top, right - left, bottom - top)
    for index, role in enumerate(p.lanes):
        a, b = layout.lanes[index]
        lane = _el(
            plane,
            BPMNDI,
            "BPMNShape",
            {"id": f"{_lane_id(role)}_di", "bpmnElement": _lane_id(role), "isHorizontal": "true"},
        )
        _bounds(lane, left + POOL_STRIP, a, right - left - POOL_STRIP, b - a)
    for node in p.nodes.values():
        attrib = {"id": f"{node.id}_di", "bpmnElement": node.id}
        if node.kind == "exclusiveGateway":
            attrib["isMarkerVisible"] = "true"
        shape = _el(plane, BPMNDI, "BPMNShape", attrib)
        _bounds(shape, *layout.boxes[node.id])
        if node.kind in ("startEvent", "endEvent") and node.name:
            _label_under(shape, node.name, layout.boxes[node.id])
    shift: dict[str, float] = {}  # a second timer on a task sits left of the middle
    seen: set[str] = set()
    for timer in p.timers.values():
        x, y, w, h = layout.boxes[timer.attached_to]
        tw, th = SIZES["boundaryEvent"]
        # On the middle of the task's lower border, where its flows were laid out from.
        tx, ty = x + w / 2 - tw / 2, y + h - th / 2
        if timer.attached_to in seen:
            shift[timer.id] = -w / 4
            tx += shift[timer.id]
        seen.add(timer.attached_to)
        shape = _el(plane, BPMNDI, "BPMNShape", {"id": f"{timer.id}_di", "bpmnElement": timer.id})
        _bounds(shape, tx, ty, tw, th)
        _label_under(shape, timer.name, (tx, ty, tw, th))
    for flow in p.flows:
        edge = _el(plane, BPMNDI, "BPMNEdge", {"id": f"{flow.id}_di", "bpmnElement": flow.id})
        route = list(layout.routes[flow.id])
        if flow.source in shift:
            route[0] = (route[0][0] + shift[flow.source], route[0][1])
        for x, y in route:
            _el(edge, DI, "waypoint", {"x": f"{x:.0f}", "y": f"{y:.0f}"})
        if flow.id in layout.labels:
            _bounds(_el(edge, BPMNDI, "BPMNLabel"), *layout.labels[flow.id])
    if p.deadline:
        _event_subprocess_diagram(plane, p.deadline, layout)


def _subprocess_size(d: _WorkflowDeadline) -> tuple[float, float]:
    size = SIZES["startEvent"][0]
    start_h, end_h = _outside_label(d.timer.name)[2], _outside_label(d.end.name)[2]
    return 60 + size + 150 + size + 60, 40 + size + 4 + max(start_h, end_h) + 20


def _event_subprocess_diagram(plane: ET.Element, d: _WorkflowDeadline, layout: Placement) -> None:
    """The case's deadline in its lane: a box with its timer on the left and the
    notice's end on the right, room for the box's name above them."""
    size = SIZES["startEvent"][0]
    x0, y0, width, height = layout.boxes[d.id]
    line_y = y0 + 40 + size / 2
    sx, ex = x0 + 60, x0 + width - 60 - size
    shape = _el(plane, BPMNDI, "BPMNShape", {"id": f"{d.id}_di", "bpmnElement": d.id, "isExpanded": "true"})
    _bounds(shape, x0, y0, width, height)
    for node_id, name, x in ((d.timer.id, d.timer.name, sx), (d.end.id, d.end.name, ex)):
        shape = _el(plane, BPMNDI, "BPMNShape", {"id": f"{node_id}_di", "bpmnElement": node_id})
        _bounds(shape, x, line_y - size / 2, size, size)
        _label_under(shape, name, (x, line_y - size / 2, size, size))
    edge = _el(plane, BPMNDI, "BPMNEdge", {"id": f"{d.flow.id}_di", "bpmnElement": d.flow.id})
    for x in (sx + size, ex):
        _el(edge, DI, "waypoint", {"x": f"{x:.0f}", "y": f"{line_y:.0f}"})


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
            "expressionLanguage": EXPRESSION_LANGUAGE,
            "exporter": EXPORTER,
            "exporterVersion": _version(),
        },
    )
    collaboration = _el(definitions, MODEL, "collaboration", {"id": _id("Collaboration", definition.name)})
    _el(
        collaboration,
        MODEL,
        "participant",
        {"id": _participant_id(definition), "name": "РУО", "processRef": _id("Process", definition.name)},
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
