"""The demo district (`reserve-flow demo`): what it seeds, that it seeds once, that
its credentials work, and that the command seeds the configured database."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from reserve_flow.cli import main
from reserve_flow.config import load_settings
from reserve_flow.contest.models.contests import Application, Contest
from reserve_flow.core.audit.chain import verify_chain
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.db import Base
from reserve_flow.core.deadlines.models import Deadline
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.demo.district import DEMO_PASSWORD, RETURN_REASON, seed_demo
from reserve_flow.organizations.models.organizations import ORGANIZATION_KINDS, Organization
from reserve_flow.people.models import User
from reserve_flow.runtime import Runtime
from tests.helpers import NOW

SEEDED_STATES = {"draft", "submitted", "returned", "admitted", "voting", "included"}


def _row_counts(runtime) -> dict[str, int]:
    with runtime.sessions() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) for table in Base.metadata.sorted_tables
        }


def _states_by_email(session) -> dict[str, str]:
    rows = session.execute(select(User.email, Application.state).join(Application, Application.applicant_id == User.id))
    return dict(rows.all())


def test_demo_builds_a_district_of_the_severo_baikalsky_area(runtime):
    seed = seed_demo(runtime)

    assert seed.created
    with runtime.sessions() as session:
        orgs = session.scalars(select(Organization)).all()
        assert len(orgs) >= 12
        assert {o.kind for o in orgs} == set(ORGANIZATION_KINDS)
        names = {o.full_name for o in orgs}
        assert "МБОУ «Нижнеангарская СОШ № 1»" in names
        assert "МБДОУ детский сад «Северяночка»" in names
        for org in orgs:
            assert org.short_name and org.head_name
            assert "Северо-Байкальский район" in org.address

        roles: dict[str, list[User]] = {}
        for user in session.scalars(select(User)):
            for role in user.roles:
                roles.setdefault(role, []).append(user)
        assert {r: len(users) for r, users in roles.items() if r != "applicant"} == {
            "admin": 1,
            "secretary": 1,
            "chair": 1,
            "hr": 1,
            "signatory": 1,
            "member": 3,
            "mentor": 1,  # the chair sits as a member
        }
        assert len(roles["applicant"]) >= 5
        for applicant in roles["applicant"]:  # deputies, teachers, educators of the district's ОО
            assert applicant.position and applicant.organization in orgs
        assert all(u.email.endswith("@demo.reserve-flow.ru") for users in roles.values() for u in users)


def test_demo_contest_is_open_with_its_commission_and_documents(runtime):
    seed_demo(runtime)
    today = NOW.astimezone(runtime.tz).date()
    with runtime.sessions() as session:
        contest = session.scalars(select(Contest)).one()
        assert contest.state == "accepting"
        assert contest.is_accepting(today)
        assert contest.accept_from < today < contest.accept_to
        assert contest.chair.has_role("chair") and contest.is_commission_member(contest.chair)
        assert contest.secretary.has_role("secretary")
        assert len(contest.seats) == 4
        kinds = {k.title: k.mandatory for k in contest.document_kinds}
        assert kinds["Справка об отсутствии судимости"] is True
        assert kinds["Согласие на обработку персональных данных"] is True
        assert kinds["Программа развития образовательной организации"] is False
        assert sum(kinds.values()) == 8
        assert len(contest.criteria) >= 3


def test_demo_applications_were_moved_by_the_engine(runtime):
    seed = seed_demo(runtime)
    with runtime.sessions() as session:
        states = _states_by_email(session)
        assert set(states.values()) == SEEDED_STATES
        assert states == {a.email: a.application_state for a in seed.accounts if a.application_state}

        assert verify_chain(session).ok
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.subject_type.in_(("contest", "application"))).order_by(AuditEvent.seq)
        ).all()
        # The contest: announced, acceptance opened, both by the secretary.
        assert [(e.subject_type, e.trigger, e.actor_name) for e in events[:2]] == [
            ("contest", "announce", "Бадмаева Оксана Владимировна"),
            ("contest", "open_acceptance", "Бадмаева Оксана Владимировна"),
        ]
        events = [e for e in events[2:] if e.subject_type == "application"]
        # The applications: submit x4, return, admit x2, assess, open the vote; and six
        # included (submit, admit, assess, open the vote, include) for the demo's reserve.
        assert [e.trigger for e in events].count("submit") == 10
        assert len(events) == 9 + 6 * 5
        by_trigger = {e.trigger: e for e in events}
        assert by_trigger["return_for_fix"].reason == RETURN_REASON
        assert by_trigger["return_for_fix"].actor_name == "Бадмаева Оксана Владимировна"  # the secretary
        assert by_trigger["open_vote"].actor_name == "Лукьянова Галина Петровна"  # the chair
        submitters = {e.actor_id for e in events if e.trigger == "submit"}
        applicants = {a.applicant_id for a in session.scalars(select(Application).where(Application.state != "draft"))}
        assert submitters == applicants

        # The deadlines of the states entered are open: the applicant's to fix, the secretary's to check...
        open_deadlines = session.execute(
            select(Application.state, Deadline.actor_role)
            .join(Deadline, Deadline.subject_id == Application.id)
            .where(Deadline.subject_type == "application", Deadline.closed_at.is_(None))
        ).all()
        assert sorted(open_deadlines) == [
            ("admitted", "member"),
            ("returned", "owner"),
            ("submitted", "secretary"),
            ("voting", "member"),
        ]
        # ...and the returned applicant is told why.
        returned = session.scalars(select(Application).where(Application.state == "returned")).one()
        notices = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.recipient_id == returned.applicant_id,
                OutboxMessage.template == "application.return_for_fix",
            )
        ).all()
        assert {m.channel for m in notices} == {"email", "inapp"}
        assert json.loads(notices[0].context)["reason"] == RETURN_REASON


def test_demo_draft_lacks_documents_and_the_others_have_them(runtime):
    seed_demo(runtime)
    with runtime.sessions() as session:
        contest = session.scalars(select(Contest)).one()
        for application in session.scalars(select(Application)):
            # The consent accepted at registration stands for every application and for the paper consent.
            assert application.consent_given_at is not None
            mandatory = {k.code for k in contest.document_kinds if application.requires(k)}
            assert "consent" not in mandatory
            codes = {d.kind_code for d in application.documents}
            assert all(len(d.sha256) == 64 and d.size > 0 for d in application.documents)
            if application.state == "draft":
                assert codes and not mandatory <= codes
            else:
                assert mandatory <= codes


def test_seeding_twice_changes_nothing(runtime):
    first = seed_demo(runtime)
    counts = _row_counts(runtime)

    second = seed_demo(runtime)

    assert not second.created
    assert (second.password, second.accounts) == (first.password, first.accounts)
    assert _row_counts(runtime) == counts


def test_every_printed_demo_account_can_log_in(runtime, client, auth):
    seed = seed_demo(runtime)
    for account in seed.accounts:
        response = auth.login(account.email, seed.password)
        assert response.status_code == 302, account.email
        assert account.full_name in client.get("/").get_data(as_text=True)
        auth.logout()


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No outside RESERVE_FLOW_* setting leaks in; the instance folder is a temporary one."""
    import os

    for name in list(os.environ):
        if name.startswith("RESERVE_FLOW_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("RESERVE_FLOW_APP_INSTANCE_PATH", str(tmp_path / "demo-instance"))
    return monkeypatch


def _seeded(url: str) -> tuple[set[str], int]:
    rt = Runtime(load_settings(env={}, overrides={"database": {"url": url}}))
    try:
        with rt.sessions() as session:
            return set(_states_by_email(session).values()), session.scalar(select(func.count()).select_from(User))
    finally:
        rt.dispose()


def test_demo_command_seeds_the_configured_database(database_url, clean_env):
    clean_env.setenv("RESERVE_FLOW_DATABASE_URL", database_url)
    runner = CliRunner()

    first = runner.invoke(main, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "Demo data created" in first.output
    assert "secretary@demo.reserve-flow.ru" in first.output
    assert DEMO_PASSWORD in first.output
    states, users = _seeded(database_url)
    assert states == SEEDED_STATES

    again = runner.invoke(main, ["demo", "--no-serve"])
    assert again.exit_code == 0, again.output
    assert "already there, reused" in again.output
    assert _seeded(database_url) == (states, users)


def test_demo_command_creates_and_migrates_a_new_sqlite_file(tmp_path, clean_env):
    path = tmp_path / "new-folder" / "demo.sqlite3"
    clean_env.setenv("RESERVE_FLOW_DATABASE_URL", f"sqlite:///{path}")

    result = CliRunner().invoke(main, ["demo", "--no-serve"])

    assert result.exit_code == 0, result.output
    assert path.is_file()
    assert (tmp_path / "demo-instance").is_dir()
    assert _seeded(f"sqlite:///{path}")[0] == SEEDED_STATES


def test_demo_command_against_an_unreachable_database_fails_in_one_line(clean_env):
    clean_env.setenv("RESERVE_FLOW_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nowhere")

    result = CliRunner().invoke(main, ["demo", "--no-serve"])

    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: database postgresql+psycopg://postgres@127.0.0.1:1/nowhere:")
