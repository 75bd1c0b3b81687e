"""Who may see what of the organizations: one rule per object kind, asked by every view and
service. The registry and the monitoring feed appointments: HR, administrators and the
commission's secretary and chair read them; administrators change them. Applicants and the
public never see them (404)."""

from __future__ import annotations

from reserve_flow.people.models import User

VIEW_ROLES = ("admin", "hr", "secretary", "chair")


def may_view_organizations(user: User) -> bool:
    """The registry, an organization's page and timeline, the monitoring years and results."""
    return bool(user.roles.intersection(VIEW_ROLES))


def may_manage_organizations(user: User) -> bool:
    """Adding, editing, (de)activating and importing organizations and monitoring results."""
    return user.has_role("admin")


def may_follow_staff_links(user: User) -> bool:
    """The links of an organization's timeline into the staff's pages (vacancies, paths)."""
    return user.has_role("hr") or user.has_role("admin")
