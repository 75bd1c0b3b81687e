"""What every entry point shares: settings, the database, the workflows and the engine.

The web app, the CLI and the scheduler each build one Runtime; nothing is created
at import time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from reserve_flow import domains  # noqa: F401  (every model and guard registered before workflows load)
from reserve_flow.config import Settings, load_settings
from reserve_flow.core.db import make_engine, make_session_factory, unit_of_work
from reserve_flow.core.workflow import Engine, Workflows
from reserve_flow.core.workflow.engine import refuse_state_writes_outside_engine
from reserve_flow.resources import resource_dir

WORKFLOWS_DIR = resource_dir("workflows")


class Runtime:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()
        self.db = make_engine(self.settings.database_url, echo=self.settings["database"]["echo"])
        self.sessions = make_session_factory(self.db)
        event.listen(self.sessions, "before_flush", refuse_state_writes_outside_engine)
        self.workflows = Workflows.load(WORKFLOWS_DIR)
        self.engine = Engine(
            self.workflows, self.settings.timezone, reminder_hour=self.settings["scheduler"]["reminder_hour"]
        )

    @property
    def tz(self):
        return self.settings.timezone

    def now(self):
        return self.engine.clock()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits at the end of the block, or rolls back whole: an
        outer unit of work, so the services called inside join it instead of committing."""
        with self.sessions() as session, unit_of_work(session):
            yield session

    def dispose(self) -> None:
        self.db.dispose()
