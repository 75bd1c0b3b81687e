"""Real races: separate connections firing at the same moment (threads and a barrier).
Run on SQLite always and on PostgreSQL in CI."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from reserve_flow.contest.models.contests import Application
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.core.audit.chain import verify_chain
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.workflow import ConcurrentChange
from tests.helpers import load_user


def race(runtime, jobs):
    """Run each job(session) in its own thread and session; all load first, then
    write together. Returns each job's outcome: "ok" or the exception raised."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[object] = [None] * len(jobs)

    def run(index, job):
        session = runtime.sessions()
        try:
            write = job(session)  # loads rows, returns the write step
            barrier.wait(timeout=10)
            write()
            session.commit()
            outcomes[index] = "ok"
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            session.rollback()
            outcomes[index] = exc
        finally:
            session.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def test_two_sessions_firing_on_one_subject_exactly_one_wins(runtime, district):
    def job(trigger):
        def load(session):
            application = session.get(Application, district.application_id)
            actor = load_user(session, district, "applicant")
            return lambda: runtime.engine.fire(application, trigger, actor)

        return load

    outcomes = race(runtime, [job("submit"), job("withdraw")])
    assert outcomes.count("ok") == 1, outcomes
    loser = next(o for o in outcomes if o != "ok")
    assert isinstance(loser, ConcurrentChange)
    with runtime.sessions() as s:
        application = s.get(Application, district.application_id)
        assert application.version == 2
        events = s.scalars(select(AuditEvent).where(AuditEvent.subject_type == "application")).all()
        assert len(events) == 1 and events[0].to_state == application.state
        assert verify_chain(s).ok


def test_concurrent_transitions_on_different_subjects_keep_one_chain(runtime, district):
    """Appenders serialize on the chain head: no fork, no gap, no duplicate sequence number."""
    from reserve_flow.people.services.users import create_user

    ids = []
    with runtime.transaction() as s:
        for n in range(6):
            user = create_user(
                s,
                email=f"racer{n}@example.ru",
                full_name=f"Участник Гонки {n}",
                password="long enough, surely",
                roles=["applicant"],
            )
            application = Application(
                contest_id=district.contest_id,
                applicant_id=user.id,
                consent_given_at=s.get(Application, district.application_id).consent_given_at,
            )
            application.documents = [
                ApplicationDocument(
                    kind_code=c, original_name=f"{c}.pdf", content_type="application/pdf", size=10, sha256="1" * 64
                )
                for c in ("application", "passport")
            ]
            s.add(application)
            s.flush()
            ids.append((application.id, user.id))

    def job(application_id, user_id):
        def load(session):
            application = session.get(Application, application_id)
            from reserve_flow.people.models import User

            actor = session.get(User, user_id)
            return lambda: runtime.engine.fire(application, "submit", actor)

        return load

    outcomes = race(runtime, [job(a, u) for a, u in ids])
    assert outcomes == ["ok"] * len(ids)
    with runtime.sessions() as s:
        result = verify_chain(s)
        assert result.ok and result.checked == len(ids) + 2  # and the contest's two events
        assert s.scalar(select(func.count()).select_from(Application).where(Application.state == "submitted")) == 6
