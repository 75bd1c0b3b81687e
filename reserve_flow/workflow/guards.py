"""Named guard conditions that workflow files refer to.

A guard returns None when it is met, or a detail string (possibly empty) for the
message when it is not; its message code is "guard.<name>" in reserve_flow.i18n.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from sqlalchemy.orm import Session

from reserve_flow.models import User


@dataclass
class GuardContext:
    session: Session
    subject: Any
    actor: User | None
    now: datetime
    tz: Any
    reason: str | None
    data: dict[str, Any]


GuardCheck = Callable[[GuardContext], "str | None"]
GUARDS: dict[str, GuardCheck] = {}


def guard(name: str) -> Callable[[GuardCheck], GuardCheck]:
    def register(check: GuardCheck) -> GuardCheck:
        if name in GUARDS:
            raise ValueError(f"guard {name!r} registered twice")
        GUARDS[name] = check
        return check

    return register


@guard("contest_accepting")
def _contest_accepting(ctx: GuardContext) -> str | None:
    today = ctx.now.astimezone(ctx.tz).date()
    return None if ctx.subject.contest.is_accepting(today) else ""


@guard("documents_complete")
def _documents_complete(ctx: GuardContext) -> str | None:
    present = {doc.kind_code for doc in ctx.subject.documents}
    missing = [k.title for k in ctx.subject.contest.document_kinds if k.mandatory and k.code not in present]
    return "; ".join(missing) if missing else None


@guard("consent_given")
def _consent_given(ctx: GuardContext) -> str | None:
    return None if ctx.subject.consent_given_at is not None else ""
