"""The BPMN 2.0 export of every shipped workflow: well-formed references, one shape per
node and one edge per flow (so a modeler shows it), labels clear of the shapes, the
mapping of states, transitions, gateways, lanes and deadline timers with their rf:
extension elements, the OMG schema, and a BPMN engine's parser (the runs are in
test_bpmn_execution.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, BpmnValidator
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, ExclusiveGateway

from reserve_flow.core.workflow.bpmn import BPMNDI, DC, DI, EXPRESSION_LANGUAGE, EXTENSION, MODEL, export_bpmn
from reserve_flow.core.workflow.bpmn_import import import_bpmn
from reserve_flow.core.workflow.definition import load_definition
from reserve_flow.core.workflow.registry import check_directory
from reserve_flow.core.workflow.subjects import subject_types
from reserve_flow.runtime import WORKFLOWS_DIR

DEFINITIONS, PROBLEMS = check_directory(WORKFLOWS_DIR)
assert not PROBLEMS, PROBLEMS
NAMES = sorted(DEFINITIONS)
FLOW_NODES = ("startEvent", "userTask", "exclusiveGateway", "endEvent", "boundaryEvent")
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def m(tag: str) -> str:
    return f"{{{MODEL}}}{tag}"


def rf(element, tag: str):
    """The rf: extension element of a BPMN element, or None."""
    return element.find(f"{m('extensionElements')}/{{{EXTENSION}}}{tag}")


@pytest.fixture(scope="module", params=NAMES)
def exported(request):
    definition = DEFINITIONS[request.param]
    content = export_bpmn(definition)
    return definition, content, ET.fromstring(content)


def process_of(root):
    processes = root.findall(m("process"))
    assert len(processes) == 1
    return processes[0]


def nodes_of(process):
    """Flow nodes of the process and of its event subprocess (the case's deadline)."""
    nodes = {}
    for e in process.iter():
        if e.tag in {m(t) for t in FLOW_NODES}:
            nodes[e.get("id")] = e
    return nodes


def flows_of(process):
    return {e.get("id"): e for e in process.iter(m("sequenceFlow"))}


def boxes_of(root):
    """Each shape's bounds and each label's bounds from the BPMNDI, by element id."""
    shapes, labels = {}, {}

    def bounds(element):
        b = element.find(f"{{{DC}}}Bounds")
        return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))

    for shape in root.iter(f"{{{BPMNDI}}}BPMNShape"):
        shapes[shape.get("bpmnElement")] = bounds(shape)
    for element in [*root.iter(f"{{{BPMNDI}}}BPMNShape"), *root.iter(f"{{{BPMNDI}}}BPMNEdge")]:
        label = element.find(f"{{{BPMNDI}}}BPMNLabel")
        if label is not None:
            labels[element.get("bpmnElement")] = bounds(label)
    return shapes, labels


def test_ids_are_unique_and_every_reference_resolves(exported):
    _, _, root = exported
    ids = Counter(e.get("id") for e in root.iter() if e.get("id"))
    assert [i for i, n in ids.items() if n > 1] == []
    process = process_of(root)
    nodes, flows = nodes_of(process), flows_of(process)
    for flow in flows.values():
        assert flow.get("sourceRef") in nodes, flow.get("id")
        assert flow.get("targetRef") in nodes, flow.get("id")
    for node in nodes.values():  # incoming/outgoing agree with the flows
        for ref in node.findall(m("incoming")):
            assert flows[ref.text].get("targetRef") == node.get("id")
        for ref in node.findall(m("outgoing")):
            assert flows[ref.text].get("sourceRef") == node.get("id")
    for timer in process.findall(m("boundaryEvent")):
        assert nodes[timer.get("attachedToRef")].tag == m("userTask")
    lanes = process.findall(f"{m('laneSet')}/{m('lane')}")
    placed = [ref.text for lane in lanes for ref in lane.findall(m("flowNodeRef"))]
    top_level = {e.get("id") for e in process if e.tag in {m(t) for t in (*FLOW_NODES, "subProcess")}}
    assert sorted(placed) == sorted(top_level)  # each node in exactly one lane


def test_every_node_has_a_shape_and_every_flow_an_edge_with_waypoints(exported):
    _, _, root = exported
    process = process_of(root)
    nodes, flows = nodes_of(process), flows_of(process)
    diagram = root.find(f"{{{BPMNDI}}}BPMNDiagram")
    plane = diagram.find(f"{{{BPMNDI}}}BPMNPlane")
    (collaboration,) = root.findall(m("collaboration"))
    (participant,) = collaboration.findall(m("participant"))
    assert participant.get("processRef") == process.get("id")
    assert plane.get("bpmnElement") == collaboration.get("id")
    shapes = {s.get("bpmnElement"): s for s in plane.findall(f"{{{BPMNDI}}}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in plane.findall(f"{{{BPMNDI}}}BPMNEdge")}
    containers = {e.get("id") for e in [*process.findall(m("subProcess")), *process.iter(m("lane")), participant]}
    assert set(shapes) == set(nodes) | containers
    assert set(edges) == set(flows)
    boxes = {}
    for element, shape in shapes.items():
        b = shape.find(f"{{{DC}}}Bounds")
        x, y, w, h = (float(b.get(k)) for k in ("x", "y", "width", "height"))
        assert x >= 0 and y >= 0 and w > 0 and h > 0
        boxes[element] = (x, y, w, h)

    def near(point, box, slack=3.0):
        x, y, w, h = box
        return x - slack <= point[0] <= x + w + slack and y - slack <= point[1] <= y + h + slack

    for element, edge in edges.items():
        points = [(float(p.get("x")), float(p.get("y"))) for p in edge.findall(f"{{{DI}}}waypoint")]
        assert len(points) >= 2
        flow = flows[element]
        assert near(points[0], boxes[flow.get("sourceRef")]), element  # starts at its source
        assert near(points[-1], boxes[flow.get("targetRef")]), element  # ends at its target
    for timer in process.findall(m("boundaryEvent")):
        tx, ty, tw, th = boxes[timer.get("id")]
        x, y, w, h = boxes[timer.get("attachedToRef")]
        assert x <= tx + tw / 2 <= x + w and ty + th / 2 == pytest.approx(y + h)  # on its task's border


def test_states_are_tasks_and_end_events_named_in_russian(exported):
    definition, _, root = exported
    process = process_of(root)
    assert process.get("name") == definition.label("ru")
    tasks = {e.get("name"): e for e in process.findall(m("userTask"))}
    ends = {e.get("name") for e in process.findall(m("endEvent"))}
    for state in definition.states.values():
        if state.terminal:
            assert state.label("ru") in ends
        else:
            task = tasks[state.label("ru")]
            assert "Кто действует" in task.findtext(m("documentation"))
    starts = process.findall(m("startEvent"))
    assert len(starts) == 1
    first = flows_of(process)[starts[0].find(m("outgoing")).text]
    assert first.get("targetRef") == f"Task_{definition.initial}"


def test_every_transition_is_a_named_flow_documenting_roles_and_guards(exported):
    definition, _, root = exported
    flows = flows_of(process_of(root))
    for t in definition.transitions:
        for source in t.sources:
            flow = flows[f"Flow_{source}_{t.trigger}"]
            assert flow.get("name") == t.label("ru")
            documentation = flow.findtext(m("documentation"))
            assert documentation.startswith("Кто: ")
            for guard in t.guards:
                assert guard in documentation
            dest = source if t.dest == "=" else t.dest
            prefix = "End" if definition.states[dest].terminal else "Task"
            assert flow.get("targetRef") == f"{prefix}_{dest}"


def test_a_state_with_several_ways_out_decides_in_an_exclusive_gateway(exported):
    definition, _, root = exported
    process = process_of(root)
    gateways = {g.get("id") for g in process.findall(m("exclusiveGateway"))}
    flows = flows_of(process)
    for name, state in definition.states.items():
        if state.terminal:
            continue
        expiries = {state.deadline.on_expiry if state.deadline else None}
        expiries.add(definition.deadline.on_expiry if definition.deadline else None)
        ways_out = [t for t in definition.transitions_from(name) if t.trigger not in expiries]
        if len(ways_out) > 1:
            assert f"Gateway_{name}" in gateways
            for t in ways_out:
                flow = flows[f"Flow_{name}_{t.trigger}"]
                assert flow.get("sourceRef") == f"Gateway_{name}"
                condition = flow.find(m("conditionExpression"))
                assert condition.text == f'trigger == "{t.trigger}"'
                assert condition.get(XSI_TYPE) == "bpmn:tFormalExpression"
        else:
            assert f"Gateway_{name}" not in gateways
            assert flows[f"Flow_{name}_{ways_out[0].trigger}"].get("sourceRef") == f"Task_{name}"


def _expected_timer(deadline):
    """The timer's text for a deadline: a Python expression giving ISO 8601."""
    if deadline.until:
        return "timeDate", 'f"{' + deadline.until + '}T23:59:59"'
    if isinstance(deadline.days, int):
        days = deadline.days if deadline.calendar == "calendar" else -(-deadline.days * 7 // 5)
        return "timeDuration", f'"P{days}D"'
    return "timeDuration", 'f"P{-(-' + deadline.days + ' * 7 // 5)}D"'


def test_deadlines_are_boundary_timers_and_expiry_leaves_through_them(exported):
    definition, _, root = exported
    process = process_of(root)
    timers = {
        t.get("attachedToRef"): t
        for t in process.findall(m("boundaryEvent"))
        if rf(t, "deadline").get("scope") == "state"
    }
    flows = flows_of(process)
    with_deadline = {name for name, s in definition.states.items() if s.deadline}
    assert {ref.removeprefix("Task_") for ref in timers} == with_deadline
    for name in with_deadline:
        deadline = definition.states[name].deadline
        timer = timers[f"Task_{name}"]
        kind, text = _expected_timer(deadline)
        assert timer.find(f"{m('timerEventDefinition')}/{m(kind)}").text == text
        assert "рабочие дни" in timer.findtext(m("documentation"))
        extension = rf(timer, "deadline")
        assert extension.get("actor") == deadline.actor
        if deadline.until:
            assert extension.get("until") == deadline.until
        elif isinstance(deadline.days, int):
            assert extension.get("workingDays") == str(deadline.days)
        else:
            assert extension.get("param") == deadline.days
        if deadline.on_expiry:
            assert timer.get("cancelActivity") == "true"
            assert flows[f"Flow_{name}_{deadline.on_expiry}"].get("sourceRef") == timer.get("id")
        else:
            assert timer.get("cancelActivity") == "false"
            (out,) = timer.findall(m("outgoing"))
            assert flows[out.text].get("targetRef") == f"Escalation_{name}"


def test_the_twenty_working_days_of_an_attestation_wait_four_weeks_and_say_so():
    root = ET.fromstring(export_bpmn(DEFINITIONS["appointment"]))
    timer = next(t for t in root.iter(m("boundaryEvent")) if t.get("attachedToRef") == "Task_attestation")
    assert timer.findtext(f"{m('timerEventDefinition')}/{m('timeDuration')}") == '"P28D"'
    assert rf(timer, "deadline").attrib == {
        "scope": "state",
        "calendar": "working",
        "workingDays": "20",
        "actor": "hr",
        "remindBefore": "5",
        "escalateTo": "admin",
    }


def test_the_reserve_term_is_a_timer_date_on_every_task_leading_to_exclusion():
    root = ET.fromstring(export_bpmn(DEFINITIONS["reserve"]))
    process = process_of(root)
    flows = flows_of(process)
    timers = [t for t in process.findall(m("boundaryEvent")) if rf(t, "deadline").get("scope") == "workflow"]
    assert sorted(t.get("attachedToRef") for t in timers) == sorted(
        f"Task_{name}" for name, state in DEFINITIONS["reserve"].states.items() if not state.terminal
    )
    for timer in timers:
        assert timer.get("cancelActivity") == "true"
        assert timer.findtext(f"{m('timerEventDefinition')}/{m('timeDate')}") == 'f"{term_end}T23:59:59"'
        assert rf(timer, "deadline").get("onExpiry") == "expire_term"
        (out,) = timer.findall(m("outgoing"))
        assert flows[out.text].get("targetRef") == "End_excluded"
        assert rf(flows[out.text], "transition").get("guards") == "term_ended"


def test_the_planned_date_of_an_appointment_is_an_event_subprocess_that_warns_once():
    root = ET.fromstring(export_bpmn(DEFINITIONS["appointment"]))
    (sub,) = process_of(root).findall(m("subProcess"))
    assert sub.get("triggeredByEvent") == "true"
    (start,) = sub.findall(m("startEvent"))
    assert start.get("isInterrupting") == "false"
    assert start.findtext(f"{m('timerEventDefinition')}/{m('timeDate')}") == 'f"{planned_on}T23:59:59"'
    assert rf(start, "deadline").get("scope") == "workflow"
    assert rf(start, "deadline").get("escalateTo") == "admin"
    (end,) = sub.findall(m("endEvent"))
    assert end.find(m("messageEventDefinition")) is not None


def test_the_process_is_executable_in_a_declared_expression_language(exported):
    definition, _, root = exported
    assert root.get("expressionLanguage") == EXPRESSION_LANGUAGE
    process = process_of(root)
    assert process.get("isExecutable") == "true"
    head = rf(process, "workflow")
    assert (head.get("name"), head.get("subject")) == (definition.name, definition.subject)
    for condition in process.iter(m("conditionExpression")):
        assert "${" not in condition.text
        compile(condition.text, "condition", "eval")  # Python, as declared
    for timer in process.iter(m("timerEventDefinition")):
        (moment,) = list(timer)
        assert "${" not in moment.text
        compile(moment.text, "timer", "eval")


def test_roles_are_lanes_and_each_task_sits_in_its_actors_lane(exported):
    """In the model and in the drawing: each node's shape lies inside its lane's band,
    the lanes inside the pool, one under another."""
    definition, _, root = exported
    process = process_of(root)
    shapes, _ = boxes_of(root)
    pool = shapes[root.find(f"{m('collaboration')}/{m('participant')}").get("id")]
    lane_of, bands = {}, []
    for lane in process.iter(m("lane")):
        role = rf(lane, "role").get("name")
        x, y, w, h = shapes[lane.get("id")]
        assert pool[0] <= x and x + w <= pool[0] + pool[2] and pool[1] <= y and y + h <= pool[1] + pool[3]
        bands.append((y, y + h))
        for ref in lane.findall(m("flowNodeRef")):
            lane_of[ref.text] = role
            nx, ny, nw, nh = shapes[ref.text]
            assert x <= nx and nx + nw <= x + w and y <= ny and ny + nh <= y + h, ref.text
    bands.sort()
    assert all(a[1] <= b[0] for a, b in zip(bands, bands[1:], strict=False))
    for name, state in definition.states.items():
        if state.terminal:
            continue
        role = lane_of[f"Task_{name}"]
        if state.deadline:
            assert role == state.deadline.actor
        else:
            assert any(role in t.roles for t in definition.transitions_from(name))


def test_labels_lie_clear_of_every_other_shape(exported):
    """bpmn.io draws an event's or a flow's label where its BPMNLabel says: none may
    cover a task, an event or a gateway (the event subprocess is a container)."""
    _, _, root = exported
    shapes, labels = boxes_of(root)
    containers = {
        e.get("id") for e in [*root.iter(m("subProcess")), *root.iter(m("lane")), *root.iter(m("participant"))]
    }

    def overlap(a, b):
        return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]

    assert labels
    for owner, label in labels.items():
        for element, shape in shapes.items():
            if element != owner and element not in containers:
                assert not overlap(label, shape), (owner, element)
    for first, a in labels.items():
        for second, b in labels.items():
            if first < second:
                assert not overlap(a, b), (first, second)


def test_the_application_fix_period_lapses_through_its_timer():
    root = ET.fromstring(export_bpmn(DEFINITIONS["application"]))
    flows = flows_of(process_of(root))
    lapse = flows["Flow_returned_lapse"]
    assert (lapse.get("sourceRef"), lapse.get("targetRef")) == ("Timer_returned", "End_lapsed")
    assert lapse.get("name") == "Истёк срок исправления"


def test_valid_against_the_omg_bpmn_schema(exported):
    _, content, _ = exported
    validator = BpmnValidator().validator  # SpiffWorkflow ships the OMG BPMN20.xsd with its imports
    document = etree.fromstring(content)
    assert validator.validate(document), validator.error_log


def test_a_bpmn_engine_parses_the_process_as_exported(exported):
    """SpiffWorkflow builds a process spec from the file as it is: gateways and timers included."""
    definition, content, _ = exported
    document = etree.fromstring(content)
    process = document.find(m("process"))
    parser = BpmnParser()
    parser.add_bpmn_xml(etree.ElementTree(document), filename=f"{definition.name}.bpmn")
    spec = parser.get_spec(process.get("id"))
    kinds = Counter(type(s) for s in spec.task_specs.values())
    assert kinds[BoundaryEvent] == len(process.findall(m("boundaryEvent")))
    assert kinds[ExclusiveGateway] == len(process.findall(m("exclusiveGateway")))
    for state in definition.states.values():
        assert f"{'End' if state.terminal else 'Task'}_{state.name}" in spec.task_specs


# --- the import ---------------------------------------------------------------


def _parsed(definition):
    """What a workflow file says, as comparable data: states, transitions (by action and
    sources), roles, guards and deadlines."""
    transitions = {
        (t.trigger, tuple(sorted(t.sources))): (t.dest, t.roles, t.guards, t.reason_required, t.notify, t.label_ru)
        for t in definition.transitions
    }
    return (
        definition.name,
        definition.subject,
        definition.initial,
        definition.label_ru,
        definition.label_en,
        definition.states,
        transitions,
        definition.deadline,
    )


def test_a_round_trip_through_bpmn_keeps_the_whole_workflow(exported, tmp_path):
    definition, content, _ = exported
    result = import_bpmn(content, subjects=set(subject_types()))
    assert result.problems == [] and result.errors == []
    path = tmp_path / f"{definition.name}.toml"
    path.write_text(result.toml, encoding="utf-8")
    back, problems = load_definition(path, set(subject_types()))
    assert problems == []
    assert _parsed(back) == _parsed(definition)


# A process drawn in Camunda Modeler (its namespaces, a pool with two lanes, JUEL
# conditions, a service task, a timer boundary event with a bare ISO duration).
CAMUNDA = (Path(__file__).parent / "bpmn" / "camunda_check.bpmn").read_text(encoding="utf-8")


def test_a_camunda_modeler_process_imports_to_a_workflow_that_loads(tmp_path):
    result = import_bpmn(CAMUNDA.encode(), subject="application", subjects=set(subject_types()))
    assert result.errors == []
    path = tmp_path / "check.toml"
    path.write_text(result.toml, encoding="utf-8")
    definition, problems = load_definition(path, set(subject_types()))
    assert problems == []
    assert (definition.name, definition.subject, definition.label_ru) == (
        "process_check",
        "application",
        "Проверка документов кандидата",
    )
    labels = {s.label_ru: s for s in definition.states.values()}
    assert definition.states[definition.initial].label_ru == "Проверить документы"
    assert {name for name, s in labels.items() if s.terminal} == {"Допущен", "Отказано", "Не проверено в срок"}
    check, fix = labels["Проверить документы"].name, labels["Исправить документы"].name
    approve = definition.transition("approve", check)  # the trigger from the gateway's condition
    assert approve.dest == labels["Допущен"].name  # through the service task, which is not kept
    assert approve.roles == ("hr",)  # the lane of the task
    assert approve.label_ru == "Да"
    assert definition.transition("send_back", check).dest == fix
    refuse = definition.transition("flow_refuse", fix)
    assert (refuse.dest, refuse.roles) == (labels["Отказано"].name, ("secretary",))
    deadline = labels["Проверить документы"].deadline
    assert (deadline.days, deadline.calendar, deadline.actor) == (10, "calendar", "hr")
    expiry = definition.transition(deadline.on_expiry, check)
    assert (expiry.dest, expiry.roles) == (labels["Не проверено в срок"].name, ("system",))


def test_what_does_not_map_is_reported_in_russian():
    result = import_bpmn(CAMUNDA.encode())
    problems = "\n".join(result.problems)
    assert "serviceTask «Отправить письмо кандидату»" in problems
    assert "не перенесён" in problems
    assert "10 календарных дней" in problems  # an ISO duration has no working days in it
    assert "Тип дела (subject) не указан" in problems


def test_a_parallel_gateway_and_a_message_event_are_reported_and_the_rest_imported():
    content = CAMUNDA.replace(
        '<bpmn:endEvent id="Event_late"',
        '<bpmn:parallelGateway id="Gateway_par" name="И" /><bpmn:endEvent id="Event_late"',
    ).replace(
        '<bpmn:endEvent id="Event_refused"',
        '<bpmn:intermediateCatchEvent id="Event_msg" name="Письмо получено">'
        '<bpmn:messageEventDefinition id="Message_1" /></bpmn:intermediateCatchEvent><bpmn:endEvent id="Event_refused"',
    )
    result = import_bpmn(content.encode(), subject="application")
    assert any("parallelGateway «И»" in p for p in result.problems)
    assert any("intermediateCatchEvent «Письмо получено»" in p for p in result.problems)
    assert result.errors == []


def test_a_file_that_is_not_bpmn_is_refused_in_russian():
    assert import_bpmn(b"<html/>").problems == ["Это не документ BPMN 2.0 (нет bpmn:definitions)."]
    assert import_bpmn(b"not xml").problems[0].startswith("Файл не читается как XML")
