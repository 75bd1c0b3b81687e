"""appointments: an order's kind and signature (numbered, then signed), the numbered
state among a vacancy's open states, the labour contract the order is based on, and
the pre-hire checklist

Revision ID: 0007i
Revises: 0006b
Create Date: 2026-12-02 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import reserve_flow.core.db

revision = "0007i"
down_revision = "0007h"
branch_labels = None
depends_on = None

# The open states of workflows/appointment.toml (appointments/models.py OPEN_STATES).
OLD_OPEN = sa.text("state IN ('open', 'shortlisted', 'attestation', 'order_drafted')")
NEW_OPEN = sa.text("state IN ('open', 'shortlisted', 'attestation', 'order_drafted', 'order_numbered')")
INDEX = "uq_vacancies_one_open_per_organization"


def upgrade() -> None:
    op.create_table(
        "labour_contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vacancy_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("term_years", sa.Integer(), nullable=True),
        sa.Column("probation_months", sa.Integer(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["vacancy_candidates.id"],
            name=op.f("fk_labour_contracts_candidate_id_vacancy_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_labour_contracts_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"], ["vacancies.id"], name=op.f("fk_labour_contracts_vacancy_id_vacancies"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labour_contracts")),
        sa.UniqueConstraint("vacancy_id", "candidate_id", name=op.f("uq_labour_contracts_vacancy_id_candidate_id")),
    )
    op.create_index(op.f("ix_labour_contracts_vacancy_id"), "labour_contracts", ["vacancy_id"], unique=False)
    op.create_table(
        "pre_hire_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vacancy_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=30), nullable=False),
        sa.Column("dated_on", sa.Date(), nullable=False),
        sa.Column("file_key", sa.String(length=500), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("recorded_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["vacancy_candidates.id"],
            name=op.f("fk_pre_hire_documents_candidate_id_vacancy_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_pre_hire_documents_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"],
            ["vacancies.id"],
            name=op.f("fk_pre_hire_documents_vacancy_id_vacancies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pre_hire_documents")),
        sa.UniqueConstraint(
            "vacancy_id", "candidate_id", "item", name=op.f("uq_pre_hire_documents_vacancy_id_candidate_id_item")
        ),
    )
    op.create_index(op.f("ix_pre_hire_documents_vacancy_id"), "pre_hire_documents", ["vacancy_id"], unique=False)
    with op.batch_alter_table("appointment_orders") as batch:
        batch.alter_column("contract_years", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("contract_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_appointment_orders_contract_id_labour_contracts"), "labour_contracts", ["contract_id"], ["id"]
        )
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
        batch.drop_constraint(op.f("fk_appointment_orders_contract_id_labour_contracts"), type_="foreignkey")
        for column in (
            "scan_name",
            "scan_sha256",
            "scan_key",
            "signed_via",
            "signed_by_id",
            "signed_at",
            "kind",
            "contract_id",
        ):
            batch.drop_column(column)
    op.execute("UPDATE appointment_orders SET contract_years = 5 WHERE contract_years IS NULL")
    with op.batch_alter_table("appointment_orders") as batch:
        batch.alter_column("contract_years", existing_type=sa.Integer(), nullable=False)
    op.drop_index(op.f("ix_pre_hire_documents_vacancy_id"), table_name="pre_hire_documents")
    op.drop_table("pre_hire_documents")
    op.drop_index(op.f("ix_labour_contracts_vacancy_id"), table_name="labour_contracts")
    op.drop_table("labour_contracts")
