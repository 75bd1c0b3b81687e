"""appointments: an order's kind and signature (numbered, then signed), and the
numbered state among a vacancy's open states

Revision ID: 0007i
Revises: 0006b
Create Date: 2026-12-02 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import reserve_flow.core.db

revision = "0007i"
down_revision = "0006b"
branch_labels = None
depends_on = None

# The open states of workflows/appointment.toml (appointments/models.py OPEN_STATES).
OLD_OPEN = sa.text("state IN ('open', 'shortlisted', 'attestation', 'order_drafted')")
NEW_OPEN = sa.text("state IN ('open', 'shortlisted', 'attestation', 'order_drafted', 'order_numbered')")
INDEX = "uq_vacancies_one_open_per_organization"


def upgrade() -> None:
    with op.batch_alter_table("appointment_orders") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=30), nullable=False, server_default="appointment"))
        batch.add_column(sa.Column("signed_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("signed_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("signed_via", sa.String(length=20), nullable=False, server_default=""))
        batch.add_column(sa.Column("scan_key", sa.String(length=500), nullable=False, server_default=""))
        batch.add_column(sa.Column("scan_sha256", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("scan_name", sa.String(length=255), nullable=False, server_default=""))
        batch.create_foreign_key(op.f("fk_appointment_orders_signed_by_id_users"), "users", ["signed_by_id"], ["id"])
    # Orders issued before signing existed took effect when issued: they count as signed then.
    op.execute(
        "UPDATE appointment_orders SET signed_at = issued_at, signed_by_id = issued_by_id, "
        "signed_via = 'signatory' WHERE number IS NOT NULL"
    )
    with op.batch_alter_table("appointment_orders") as batch:
        for column in ("kind", "signed_via", "scan_key", "scan_sha256", "scan_name"):
            batch.alter_column(column, server_default=None)
    op.drop_index(INDEX, table_name="vacancies")
    op.create_index(
        INDEX, "vacancies", ["organization_id"], unique=True, sqlite_where=NEW_OPEN, postgresql_where=NEW_OPEN
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="vacancies")
    op.create_index(
        INDEX, "vacancies", ["organization_id"], unique=True, sqlite_where=OLD_OPEN, postgresql_where=OLD_OPEN
    )
    with op.batch_alter_table("appointment_orders") as batch:
        batch.drop_constraint(op.f("fk_appointment_orders_signed_by_id_users"), type_="foreignkey")
        for column in ("scan_name", "scan_sha256", "scan_key", "signed_via", "signed_by_id", "signed_at", "kind"):
            batch.drop_column(column)
