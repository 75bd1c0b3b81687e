"""The demo district's monitoring of head effectiveness: two years of results imported
through the same CSV path an administrator uses."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from reserve_flow.core.files.tabular import read_table, write_csv
from reserve_flow.organizations.models.monitoring import MONITORING_LEVELS
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.organizations.services.monitoring import (
    ACCEPTABLE_FROM,
    HEAD_COLUMN,
    LEVEL_COLUMN,
    ORGANIZATION_COLUMN,
    TOTAL_COLUMN,
    CriterionData,
    ImportSummary,
    create_year,
    criterion_header,
    expected_level,
    import_results,
)
from reserve_flow.people.models import User

DEMO_CRITERIA = (
    CriterionData("Качество образовательных результатов", 30),
    CriterionData("Условия реализации образовательных программ", 25),
    CriterionData("Кадровый потенциал и профессиональное развитие", 25),
    CriterionData("Открытость и удовлетворённость родителей", 20),
)
# Totals, in percent, by position in the organization list: most optimal, a few
# acceptable, one critical (the anti-crisis case) in the newer year.
_DEMO_TOTALS = (92.5, 86.0, 71.5, 83.0, 64.0, 88.5, 79.0, 90.0, 46.5, 84.5, 81.0, 68.0, 87.0)


def seed_demo_monitoring(
    session: Session,
    organizations: Sequence[Organization],
    year: int,
    *,
    actor: User,
    now: datetime,
    newest: bool = True,
) -> ImportSummary:
    """A demo year: its criteria and results for the organizations, imported through the
    real CSV path (so the audit chain holds a "monitoring_imported" event with its hash)."""
    monitoring_year = create_year(session, actor, year, DEMO_CRITERIA, now)
    criteria = monitoring_year.criteria
    rows = []
    for position, organization in enumerate(organizations):
        total = _DEMO_TOTALS[position % len(_DEMO_TOTALS)]
        if not newest:  # the year before: a little different, the critical school was still acceptable
            total = min(100.0, max(ACCEPTABLE_FROM, total + (3.5 if position % 2 else -4.0)))
        points = [round(c.max_points * total / 100, 1) for c in criteria]
        rows.append(
            [organization.full_name, organization.head_name, total, MONITORING_LEVELS[expected_level(total)]["ru"]]
            + points
        )
    content = write_csv(
        [ORGANIZATION_COLUMN, HEAD_COLUMN, TOTAL_COLUMN, LEVEL_COLUMN] + [criterion_header(c) for c in criteria], rows
    )
    table = read_table(content, f"monitoring-{year}.csv")
    return import_results(
        session,
        actor,
        monitoring_year,
        table,
        now=now,
        sha256=hashlib.sha256(content).hexdigest(),
        filename=f"monitoring-{year}.csv",
    )
