"""appointments: at most one open vacancy per organization (a partial unique index)

Revision ID: 0006b
Revises: 0006a
Create Date: 2026-11-26 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006b"
down_revision = "0006a"
branch_labels = None
depends_on = None

# The open states of workflows/appointment.toml (appointments/models.py OPEN_STATES).
ONE_OPEN = sa.text("state IN ('open', 'shortlisted', 'attestation', 'order_drafted')")


def upgrade() -> None:
    op.create_index(
        "uq_vacancies_one_open_per_organization",
        "vacancies",
        ["organization_id"],
        unique=True,
        sqlite_where=ONE_OPEN,
        postgresql_where=ONE_OPEN,
    )


def downgrade() -> None:
    op.drop_index("uq_vacancies_one_open_per_organization", table_name="vacancies")
