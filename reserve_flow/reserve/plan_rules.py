"""How a development plan is judged: its current version, whether both sides agreed
it, how far it is done, and whether an item has new evidence since it was returned.

Read-only, shared by the workflow guards (which make the engine refuse what the
rules do not allow) and the services and pages (which show the same numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.reserve.models.membership import ReserveMembership
from reserve_flow.reserve.models.plan import PlanItem, PlanVersion


def current_version(membership: ReserveMembership) -> PlanVersion | None:
    return membership.plan_versions[-1] if membership.plan_versions else None


def live_items(membership: ReserveMembership) -> list[PlanItem]:
    """The items of the plan as it stands: those removed from it left out."""
    return [i for i in membership.items if i.state != "cancelled"]


@dataclass(frozen=True)
class Progress:
    mandatory: int
    accepted: int  # mandatory items accepted
    optional_accepted: int

    @property
    def percent(self) -> int:
        return round(100 * self.accepted / self.mandatory) if self.mandatory else 0

    @property
    def complete(self) -> bool:
        return self.mandatory > 0 and self.accepted == self.mandatory

    @property
    def readiness(self) -> str:
        """full | partial | none: how much of the mandatory part is accepted."""
        if self.complete:
            return "full"
        return "partial" if self.accepted else "none"


def progress(membership: ReserveMembership) -> Progress:
    items = live_items(membership)
    mandatory = [i for i in items if i.mandatory]
    return Progress(
        mandatory=len(mandatory),
        accepted=sum(1 for i in mandatory if i.state == "accepted"),
        optional_accepted=sum(1 for i in items if not i.mandatory and i.state == "accepted"),
    )


def agreement_missing(membership: ReserveMembership) -> str | None:
    """Why the current plan is not agreed by both sides (Russian), or None."""
    version = current_version(membership)
    items = live_items(membership)
    if version is None or not items:
        return "в плане нет ни одного пункта"
    if not any(i.mandatory for i in items):
        return "в плане нет обязательных пунктов"
    missing = []
    if version.hr_agreed_at is None:
        missing.append("специалист по кадрам")
    if version.member_agreed_at is None:
        missing.append("резервист")
    if missing:
        return f"редакцию № {version.number} не подтвердил: {', '.join(missing)}"
    return None


def fulfilment_missing(membership: ReserveMembership) -> str | None:
    """Why the plan is not fulfilled (Russian), or None: every mandatory item accepted
    and the current version agreed by both sides."""
    not_agreed = agreement_missing(membership)
    if not_agreed:
        return not_agreed
    open_items = [i.title for i in live_items(membership) if i.mandatory and i.state != "accepted"]
    if open_items:
        return "не приняты обязательные пункты: " + "; ".join(f"«{t}»" for t in open_items)
    return None


def _last_seq(session: Session, item: PlanItem, **match: str) -> int | None:
    return session.scalar(
        select(func.max(AuditEvent.seq)).where(
            AuditEvent.subject_type == "plan_item",
            AuditEvent.subject_id == item.id,
            *(getattr(AuditEvent, name) == value for name, value in match.items()),
        )
    )


def was_returned(session: Session, item: PlanItem) -> bool:
    return _last_seq(session, item, trigger="return_item") is not None


def has_new_evidence(session: Session, item: PlanItem) -> bool:
    """Evidence uploaded at all, and after the item's last return when it was returned
    (told by the audit chain's order, which a clock cannot blur)."""
    uploaded = _last_seq(session, item, kind="evidence_uploaded")
    returned = _last_seq(session, item, trigger="return_item")
    return uploaded is not None and (returned is None or uploaded > returned)
