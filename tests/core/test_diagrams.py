"""Workflow diagrams: every state and action on the picture, terminal states, deadlines
and their expiry transitions, a case's path from its audit chain, a legible layout
(nothing drawn over anything else, every arrow on its state), no system program
needed, and the command line."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from reserve_flow.cli import main
from reserve_flow.contest.models.contests import Application, Contest
from reserve_flow.core.workflow.diagram import CURRENT_FILL, case_graph, case_path, render, workflow_graph
from reserve_flow.core.workflow.labels import roles_short
from reserve_flow.core.workflow.registry import check_directory
from reserve_flow.runtime import WORKFLOWS_DIR
from tests.helpers import load_user

SVG = "{http://www.w3.org/2000/svg}"
DEFINITIONS, PROBLEMS = check_directory(WORKFLOWS_DIR)
assert not PROBLEMS, PROBLEMS


def svg_tree(content: bytes) -> ET.Element:
    return ET.fromstring(content)


def svg_texts(root: ET.Element) -> set[str]:
    return {"".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")}


def group(root: ET.Element, element_id: str) -> ET.Element:
    found = [g for g in root.iter(f"{SVG}g") if g.get("id") == element_id]
    assert len(found) == 1, f"no single element {element_id!r} in the SVG"
    return found[0]


def shapes(g: ET.Element) -> list[ET.Element]:
    return [e for e in g.iter() if e.tag in (f"{SVG}rect", f"{SVG}path", f"{SVG}polygon", f"{SVG}ellipse")]


def edge_ids(definition) -> list[tuple[str, str]]:
    return [(source, t.trigger) for t in definition.transitions for source in t.sources]


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_dot_names_every_state_and_action_with_its_roles(name):
    definition = DEFINITIONS[name]
    source = workflow_graph(definition).source
    for state in definition.states.values():
        assert state.label("ru") in source
    for t in definition.transitions:
        assert t.label("ru") in source
    assert f"[{roles_short(definition.transitions[0], name)}]" in source  # roles in short form under the action


def test_each_workflow_names_its_own_case_owner():
    reserve = workflow_graph(DEFINITIONS["reserve"]).source
    assert "Резервист (владелец дела)" in reserve and "Заявитель" not in reserve
    assert "Заявитель (владелец дела)" in workflow_graph(DEFINITIONS["application"]).source


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_svg_shows_every_state_label_and_double_borders_terminal_states(name):
    definition = DEFINITIONS[name]
    root = svg_tree(render(workflow_graph(definition), "svg"))
    texts = svg_texts(root)
    for state in definition.states.values():
        assert state.label("ru") in texts
        borders = len(shapes(group(root, f"state-{state.name}")))
        assert borders == (2 if state.terminal else 1), state.name
    for source, trigger in edge_ids(definition):
        group(root, f"t-{source}-{trigger}")  # every way out of every state is drawn


def test_deadline_shows_a_clock_and_its_expiry_transition_is_dashed():
    definition = DEFINITIONS["application"]
    root = svg_tree(render(workflow_graph(definition, params=lambda name: {"fix_period_days": 3}.get(name, 5)), "svg"))
    texts = svg_texts(root)
    assert "⏱ 3 раб. дн." in texts  # returned: the applicant's fix period
    assert "⏱ 5 раб. дн." in texts  # submitted, admitted, voting
    lapse = group(root, "t-returned-lapse")
    assert any(p.get("stroke-dasharray") for p in lapse.iter(f"{SVG}path"))
    assert not any(p.get("stroke-dasharray") for p in group(root, "t-returned-resubmit").iter(f"{SVG}path"))
    # Without a subject, the rules say where the length comes from.
    source = workflow_graph(definition).source
    assert "⏱ срок исправления по условиям конкурса, раб. дн." in source


def test_a_deadline_over_the_whole_case_is_a_note_and_its_expiry_is_dashed_from_every_state():
    root = svg_tree(render(workflow_graph(DEFINITIONS["reserve"]), "svg"))
    assert {"Срок всего дела", "⏱ до: окончание срока пребывания в резерве"} <= svg_texts(root)
    note = group(root, "case-deadline")
    assert "напоминание за 90, 30 кал. дн." in note.findtext(f"{SVG}title")  # the tooltip
    for state in ("included", "plan_agreed", "developing", "ready"):
        assert "expiry" in _classes(root, f"t-{state}-expire_term")
        assert "expiry" not in _classes(root, f"t-{state}-exclude")
    # A vacancy's planned date: reminders and an escalation, no automatic step.
    appointment = svg_tree(render(workflow_graph(DEFINITIONS["appointment"]), "svg"))
    assert "⏱ до: планируемая дата назначения на вакантную должность" in svg_texts(appointment)


def _fire(runtime, district, who, trigger, reason=None):
    with runtime.transaction() as s:
        application = s.get(Application, district.application_id)
        runtime.engine.fire(application, trigger, load_user(s, district, who), reason=reason)


def _classes(root, element_id):
    return set((group(root, element_id).get("class") or "").split())


def test_case_diagram_highlights_current_state_and_the_path_taken(runtime, district):
    _fire(runtime, district, "applicant", "submit")
    _fire(runtime, district, "secretary", "return_for_fix", reason="Нет подписи на заявлении")
    definition = DEFINITIONS["application"]
    with runtime.sessions() as s:
        application = s.get(Application, district.application_id)
        root = svg_tree(render(case_graph(s, definition, application), "svg"))
    assert "current" in _classes(root, "state-returned")
    assert any(e.get("fill") == CURRENT_FILL for e in shapes(group(root, "state-returned")))
    assert "⏱ 3 раб. дн." in svg_texts(root)  # this contest gives 3 working days to fix
    for state in ("draft", "submitted"):
        assert {"visited"} <= _classes(root, f"state-{state}") and "current" not in _classes(root, f"state-{state}")
    for state in ("admitted", "refused", "lapsed", "withdrawn"):
        assert not {"visited", "current"} & _classes(root, f"state-{state}")
    assert "taken" in _classes(root, "t-draft-submit")
    assert "taken" in _classes(root, "t-submitted-return_for_fix")
    assert "taken" not in _classes(root, "t-submitted-admit")
    assert "taken" not in _classes(root, "t-returned-lapse")


def test_case_path_reads_only_this_subjects_transitions(runtime, district):
    """The contest has transitions of its own in the audit chain; a fresh draft has none."""
    with runtime.sessions() as s:
        application = s.get(Application, district.application_id)
        path = case_path(s, DEFINITIONS["application"], application)
        contest_path = case_path(s, DEFINITIONS["contest"], s.get(Contest, district.contest_id))
    assert path.current == "draft" and path.states == {"draft"} and not path.steps
    assert contest_path.current == "accepting"
    assert contest_path.steps == {("draft", "announce", "announced"), ("announced", "open_acceptance", "accepting")}


def test_drawn_with_no_system_program_and_cached(monkeypatch):
    monkeypatch.setenv("PATH", "")  # no `dot`, nor anything else, to call
    assert shutil.which("dot") is None
    definition = DEFINITIONS["contest"]
    graph = workflow_graph(definition, params=lambda name: 41)  # a picture not drawn by another test
    content = render(graph, "svg")
    assert "Приём заявлений" in svg_texts(svg_tree(content))
    # Drawn once: the same rules give the same picture, from the cache.
    assert render(workflow_graph(definition, params=lambda name: 41), "svg") is content


# --- what a person sees: nothing on top of anything else, arrows on their states ----


def _rect(e: ET.Element) -> tuple[float, float, float, float]:
    return tuple(float(e.get(k)) for k in ("x", "y", "width", "height"))


def _overlap(a, b, slack=0.5) -> bool:
    return (
        a[0] + slack < b[0] + b[2]
        and b[0] + slack < a[0] + a[2]
        and a[1] + slack < b[1] + b[3]
        and b[1] + slack < a[1] + a[3]
    )


def _on_border(point, box, slack=1.5) -> bool:
    x, y, w, h = box
    inside = x - slack <= point[0] <= x + w + slack and y - slack <= point[1] <= y + h + slack
    return inside and min(abs(point[0] - x), abs(point[0] - x - w), abs(point[1] - y), abs(point[1] - y - h)) <= slack


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_states_and_labels_do_not_overlap_and_every_arrow_points_at_its_state(name):
    definition = DEFINITIONS[name]
    root = svg_tree(render(workflow_graph(definition), "svg"))
    boxes = {}
    for state in definition.states.values():
        boxes[state.name] = _rect(group(root, f"state-{state.name}").find(f"{SVG}rect"))  # the outer border
    if definition.deadline:
        points = [
            tuple(map(float, p.split(",")))
            for p in group(root, "case-deadline").find(f"{SVG}polygon").get("points").split()
        ]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        boxes["case-deadline"] = (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
    labels = {}
    for source, trigger in edge_ids(definition):
        edge = group(root, f"t-{source}-{trigger}")
        labels[(source, trigger)] = _rect(edge.find(f"{SVG}rect"))
        t = definition.transition(trigger, source)
        dest = source if t.dest == "=" else t.dest
        tip = tuple(map(float, edge.find(f"{SVG}polygon").get("points").split()[0].split(",")))
        assert _on_border(tip, boxes[dest]), (source, trigger, tip, boxes[dest])  # the arrow touches its state
    things = list(boxes.items()) + list(labels.items())
    for i, (a, box_a) in enumerate(things):
        for b, box_b in things[i + 1 :]:
            assert not _overlap(box_a, box_b), (a, b)
    for (source, trigger), label in labels.items():
        text = [t for t in group(root, f"t-{source}-{trigger}").iter(f"{SVG}text")]
        assert text and all(label[1] <= float(t.get("y")) <= label[1] + label[3] + 2 for t in text)
    width, height = float(root.get("width")), float(root.get("height"))
    for box in things:
        x, y, w, h = box[1]
        assert 0 <= x and x + w <= width and 0 <= y and y + h <= height  # all of it on the picture


def test_a_self_loop_leaves_and_enters_its_own_state():
    root = svg_tree(render(workflow_graph(DEFINITIONS["contest"]), "svg"))
    box = _rect(group(root, "state-accepting").find(f"{SVG}rect"))
    loop = group(root, "t-accepting-extend_acceptance")
    start = tuple(map(float, re.match(r"M([-\d.]+),([-\d.]+)", loop.find(f"{SVG}path").get("d")).groups()))
    tip = tuple(map(float, loop.find(f"{SVG}polygon").get("points").split()[0].split(",")))
    assert _on_border(start, box) and _on_border(tip, box)
    assert " ".join(t.text for t in loop.iter(f"{SVG}text")) == "Продлить приём заявлений [секр.]"  # its label


# --- command line -------------------------------------------------------------


def test_cli_exports_bpmn_dot_and_svg(tmp_path):
    target = tmp_path / "application.bpmn"
    result = CliRunner().invoke(main, ["workflows", "export", "application", "--format", "bpmn", "-o", str(target)])
    assert result.exit_code == 0, result.output
    root = ET.parse(target).getroot()
    assert root.tag == "{http://www.omg.org/spec/BPMN/20100524/MODEL}definitions"

    result = CliRunner().invoke(main, ["workflows", "export", "contest", "--format", "dot"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("digraph contest {")
    assert "Итоги подведены" in result.output

    result = CliRunner().invoke(main, ["workflows", "export", "contest", "--format", "svg"])
    assert result.exit_code == 0, result.output
    assert "Приём заявлений" in svg_texts(svg_tree(result.stdout_bytes))


def test_cli_names_the_known_workflows_for_an_unknown_one():
    result = CliRunner().invoke(main, ["workflows", "export", "vacancy", "--format", "svg"])
    assert result.exit_code == 1
    assert "no workflow 'vacancy' (known: application, appointment, contest, plan_item, reserve)" in result.output
