"""The scheduler's daily jobs: each registered job runs at the first tick of a local day
while this scheduler acts, not again that day, again the next day; a failing job is
retried on the next tick and does not stop the others."""

from __future__ import annotations

import time_machine

from reserve_flow.core.db import utcnow
from reserve_flow.core.deadlines import daily
from reserve_flow.core.deadlines.scheduler import Ticker, make_leader
from tests.fixtures.scheduler import irkutsk


def test_a_daily_job_runs_once_a_local_day_and_a_failure_is_retried(runtime, monkeypatch):
    runs: list[str] = []
    failures = iter([True, False])

    def counting(rt, now):
        runs.append(now.astimezone(rt.tz).date().isoformat())

    def flaky(rt, now):
        if next(failures, False):
            raise RuntimeError("the database hiccupped")
        runs.append("flaky")

    monkeypatch.setattr(daily, "DAILY_JOBS", {"counting": counting, "flaky": flaky})
    runtime.engine.clock = utcnow
    ticker = Ticker(runtime, make_leader(runtime))
    with time_machine.travel(irkutsk(2027, 3, 1, 0, 5), tick=False):
        ticker.tick()
    assert runs == ["2027-03-01"]  # the flaky job failed, the other ran
    with time_machine.travel(irkutsk(2027, 3, 1, 23, 55), tick=False):
        ticker.tick()
    assert runs == ["2027-03-01", "flaky"]  # retried; the first not run twice the same day
    with time_machine.travel(irkutsk(2027, 3, 2, 0, 1), tick=False):
        ticker.tick()
    assert runs == ["2027-03-01", "flaky", "2027-03-02", "flaky"]


def test_the_retention_job_is_registered():
    import reserve_flow.domains  # noqa: F401 - the domains register their jobs

    assert "retention" in daily.DAILY_JOBS
