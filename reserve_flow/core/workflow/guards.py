"""The guard registry.

A guard returns None when it is met, or a detail string (possibly empty) for the
message when it is not. It registers its own message, Russian and English, under
the code "guard.<name>"; `{detail}` in the text is replaced by that detail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from reserve_flow.core.actors import Actor
from reserve_flow.core.i18n import MESSAGES
from reserve_flow.core.workflow.subjects import WorkflowSubject


@dataclass
class GuardContext:
    session: Session
    subject: WorkflowSubject
    actor: Actor | None
    now: datetime
    tz: Any
    reason: str | None
    data: dict[str, Any]


GuardCheck = Callable[[GuardContext], "str | None"]
GUARDS: dict[str, GuardCheck] = {}


def guard(name: str, *, ru: str, en: str) -> Callable[[GuardCheck], GuardCheck]:
    """Register `check` under `name` with its user-facing message."""

    def register(check: GuardCheck) -> GuardCheck:
        if name in GUARDS:
            raise ValueError(f"guard {name!r} registered twice")
        GUARDS[name] = check
        MESSAGES[f"guard.{name}"] = {"ru": ru, "en": en}
        return check

    return register
