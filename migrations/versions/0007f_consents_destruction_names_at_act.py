"""privacy: consents by kind with their text and revocation, acts of destruction, and
the name each act recorded (applications, reserve memberships, appointment orders)

Revision ID: 0007f
Revises: 0006b
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import reserve_flow.core.db

revision = "0007f"
down_revision = "0007d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), nullable=False, server_default="processing"))
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("text_hash", sa.String(length=64), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("scopes", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("revoked_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "destruction_acts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("performed_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("subject_user_id", sa.Integer(), nullable=True),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("ground", sa.Text(), nullable=False),
        sa.Column("performed_by_id", sa.Integer(), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_removed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["performed_by_id"],
            ["users.id"],
            name=op.f("fk_destruction_acts_performed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["subject_user_id"],
            ["users.id"],
            name=op.f("fk_destruction_acts_subject_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destruction_acts")),
    )
    for table in ("applications", "reserve_memberships", "appointment_orders"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("full_name_at_act", sa.String(length=200), nullable=True))
    # What was recorded before: the name the person had at the upgrade, the best there is.
    op.execute(
        "UPDATE applications SET full_name_at_act = "
        "(SELECT full_name FROM users WHERE users.id = applications.applicant_id) WHERE state <> 'draft'"
    )
    op.execute(
        "UPDATE reserve_memberships SET full_name_at_act = "
        "(SELECT full_name FROM users WHERE users.id = reserve_memberships.user_id)"
    )
    op.execute(
        "UPDATE appointment_orders SET full_name_at_act = (SELECT users.full_name FROM users "
        "JOIN vacancy_candidates ON vacancy_candidates.user_id = users.id "
        "WHERE vacancy_candidates.id = appointment_orders.candidate_id) WHERE number IS NOT NULL"
    )


def downgrade() -> None:
    for table in ("appointment_orders", "reserve_memberships", "applications"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("full_name_at_act")
    op.drop_table("destruction_acts")
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("scopes")
        batch_op.drop_column("text_hash")
        batch_op.drop_column("text")
        batch_op.drop_column("kind")
