"""Revoking a consent from the cabinet. Withdrawing the processing consent stops the
processing: the person's applications still under way are withdrawn (the commission
stops working on them), applying again is refused, staff see the withdrawal, and what no
law requires to keep is queued for destruction (retention.py, `withdrawal_days` later)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.contest.models.contests import Application
from reserve_flow.core.db import unit_of_work
from reserve_flow.people.models import User
from reserve_flow.privacy.models import PROCESSING, ConsentRecord
from reserve_flow.privacy.services import consents

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime

# The states from which the owner may withdraw an application (workflows/application.toml).
OPEN_STATES = ("draft", "submitted", "returned", "admitted", "assessed", "voting")
REASON = "Отозвано согласие на обработку персональных данных"


def revoke(runtime: Runtime, session: Session, user: User, consent_id: int) -> ConsentRecord:
    """Revoke one of the person's consents; for the processing consent, withdraw their open
    applications in the same unit of work."""
    with unit_of_work(session):
        record = consents.revoke(runtime, session, user, consent_id)
        if record.kind == PROCESSING:
            for application in session.scalars(
                select(Application).where(Application.applicant_id == user.id, Application.state.in_(OPEN_STATES))
            ):
                runtime.engine.fire(application, "withdraw", user, reason=REASON)
        return record
