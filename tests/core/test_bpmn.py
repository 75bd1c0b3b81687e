"""The BPMN 2.0 export of every shipped workflow: well-formed references, one shape per
node and one edge per flow (so a modeler shows it), the mapping of states, transitions,
gateways and deadline timers, the OMG schema, and a BPMN engine's parser."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, BpmnValidator
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, ExclusiveGateway

from reserve_flow.core.workflow.bpmn import BPMNDI, DC, DI, MODEL, export_bpmn
from reserve_flow.core.workflow.registry import check_directory
from reserve_flow.runtime import WORKFLOWS_DIR

DEFINITIONS, PROBLEMS = check_directory(WORKFLOWS_DIR)
assert not PROBLEMS, PROBLEMS
NAMES = sorted(DEFINITIONS)
FLOW_NODES = ("startEvent", "userTask", "exclusiveGateway", "endEvent", "boundaryEvent")
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def m(tag: str) -> str:
    return f"{{{MODEL}}}{tag}"


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
    return {e.get("id"): e for e in process if e.tag in {m(t) for t in FLOW_NODES}}


def flows_of(process):
    return {e.get("id"): e for e in process.findall(m("sequenceFlow"))}


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


def test_every_node_has_a_shape_and_every_flow_an_edge_with_waypoints(exported):
    _, _, root = exported
    process = process_of(root)
    nodes, flows = nodes_of(process), flows_of(process)
    diagram = root.find(f"{{{BPMNDI}}}BPMNDiagram")
    plane = diagram.find(f"{{{BPMNDI}}}BPMNPlane")
    assert plane.get("bpmnElement") == process.get("id")
    shapes = {s.get("bpmnElement"): s for s in plane.findall(f"{{{BPMNDI}}}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in plane.findall(f"{{{BPMNDI}}}BPMNEdge")}
    assert set(shapes) == set(nodes)
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
        expiry = state.deadline.on_expiry if state.deadline else None
        ways_out = [t for t in definition.transitions_from(name) if t.trigger != expiry]
        if len(ways_out) > 1:
            assert f"Gateway_{name}" in gateways
            for t in ways_out:
                flow = flows[f"Flow_{name}_{t.trigger}"]
                assert flow.get("sourceRef") == f"Gateway_{name}"
                condition = flow.find(m("conditionExpression"))
                assert f"action == '{t.trigger}'" in condition.text
                assert condition.get(XSI_TYPE) == "bpmn:tFormalExpression"
        else:
            assert f"Gateway_{name}" not in gateways
            assert flows[f"Flow_{name}_{ways_out[0].trigger}"].get("sourceRef") == f"Task_{name}"


def test_deadlines_are_boundary_timers_and_expiry_leaves_through_them(exported):
    definition, _, root = exported
    process = process_of(root)
    timers = {t.get("attachedToRef"): t for t in process.findall(m("boundaryEvent"))}
    flows = flows_of(process)
    with_deadline = {name for name, s in definition.states.items() if s.deadline}
    assert {ref.removeprefix("Task_") for ref in timers} == with_deadline
    for name in with_deadline:
        deadline = definition.states[name].deadline
        timer = timers[f"Task_{name}"]
        if deadline.until:  # until a date of the subject: a timer date
            moment = timer.find(f"{m('timerEventDefinition')}/{m('timeDate')}")
            assert moment.text == "${" + deadline.until + "}"
        else:
            duration = timer.find(f"{m('timerEventDefinition')}/{m('timeDuration')}")
            expected = f"P{deadline.days}D" if isinstance(deadline.days, int) else "${" + deadline.days + "}"
            assert duration.text == expected
        assert "рабочие дни" in timer.findtext(m("documentation"))
        if deadline.on_expiry:
            assert timer.get("cancelActivity") == "true"
            assert flows[f"Flow_{name}_{deadline.on_expiry}"].get("sourceRef") == timer.get("id")
        else:
            assert timer.get("cancelActivity") == "false"
            (out,) = timer.findall(m("outgoing"))
            assert flows[out.text].get("targetRef") == f"Escalation_{name}"


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


def test_a_bpmn_engine_parses_the_process(exported):
    """SpiffWorkflow builds a process spec from it: gateways and timers included. The export
    is a model, not an executable process, so the engine's copy is marked executable first."""
    definition, content, _ = exported
    document = etree.fromstring(content)
    process = document.find(m("process"))
    process.set("isExecutable", "true")
    parser = BpmnParser()
    parser.add_bpmn_xml(etree.ElementTree(document), filename=f"{definition.name}.bpmn")
    spec = parser.get_spec(process.get("id"))
    kinds = Counter(type(s) for s in spec.task_specs.values())
    assert kinds[BoundaryEvent] == sum(1 for s in definition.states.values() if s.deadline)
    assert kinds[ExclusiveGateway] == len(process.findall(m("exclusiveGateway")))
    for state in definition.states.values():
        assert f"{'End' if state.terminal else 'Task'}_{state.name}" in spec.task_specs
