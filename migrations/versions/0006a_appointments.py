"""appointments: vacancies, candidates, attestation sessions, numbered orders and their templates

Revision ID: 0006a
Revises: 0005r
Create Date: 2026-11-26 01:10:59.697857
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import reserve_flow.core.db

revision = "0006a"
down_revision = "0005r"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("register", sa.String(length=10), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", "register", name=op.f("pk_order_counters")),
    )
    op.create_table(
        "order_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("uploaded_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_order_templates_uploaded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_templates")),
    )
    op.create_table(
        "vacancies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("reason_note", sa.Text(), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_vacancies_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_vacancies_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vacancies")),
    )
    with op.batch_alter_table("vacancies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vacancies_organization_id"), ["organization_id"], unique=False)

    op.create_table(
        "vacancy_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vacancy_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=True),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_note", sa.Text(), nullable=False),
        sa.Column("added_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["added_by_id"], ["users.id"], name=op.f("fk_vacancy_candidates_added_by_id_users")),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["reserve_memberships.id"],
            name=op.f("fk_vacancy_candidates_membership_id_reserve_memberships"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_vacancy_candidates_user_id_users")),
        sa.ForeignKeyConstraint(
            ["vacancy_id"],
            ["vacancies.id"],
            name=op.f("fk_vacancy_candidates_vacancy_id_vacancies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vacancy_candidates")),
        sa.UniqueConstraint("vacancy_id", "user_id", name=op.f("uq_vacancy_candidates_vacancy_id_user_id")),
    )
    with op.batch_alter_table("vacancy_candidates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vacancy_candidates_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vacancy_candidates_vacancy_id"), ["vacancy_id"], unique=False)

    op.create_table(
        "appointment_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vacancy_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("contract_years", sa.Integer(), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("register", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("docx_path", sa.String(length=500), nullable=False),
        sa.Column("docx_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_path", sa.String(length=500), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("drafted_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("drafted_by_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["vacancy_candidates.id"],
            name=op.f("fk_appointment_orders_candidate_id_vacancy_candidates"),
        ),
        sa.ForeignKeyConstraint(
            ["drafted_by_id"], ["users.id"], name=op.f("fk_appointment_orders_drafted_by_id_users")
        ),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"], name=op.f("fk_appointment_orders_issued_by_id_users")),
        sa.ForeignKeyConstraint(
            ["template_id"], ["order_templates.id"], name=op.f("fk_appointment_orders_template_id_order_templates")
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"], ["vacancies.id"], name=op.f("fk_appointment_orders_vacancy_id_vacancies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_orders")),
        sa.UniqueConstraint("vacancy_id", name=op.f("uq_appointment_orders_vacancy_id")),
        sa.UniqueConstraint("year", "register", "number", name=op.f("uq_appointment_orders_year_register_number")),
    )
    op.create_table(
        "attestation_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vacancy_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("commission_members", sa.Text(), nullable=False),
        sa.Column("attested", sa.Boolean(), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=False),
        sa.Column("document_key", sa.String(length=500), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("document_name", sa.String(length=255), nullable=False),
        sa.Column("document_content_type", sa.String(length=100), nullable=False),
        sa.Column("document_size", sa.Integer(), nullable=False),
        sa.Column("created_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["vacancy_candidates.id"],
            name=op.f("fk_attestation_sessions_candidate_id_vacancy_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_attestation_sessions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"],
            ["vacancies.id"],
            name=op.f("fk_attestation_sessions_vacancy_id_vacancies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attestation_sessions")),
    )
    with op.batch_alter_table("attestation_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attestation_sessions_vacancy_id"), ["vacancy_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attestation_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attestation_sessions_vacancy_id"))

    op.drop_table("attestation_sessions")
    op.drop_table("appointment_orders")
    with op.batch_alter_table("vacancy_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vacancy_candidates_vacancy_id"))
        batch_op.drop_index(batch_op.f("ix_vacancy_candidates_user_id"))

    op.drop_table("vacancy_candidates")
    with op.batch_alter_table("vacancies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vacancies_organization_id"))

    op.drop_table("vacancies")
    op.drop_table("order_templates")
    op.drop_table("order_counters")
