"""Jobs the scheduler runs once a day, registered by the domains (the core knows none):
`@daily_job("name")` on a function of (runtime, now). The scheduler's tick runs each at
its first tick of a local day, only while it holds the lead, in the tick's thread; a job
must be safe to run again (the next day finds only what is newly due)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reserve_flow.core.context import Context

log = logging.getLogger(__name__)

DailyJob = Callable[["Context", datetime], Any]
DAILY_JOBS: dict[str, DailyJob] = {}


def daily_job(name: str) -> Callable[[DailyJob], DailyJob]:
    def register(job: DailyJob) -> DailyJob:
        DAILY_JOBS[name] = job
        return job

    return register


class DailyRunner:
    """Remembers the local day each job last ran in this scheduler process."""

    def __init__(self) -> None:
        self.last_run: dict[str, date] = {}

    def run_due(self, runtime: Context, now: datetime) -> list[str]:
        """Run the jobs not yet run today; a failing job is logged and tried the next tick."""
        today = now.astimezone(runtime.tz).date()
        ran = []
        for name, job in DAILY_JOBS.items():
            if self.last_run.get(name) == today:
                continue
            try:
                job(runtime, now)
            except Exception:  # noqa: BLE001 - one failed job must not stop the scheduler
                log.exception("scheduler: daily job %s failed, will retry", name)
                continue
            self.last_run[name] = today
            ran.append(name)
        return ran
