"""The shared machines take no lock: two fires on different subjects of one workflow,
in two threads with their own sessions, check their guards at the same time."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import timedelta

from reserve_flow.contest.models.contests import Application
from reserve_flow.core.workflow.engine import Engine
from reserve_flow.core.workflow.guards import GUARDS, guard
from reserve_flow.core.workflow.registry import Workflows
from tests.helpers import NOW, load_user

SLOW = "test_slow_guard"
intervals: dict[int, tuple[float, float]] = {}

if SLOW not in GUARDS:  # the module may be imported twice (rerun, collection)

    @guard(SLOW, ru="Медленная проверка (тест).", en="Slow check (test).")
    def _slow(context):
        start = time.monotonic()
        time.sleep(0.5)
        intervals[context.subject.id] = (start, time.monotonic())
        return None


def _engine_with_slow_withdraw(runtime) -> Engine:
    """The application workflow with the slow guard on «withdraw»."""
    definition = runtime.workflows.definitions["application"]
    slowed = [
        dataclasses.replace(t, guards=(*t.guards, SLOW)) if t.trigger == "withdraw" else t
        for t in definition.transitions
    ]
    workflows = Workflows(
        {**runtime.workflows.definitions, "application": dataclasses.replace(definition, transitions=slowed)}
    )
    return Engine(workflows, runtime.tz, clock=runtime.engine.clock)


def test_fires_on_two_subjects_run_their_guards_at_the_same_time(runtime, district):
    with runtime.transaction() as s:
        second = Application(
            contest_id=district.contest_id,
            applicant_id=district.users["applicant2"],
            consent_given_at=NOW - timedelta(hours=1),
            consent_text_version="2026-1",
        )
        s.add(second)
        s.flush()
        cases = [(district.application_id, "applicant"), (second.id, "applicant2")]
    engine = _engine_with_slow_withdraw(runtime)
    barrier = threading.Barrier(len(cases))
    outcomes: dict[int, object] = {}
    intervals.clear()

    def run(application_id, who):
        session = runtime.sessions()
        try:
            with session.begin():
                application = session.get(Application, application_id)
                actor = load_user(session, district, who)
                barrier.wait(timeout=10)
                engine.fire(application, "withdraw", actor)
            outcomes[application_id] = "ok"
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[application_id] = exc
        finally:
            session.close()

    threads = [threading.Thread(target=run, args=case) for case in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert outcomes == {case[0]: "ok" for case in cases}
    (start_a, end_a), (start_b, end_b) = (intervals[case[0]] for case in cases)
    assert start_a < end_b and start_b < end_a, intervals  # each guard ran while the other did
    assert engine.workflows.machines["application"].models == []
    with runtime.sessions() as s:
        assert {s.get(Application, case[0]).state for case in cases} == {"withdrawn"}
