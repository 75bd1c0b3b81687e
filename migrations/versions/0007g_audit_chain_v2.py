"""audit chain version 2: personal data leaves the hashed fields (audit_personal), the
checkpoints table; the existing chain is verified with the old formula and re-hashed

Revision ID: 0007g
Revises: 0006b
Create Date: 2026-12-02 03:00:00

Version 1 hashed the actor's name, the reason and the whole data JSON, so none of it
could ever be destroyed. The upgrade checks the old chain first (a broken chain stops
the upgrade: re-hashing it would hide the break), then moves each event's personal part
into audit_personal under a fresh salt and re-hashes the chain with the version 2
formula, in order. The last version 1 head is kept in the event the upgrade appends.
The formulas are copied here on purpose: a migration must not follow later code.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import reserve_flow.core.db

revision = "0007g"
down_revision = "0007f"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
# The data keys the callers of version 1 wrote that identify a person (names, e-mail,
# free text, file names), by event kind; the rest of the data stays hashed as it was.
PERSONAL_KEYS = {
    "transition": {"note", "order"},
    "document_replaced": {"file"},
    "personal_file_viewed": {"file"},
    "direct_candidate_added": {"justification"},
    "candidate_withdrawn": {"reason"},
    "order_issued": {"title"},
    "deficit_added": {"text"},
    "plan_changed": {"title", "fields"},
    "mentor_review": {"text"},
    "evidence_uploaded": {"file"},
    "user_created": {"email"},
    "user_changed": {"full_name"},
}
V1_FIELDS = ("seq", "kind", "actor_id", "actor_name", "subject_type", "subject_id", "trigger", "from_state",
             "to_state", "reason", "data", "prev_hash")  # fmt: skip
V2_FIELDS = ("seq", "version", "kind", "actor_id", "subject_type", "subject_id", "trigger", "from_state",
             "to_state", "data", "personal_digest", "prev_hash")  # fmt: skip


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _hash(row: dict, names: tuple[str, ...]) -> str:
    body = {name: row[name] for name in names}
    body["occurred_at"] = _stamp(row["occurred_at"])
    return hashlib.sha256(_json(body).encode("utf-8")).hexdigest()


def _digest(salt: str, actor_name, reason, data) -> str:
    body = _json({"actor_name": actor_name, "reason": reason, "data": data})
    return hmac.new(bytes.fromhex(salt), body.encode("utf-8"), hashlib.sha256).hexdigest()


def _events_table(*extra: sa.Column) -> sa.Table:
    return sa.table(
        "audit_events",
        sa.column("id", sa.Integer),
        sa.column("seq", sa.Integer),
        sa.column("occurred_at", reserve_flow.core.db.UTCDateTime(timezone=True)),
        sa.column("kind", sa.String),
        sa.column("actor_id", sa.Integer),
        sa.column("subject_type", sa.String),
        sa.column("subject_id", sa.Integer),
        sa.column("trigger", sa.String),
        sa.column("from_state", sa.String),
        sa.column("to_state", sa.String),
        sa.column("data", sa.Text),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
        *extra,
    )


def _append_only_off(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")


def _append_only_on(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete")
    else:
        for op_name in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{op_name.lower()} BEFORE {op_name} ON audit_events "
                f"BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: {op_name} refused'); END"
            )


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.create_table(
        "audit_personal",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("erased_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("erasure_act_id", sa.Integer(), nullable=True),
        sa.Column("erasure_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["audit_events.id"], name=op.f("fk_audit_personal_event_id_audit_events")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_audit_personal")),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
    )
    _append_only_off(dialect)
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("personal_digest", sa.String(length=64), nullable=False, server_default=""))
    _rehash(bind)
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("version", server_default=None)
        batch.alter_column("personal_digest", server_default=None)
        batch.drop_column("actor_name")
        batch.drop_column("reason")
    _append_only_on(dialect)


def _rehash(bind) -> None:
    old = _events_table(sa.column("actor_name", sa.String), sa.column("reason", sa.Text))
    new = _events_table(sa.column("version", sa.Integer), sa.column("personal_digest", sa.String))
    personal = sa.table(
        "audit_personal",
        sa.column("event_id", sa.Integer),
        sa.column("salt", sa.String),
        sa.column("actor_name", sa.String),
        sa.column("reason", sa.Text),
        sa.column("data", sa.Text),
    )
    rows = [dict(r._mapping) for r in bind.execute(sa.select(old).order_by(old.c.seq))]
    prev_v1 = prev_v2 = GENESIS
    last = None
    for expected, row in enumerate(rows, start=1):
        if row["seq"] != expected or row["prev_hash"] != prev_v1 or _hash(row, V1_FIELDS) != row["hash"]:
            raise RuntimeError(
                f"audit chain broken at event #{expected}: the upgrade to chain version 2 would hide it. "
                "Run `reserve-flow audit verify` on the previous version and investigate first."
            )
        prev_v1 = row["hash"]
        data = json.loads(row["data"] or "{}")
        keys = PERSONAL_KEYS.get(row["kind"], set()) & set(data)
        values = {key: data.pop(key) for key in sorted(keys)}
        personal_json = _json(values) if values else None
        salt = secrets.token_hex(32)
        row.update(
            version=2,
            data=_json(data),
            personal_digest=_digest(salt, row["actor_name"], row["reason"], personal_json),
            prev_hash=prev_v2,
        )
        row["hash"] = prev_v2 = _hash(row, V2_FIELDS)
        bind.execute(
            new.update()
            .where(new.c.id == row["id"])
            .values(
                version=2,
                data=row["data"],
                personal_digest=row["personal_digest"],
                prev_hash=row["prev_hash"],
                hash=row["hash"],
            )  # fmt: skip
        )
        bind.execute(
            personal.insert().values(
                event_id=row["id"], salt=salt, actor_name=row["actor_name"], reason=row["reason"], data=personal_json
            )
        )
        last = row
    if last is None:
        return
    # The upgrade is itself an event: it records the version 1 head it replaced.
    upgrade_row = {
        "seq": last["seq"] + 1,
        "version": 2,
        "occurred_at": max(datetime.now(UTC), last["occurred_at"]),
        "kind": "audit_chain_upgraded",
        "actor_id": None,
        "subject_type": "audit",
        "subject_id": None,
        "trigger": None,
        "from_state": None,
        "to_state": None,
        "data": _json({"v1_events": last["seq"], "v1_head_hash": prev_v1}),
        "prev_hash": prev_v2,
    }
    salt = secrets.token_hex(32)
    upgrade_row["personal_digest"] = _digest(salt, "система", None, None)
    upgrade_row["hash"] = _hash(upgrade_row, V2_FIELDS)
    # actor_name is still there (NOT NULL) until the columns are dropped below.
    bind.execute(
        _events_table(
            sa.column("version", sa.Integer),
            sa.column("personal_digest", sa.String),
            sa.column("actor_name", sa.String),
        )
        .insert()
        .values(**upgrade_row, actor_name="")
    )
    event_id = bind.execute(sa.select(new.c.id).where(new.c.seq == upgrade_row["seq"])).scalar_one()
    bind.execute(personal.insert().values(event_id=event_id, salt=salt, actor_name="система"))
    bind.execute(
        sa.text("UPDATE audit_chain_head SET last_seq = :seq, last_hash = :hash WHERE id = 1"),
        {"seq": upgrade_row["seq"], "hash": upgrade_row["hash"]},
    )


def downgrade() -> None:
    # The version 1 hashes are gone (they covered what may since have been erased), so the
    # chain cannot be taken back; the columns are restored empty for the old schema.
    dialect = op.get_bind().dialect.name
    _append_only_off(dialect)
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("actor_name", sa.String(length=200), nullable=False, server_default=""))
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch.drop_column("personal_digest")
        batch.drop_column("version")
    _append_only_on(dialect)
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_personal")
