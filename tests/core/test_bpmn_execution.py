"""Every exported workflow runs in a BPMN engine as it is exported: SpiffWorkflow loads
the file unmodified, a user completes tasks by setting `trigger`, the exclusive
gateways route on it, and timers fire when the engine's clock passes their due
moment (time-machine moves the clock; the engine evaluates the timers' ISO 8601
expressions itself)."""

from __future__ import annotations

import datetime as dt
from collections import deque

import pytest
import time_machine
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.util.task import TaskState

from reserve_flow.core.workflow.bpmn import export_bpmn
from reserve_flow.core.workflow.registry import check_directory
from reserve_flow.runtime import WORKFLOWS_DIR

DEFINITIONS, PROBLEMS = check_directory(WORKFLOWS_DIR)
assert not PROBLEMS, PROBLEMS
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday
# The case's parameters and dates, as process variables: what the timers are computed from.
VARIABLES = {
    "check_period_days": 5,
    "fix_period_days": 3,
    "vote_period_days": 5,
    "due_date": "2026-04-30",
    "term_end": "2029-03-01",
    "planned_on": "2026-05-15",
}


def load(name: str) -> BpmnWorkflow:
    parser = BpmnParser()
    content = export_bpmn(DEFINITIONS[name])
    parser.add_bpmn_xml(etree.ElementTree(etree.fromstring(content)), filename=f"{name}.bpmn")
    process = f"Process_{name}"
    workflow = BpmnWorkflow(parser.get_spec(process), parser.get_subprocess_specs(process))
    workflow.task_tree.data.update(VARIABLES)
    workflow.do_engine_steps()
    return workflow


def waiting(workflow: BpmnWorkflow) -> list[str]:
    """The user tasks open for someone to act on: the workflow's current state."""
    return sorted(
        t.task_spec.name.removeprefix("Task_") for t in workflow.get_tasks(state=TaskState.READY, manual=True)
    )


def act(workflow: BpmnWorkflow, trigger: str) -> None:
    (task,) = workflow.get_tasks(state=TaskState.READY, manual=True)
    task.data["trigger"] = trigger
    task.run()
    workflow.do_engine_steps()


def finished_at(workflow: BpmnWorkflow) -> set[str]:
    """The end events the run reached."""
    return {
        t.task_spec.name
        for t in workflow.get_tasks(state=TaskState.COMPLETED)
        if t.task_spec.name.startswith(("End_", "Escalation_", "WorkflowEscalation_"))
    }


def pass_time(traveller, workflow: BpmnWorkflow, days: int) -> None:
    traveller.shift(dt.timedelta(days=days))
    workflow.refresh_timers()
    workflow.do_engine_steps()


def shortest_path(name: str) -> list[str]:
    """Triggers (not fired by a timer) leading from the initial state to a terminal one."""
    definition = DEFINITIONS[name]
    expiries = {s.deadline.on_expiry for s in definition.states.values() if s.deadline}
    expiries.add(definition.deadline.on_expiry if definition.deadline else None)
    queue = deque([(definition.initial, [])])
    seen = {definition.initial}
    while queue:
        state, path = queue.popleft()
        if definition.states[state].terminal:
            return path
        for t in definition.transitions_from(state):
            if t.trigger in expiries or t.dest in ("=", *seen):
                continue
            seen.add(t.dest)
            queue.append((t.dest, [*path, t.trigger]))
    raise AssertionError(f"{name}: no way to a terminal state")


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_every_workflow_runs_from_start_to_an_end_state_as_exported(name):
    definition = DEFINITIONS[name]
    with time_machine.travel(START, tick=False):
        workflow = load(name)
        state = definition.initial
        for trigger in shortest_path(name):
            assert waiting(workflow) == [state]
            t = definition.transition(trigger, state)
            act(workflow, trigger)
            state = t.dest
        assert workflow.is_completed()
        assert f"End_{state}" in finished_at(workflow)


def test_an_application_returned_for_correction_lapses_when_its_timer_fires():
    with time_machine.travel(START, tick=False) as clock:
        workflow = load("application")
        act(workflow, "submit")
        act(workflow, "return_for_fix")
        assert waiting(workflow) == ["returned"]
        # fix_period_days = 3 working days: the engine waits five calendar days.
        pass_time(clock, workflow, 4)
        assert waiting(workflow) == ["returned"]
        pass_time(clock, workflow, 2)
        assert waiting(workflow) == []
        assert workflow.is_completed()
        assert finished_at(workflow) == {"End_lapsed"}


def test_a_document_check_past_its_period_notifies_and_the_case_goes_on():
    with time_machine.travel(START, tick=False) as clock:
        workflow = load("application")
        act(workflow, "submit")
        pass_time(clock, workflow, 8)  # check_period_days = 5 working days: one week
        assert "Escalation_submitted" in finished_at(workflow)
        assert waiting(workflow) == ["submitted"]  # the timer does not interrupt
        act(workflow, "admit")
        assert waiting(workflow) == ["admitted"]


def test_the_reserve_term_ends_the_membership_from_whichever_state_it_is_in():
    with time_machine.travel(START, tick=False) as clock:
        workflow = load("reserve")
        act(workflow, "agree_plan")
        act(workflow, "extend_term")  # a reflexive step: back in the same state
        assert waiting(workflow) == ["plan_agreed"]
        pass_time(clock, workflow, 365)
        assert waiting(workflow) == ["plan_agreed"]
        pass_time(clock, workflow, 3 * 365)  # past term_end
        assert workflow.is_completed()
        assert finished_at(workflow) == {"End_excluded"}


def test_a_vacancy_past_its_planned_date_warns_once_and_runs_on():
    with time_machine.travel(START, tick=False) as clock:
        workflow = load("appointment")
        act(workflow, "shortlist")
        pass_time(clock, workflow, 90)  # past planned_on
        assert "WorkflowEscalation_appointment" in finished_at(workflow)
        act(workflow, "send_to_attestation")
        act(workflow, "draft_order")
        act(workflow, "number_order")
        assert waiting(workflow) == ["order_numbered"]  # nothing takes effect before the signature
        act(workflow, "sign_order")
        act(workflow, "close")
        assert workflow.is_completed()
        assert "End_closed" in finished_at(workflow)


def test_a_gateway_routes_on_the_trigger_the_user_task_set():
    with time_machine.travel(START, tick=False):
        workflow = load("application")
        act(workflow, "submit")
        act(workflow, "refuse")
        assert workflow.is_completed()
        assert finished_at(workflow) == {"End_refused"}


def test_a_plan_item_past_its_due_date_warns_and_can_still_be_done():
    with time_machine.travel(START, tick=False) as clock:
        workflow = load("plan_item")
        act(workflow, "approve")
        pass_time(clock, workflow, 59)  # 30 April, the due date, has not ended yet
        assert "Escalation_planned" not in finished_at(workflow)
        pass_time(clock, workflow, 2)  # it has, in any time zone
        assert "Escalation_planned" in finished_at(workflow)
        assert waiting(workflow) == ["planned"]
        act(workflow, "submit")
        act(workflow, "accept")
        assert workflow.is_completed()
        assert "End_accepted" in finished_at(workflow)
