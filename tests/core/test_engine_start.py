"""Starting a case through the engine, and a deadline over the whole case that
follows a date of the subject (as a reserve term follows its end date)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from reserve_flow.contest.models.contests import Contest
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.deadlines.models import Deadline
from reserve_flow.runtime import WORKFLOWS_DIR
from tests.helpers import NOW, load_user

IRKUTSK = ZoneInfo("Asia/Irkutsk")
TERM = """
[workflow.deadline]
until = "accept_to"
calendar = "calendar"
actor = "secretary"
remind_before = [3]
"""


@pytest.fixture
def term_runtime(tmp_path, monkeypatch, settings):
    """The shipped workflows, with the contest given a deadline over the whole case."""
    from reserve_flow import runtime as runtime_module

    for path in WORKFLOWS_DIR.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        if path.name == "contest.toml":
            text = text.replace('label_en = "Reserve contest"\n', 'label_en = "Reserve contest"\n' + TERM, 1)
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(runtime_module, "WORKFLOWS_DIR", tmp_path)
    rt = runtime_module.Runtime(settings)
    rt.engine.clock = lambda: NOW
    yield rt
    rt.dispose()


def open_deadlines(rt, contest_id):
    with rt.sessions() as s:
        return s.scalars(
            select(Deadline)
            .where(Deadline.subject_type == "contest", Deadline.subject_id == contest_id, Deadline.closed_at.is_(None))
            .order_by(Deadline.id)
        ).all()


def test_start_records_the_case_and_opens_its_deadlines(term_runtime, district):
    rt = term_runtime
    with rt.transaction() as s:
        contest = Contest(
            title="Новый конкурс",
            accept_from=date(2026, 12, 1),
            accept_to=date(2026, 12, 20),
            secretary_id=district.users["secretary"],
        )
        s.add(contest)
        event = rt.engine.start(contest, load_user(s, district, "secretary"))
        contest_id = contest.id
    assert (event.trigger, event.from_state, event.to_state) == ("start", None, "draft")
    [term] = open_deadlines(rt, contest_id)
    assert term.scope == "workflow" and term.due_at.astimezone(IRKUTSK) == datetime(2026, 12, 21, tzinfo=IRKUTSK)
    assert (term.actor_role, term.remind_before) == ("secretary", "3")


def test_workflow_deadline_follows_its_date_and_ends_with_the_case(term_runtime, district):
    rt = term_runtime
    with rt.transaction() as s:
        contest = Contest(
            title="Новый конкурс",
            accept_from=date(2026, 11, 20),
            accept_to=date(2026, 12, 20),
            secretary_id=district.users["secretary"],
            announcement="Текст",
            chair_id=district.users["chair"],
        )
        s.add(contest)
        rt.engine.start(contest, load_user(s, district, "secretary"))
        contest_id = contest.id
    [first] = open_deadlines(rt, contest_id)
    with rt.transaction() as s:
        contest = s.get(Contest, contest_id)
        contest.accept_to = date(2026, 12, 27)
        rt.engine.fire(contest, "cancel", load_user(s, district, "secretary"), reason="проверка")
    assert open_deadlines(rt, contest_id) == []  # terminal: the case's deadline is closed
    with rt.sessions() as s:
        closed = s.get(Deadline, first.id)
        assert closed.closed_at == NOW


def test_a_date_change_moves_the_workflow_deadline(term_runtime, district):
    rt = term_runtime
    with rt.transaction() as s:
        contest = s.get(Contest, district.contest_id)  # accepting, started before the term existed
        rt.engine.fire(contest, "extend_acceptance", load_user(s, district, "secretary"), reason="мало заявлений")
    [term] = open_deadlines(rt, district.contest_id)
    assert term.due_at.astimezone(IRKUTSK) == datetime(2026, 12, 16, tzinfo=IRKUTSK)
    with rt.transaction() as s:
        contest = s.get(Contest, district.contest_id)
        contest.accept_to = date(2026, 12, 25)
        rt.engine.fire(contest, "extend_acceptance", load_user(s, district, "secretary"), reason="продлено")
    [moved] = open_deadlines(rt, district.contest_id)
    assert moved.id != term.id and moved.due_at.astimezone(IRKUTSK) == datetime(2026, 12, 26, tzinfo=IRKUTSK)
    with rt.sessions() as s:
        assert s.get(Deadline, term.id).closed_at is not None
        assert s.scalars(select(AuditEvent).where(AuditEvent.trigger == "extend_acceptance")).all()


def test_workflow_deadline_expiry_must_leave_every_open_state(tmp_path):
    from reserve_flow.core.workflow.definition import load_definition

    text = (WORKFLOWS_DIR / "contest.toml").read_text(encoding="utf-8")
    text = text.replace(
        'label_en = "Reserve contest"\n',
        'label_en = "Reserve contest"\n' + TERM + 'on_expiry = "close_acceptance"\n',
        1,
    )
    (tmp_path / "contest.toml").write_text(text, encoding="utf-8")
    _, problems = load_definition(tmp_path / "contest.toml")
    assert any("expiry trigger 'close_acceptance' must leave state 'draft'" in p for p in problems)
