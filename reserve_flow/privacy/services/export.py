"""Everything the service holds about a person, for the person (152-FZ art. 14): a ZIP
with data.json (the profile, consents, applications and their documents, reserve
memberships, plan items, the audit events about these) and the stored files
of their documents. Only the person's own records go in; the export is an audited event."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from reserve_flow.contest.models.applicants import ApplicantProfile
from reserve_flow.contest.models.contests import Application
from reserve_flow.core.audit.chain import append_event
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.db import unit_of_work
from reserve_flow.core.files import storage
from reserve_flow.people.models import User
from reserve_flow.privacy.models import ConsentRecord
from reserve_flow.privacy.services.consents import PERSON_SUBJECT
from reserve_flow.reserve.models.membership import ReserveMembership
from reserve_flow.reserve.models.plan import PlanItem

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime

# Secrets of the account, not data about the person.
_HIDDEN_COLUMNS = {"password_hash", "ics_token"}


def _row(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns if c.key not in _HIDDEN_COLUMNS}


def collect(session: Session, user: User) -> dict[str, Any]:
    """The person's data as plain values (JSON-ready with default=str)."""
    applications = list(
        session.scalars(select(Application).where(Application.applicant_id == user.id).order_by(Application.id))
    )
    memberships = list(
        session.scalars(
            select(ReserveMembership).where(ReserveMembership.user_id == user.id).order_by(ReserveMembership.id)
        )
    )
    items = list(
        session.scalars(
            select(PlanItem).where(PlanItem.membership_id.in_([m.id for m in memberships] or [0])).order_by(PlanItem.id)
        )
    )
    subjects = [
        (PERSON_SUBJECT, [user.id]),
        ("application", [a.id for a in applications]),
        ("reserve", [m.id for m in memberships]),
        ("plan_item", [i.id for i in items]),
    ]
    # Events about the person's own records; not every event they acted in (a staff
    # member's looks at others' files are about those others).
    about = or_(
        *(and_(AuditEvent.subject_type == kind, AuditEvent.subject_id.in_(ids)) for kind, ids in subjects if ids)
    )
    events = session.scalars(select(AuditEvent).where(about).order_by(AuditEvent.seq))
    profile = session.get(ApplicantProfile, user.id)
    return {
        "user": _row(user) | {"roles": sorted(user.roles)},
        "profile": _row(profile) if profile else None,
        "consents": [
            _row(c)
            for c in session.scalars(
                select(ConsentRecord).where(ConsentRecord.user_id == user.id).order_by(ConsentRecord.id)
            )
        ],
        "applications": [
            _row(a) | {"contest": a.contest.title, "documents": [_row(d) for d in a.documents]} for a in applications
        ],
        "reserve_memberships": [_row(m) | {"contest": m.contest.title} for m in memberships],
        "plan_items": [_row(i) | {"evidence": [_row(e) for e in i.evidence]} for i in items],
        "audit_events": [
            {k: v for k, v in _row(e).items() if k not in ("prev_hash", "hash")} | {"data": json.loads(e.data or "{}")}
            for e in events
        ],
    }


def build(runtime: Runtime, session: Session, user: User) -> tuple[bytes, str]:
    """The ZIP and its file name; the export is recorded on the person, committed."""
    data = collect(session, user)
    data["exported_at"] = runtime.now()
    uploads = runtime.settings.uploads_folder
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=_plain).encode("utf-8"))
        files = [d for a in data["applications"] for d in a["documents"]] + [
            e for i in data["plan_items"] for e in i["evidence"]
        ]
        for record in files:
            if not record["storage_key"]:
                continue
            path = storage.path_of(uploads, record["storage_key"])
            if path.is_file():
                archive.write(path, f"files/{record['sha256'][:12]}-{record['original_name']}")
    with unit_of_work(session):
        append_event(
            session,
            kind="own_data_exported",
            actor=user,
            subject_type=PERSON_SUBJECT,
            subject_id=user.id,
            now=runtime.now(),
            data={"files": len(files)},
        )
    day = runtime.now().astimezone(runtime.tz).date().isoformat()
    return buffer.getvalue(), f"personal-data-{day}.zip"


def _plain(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)
