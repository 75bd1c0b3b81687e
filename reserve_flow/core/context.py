"""What the core needs of the application's runtime (reserve_flow.runtime.Runtime
provides it): settings, sessions, the rule book and the engine."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Engine as DbEngine
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from reserve_flow.core.workflow.engine import Engine
    from reserve_flow.core.workflow.registry import Workflows


class Context(Protocol):
    settings: Any
    db: DbEngine
    sessions: sessionmaker[Session]
    workflows: Workflows
    engine: Engine

    @property
    def tz(self) -> ZoneInfo: ...

    def now(self) -> datetime: ...

    def transaction(self) -> AbstractContextManager[Session]: ...
