"""deadline next_notice_at: when the scheduler must next look at an open deadline

Revision ID: 0007h
Revises: 0006b
Create Date: 2026-12-02 03:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from reserve_flow.core.db import UTCDateTime

revision = "0007h"
down_revision = "0007e"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_notice_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_deadlines_next_notice", ["closed_at", "next_notice_at", "id"], unique=False)
    # Every open deadline is looked at on the first scan, which stores its real next
    # moment (core/deadlines/timing.py): an early wake-up costs a look, never a notice.
    op.execute("UPDATE deadlines SET next_notice_at = opened_at WHERE closed_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_index("ix_deadlines_next_notice")
        batch_op.drop_column("next_notice_at")
