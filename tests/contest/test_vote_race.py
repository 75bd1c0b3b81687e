"""A vote cast while the chair closes the vote, in two threads with their own sessions:
the protocol's tally always agrees with the votes stored. Either the vote is in the
tally, or it is refused and says why in Russian; a vote stored but not counted is the
failure. Each thread pauses at the point where the other must act for the race to bite,
for at most a couple of seconds: with the lock held, the other thread waits instead."""

from __future__ import annotations

import threading

from sqlalchemy import select

from reserve_flow.contest import commission_rules as rules
from reserve_flow.contest.models.commission import Vote, VoteResult
from reserve_flow.contest.services import commission as service
from tests.fixtures.commission import add_members, state_of, to_voting, version_of, vote
from tests.helpers import load_user

PAUSE = 2.0  # seconds a thread waits for the other before going on


def _race(runtime, commission, monkeypatch, *, vote_checks_first: bool):
    add_members(runtime, commission, "member3", "member4")
    everyone = ("chair", "member", "member2", "member3", "member4", "secretary")
    to_voting(runtime, commission, commission.first, scorers=everyone[:5], present=everyone)
    for key in ("chair", "member", "member2", "member3"):
        vote(runtime, commission, key, commission.first, True)
    expected_version = version_of(runtime, commission.first)

    vote_checked, tallied, closed = threading.Event(), threading.Event(), threading.Event()
    has_voted, tally = service._has_voted, rules.tally

    def has_voted_then_pause(session, application_id, member_id):
        answer = has_voted(session, application_id, member_id)
        if vote_checks_first:  # the vote has seen the vote open: let the chair close it now
            vote_checked.set()
            closed.wait(PAUSE)
        return answer

    def tally_then_pause(session, application):
        result = tally(session, application)
        if not vote_checks_first and threading.current_thread().name == "close" and not tallied.is_set():
            tallied.set()  # the chair has counted: let the vote come in now
            closed.wait(PAUSE)
        return result

    monkeypatch.setattr(service, "_has_voted", has_voted_then_pause)
    monkeypatch.setattr(rules, "tally", tally_then_pause)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def cast():
        barrier.wait(timeout=10)
        if not vote_checks_first:
            tallied.wait(PAUSE)
        session = runtime.sessions()
        try:
            user = load_user(session, commission.district, "member4")
            service.cast_vote(runtime, session, user, commission.first, "not_include")
            outcomes["vote"] = "ok"
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            outcomes["vote"] = exc
        finally:
            session.close()

    def close():
        barrier.wait(timeout=10)
        if vote_checks_first:
            vote_checked.wait(PAUSE)
        session = runtime.sessions()
        try:
            user = load_user(session, commission.district, "chair")
            outcomes["close"] = service.close_vote(runtime, session, user, commission.first, expected_version)
        except Exception as exc:  # noqa: BLE001
            outcomes["close"] = exc
        finally:
            session.close()
            closed.set()

    threads = [threading.Thread(target=cast, name="vote"), threading.Thread(target=close, name="close")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    with runtime.sessions() as s:
        stored = list(s.scalars(select(Vote.include).where(Vote.application_id == commission.first)))
        result = s.get(VoteResult, commission.first)
    return outcomes, stored, result


def test_a_vote_that_gets_in_first_is_counted_in_the_tally(runtime, commission, monkeypatch):
    outcomes, stored, result = _race(runtime, commission, monkeypatch, vote_checks_first=True)
    assert outcomes == {"vote": "ok", "close": "include"}
    assert sorted(stored) == [False, True, True, True, True]
    assert (result.votes_for, result.votes_against) == (4, 1)  # the member4's «против» is in the protocol


def test_a_vote_that_comes_after_the_count_is_refused_and_says_why(runtime, commission, monkeypatch):
    outcomes, stored, result = _race(runtime, commission, monkeypatch, vote_checks_first=False)
    assert outcomes["close"] == "include", outcomes
    refusal = outcomes["vote"]
    assert isinstance(refusal, service.CommissionRefused), refusal
    assert str(refusal.message()) == (
        "Председатель закрыл голосование по заявлению раньше, чем пришёл ваш голос: голос не принят. "
        "Итог голосования — на странице заявления."
    )
    assert stored == [True, True, True, True]
    assert (result.votes_for, result.votes_against) == (4, 0)
    assert state_of(runtime, commission.first) == "included"
