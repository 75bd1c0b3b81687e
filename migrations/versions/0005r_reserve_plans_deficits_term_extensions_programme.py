"""the reserve: development plans (versions, items, evidence), professional deficits,
term extension orders, and the programme for forming the reserve (targets, events)

Revision ID: 0005r
Revises: 0003a, 0003b, 0003m, 0004e
Create Date: 2026-11-26 00:03:50.087439
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import reserve_flow.core.db

revision = "0005r"
# A merge of the branches that were heads when it was written.
down_revision = ("0003a", "0003b", "0003m", "0004e")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reserve_programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("first_year", sa.Integer(), nullable=False),
        sa.Column("last_year", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.String(length=400), nullable=False),
        sa.Column("created_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserve_programmes")),
    )
    op.create_table(
        "programme_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("responsible", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["reserve_programmes.id"],
            name=op.f("fk_programme_events_programme_id_reserve_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_events")),
    )
    op.create_table(
        "programme_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["reserve_programmes.id"],
            name=op.f("fk_programme_targets_programme_id_reserve_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_targets")),
        sa.UniqueConstraint(
            "programme_id", "indicator", "year", name=op.f("uq_programme_targets_programme_id_indicator_year")
        ),
    )
    op.create_table(
        "plan_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("hr_agreed_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hr_agreed_by_id", sa.Integer(), nullable=True),
        sa.Column("member_agreed_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_plan_versions_created_by_id_users")),
        sa.ForeignKeyConstraint(["hr_agreed_by_id"], ["users.id"], name=op.f("fk_plan_versions_hr_agreed_by_id_users")),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["reserve_memberships.id"],
            name=op.f("fk_plan_versions_membership_id_reserve_memberships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_versions")),
        sa.UniqueConstraint("membership_id", "number", name=op.f("uq_plan_versions_membership_id_number")),
    )
    op.create_table(
        "professional_deficits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=True),
        sa.Column("created_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_professional_deficits_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["contest_criteria.id"],
            name=op.f("fk_professional_deficits_criterion_id_contest_criteria"),
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["reserve_memberships.id"],
            name=op.f("fk_professional_deficits_membership_id_reserve_memberships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_professional_deficits")),
    )
    op.create_table(
        "reserve_term_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("order_number", sa.String(length=60), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("previous_term_end", sa.Date(), nullable=False),
        sa.Column("new_term_end", sa.Date(), nullable=False),
        sa.Column("created_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_reserve_term_extensions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["reserve_memberships.id"],
            name=op.f("fk_reserve_term_extensions_membership_id_reserve_memberships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserve_term_extensions")),
    )
    op.create_table(
        "plan_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("mandatory", sa.Boolean(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("provider", sa.String(length=300), nullable=False),
        sa.Column("programme", sa.Text(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=True),
        sa.Column("host_organization_id", sa.Integer(), nullable=True),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("deficit_id", sa.Integer(), nullable=True),
        sa.Column("mentor_review", sa.Text(), nullable=True),
        sa.Column("mentor_reviewed_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_in_version", sa.Integer(), nullable=False),
        sa.Column("created_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deficit_id"],
            ["professional_deficits.id"],
            name=op.f("fk_plan_items_deficit_id_professional_deficits"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["host_organization_id"],
            ["organizations.id"],
            name=op.f("fk_plan_items_host_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["reserve_memberships.id"],
            name=op.f("fk_plan_items_membership_id_reserve_memberships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["mentor_id"], ["users.id"], name=op.f("fk_plan_items_mentor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_items")),
    )
    op.create_table(
        "plan_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("original_name", sa.String(length=300), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", reserve_flow.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["plan_items.id"], name=op.f("fk_plan_evidence_item_id_plan_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_plan_evidence_uploaded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_evidence")),
    )


def downgrade() -> None:
    op.drop_table("plan_evidence")
    op.drop_table("plan_items")
    op.drop_table("reserve_term_extensions")
    op.drop_table("professional_deficits")
    op.drop_table("plan_versions")
    op.drop_table("programme_targets")
    op.drop_table("programme_events")
    op.drop_table("reserve_programmes")
