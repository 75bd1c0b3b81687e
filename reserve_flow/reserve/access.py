"""Who may see what of the reserve: one rule per object kind, asked by every view and
service and by the case-viewer registration, so that a page and its forms (the member's
page, a plan item's edit form, an evidence file, the diagram) answer alike.

The member sees their own membership; HR officers and administrators every one; a
mentor the memberships of their mentees, but not what the commission thought of them
(the professional deficits quote the commission's scores) nor the other items' work.
Anyone else is told the membership does not exist (404).
"""

from __future__ import annotations

from reserve_flow.core.workflow.subjects import case_viewer
from reserve_flow.people.models import User
from reserve_flow.reserve.models.membership import ReserveMembership
from reserve_flow.reserve.models.plan import PlanEvidence, PlanItem


def _staff(user: User) -> bool:
    return user.has_role("hr") or user.has_role("admin")


def may_view_member(user: User, membership: ReserveMembership) -> bool:
    """A reserve member's page and diagram."""
    return membership.user_id == user.id or _staff(user) or membership.holds_role(user, "mentor")


def may_view_member_file(user: User, membership: ReserveMembership) -> bool:
    """The whole of a member's file: deficits, every item's history and evidence, the plan's
    versions and the path. The member, HR and administrators; not a mentor."""
    return membership.user_id == user.id or _staff(user)


def may_view_deficits(user: User, membership: ReserveMembership) -> bool:
    """The member's professional deficits (they quote the commission's scores)."""
    return may_view_member_file(user, membership)


def may_change_plan(user: User, membership: ReserveMembership) -> bool:
    """Adding, editing and removing plan items and deficits: HR."""
    return membership.holds_role(user, "hr")


def may_view_plan_item(user: User, item: PlanItem) -> bool:
    """A plan item (its place on the member's page): whoever may see the member."""
    return may_view_member(user, item.membership)


def may_view_item_work(user: User, item: PlanItem) -> bool:
    """An item's evidence and mentor's review: the member's file, or the item's own mentor."""
    return may_view_member_file(user, item.membership) or item.holds_role(user, "mentor")


def may_view_evidence(user: User, evidence: PlanEvidence) -> bool:
    return may_view_item_work(user, evidence.item)


def may_list(user: User) -> bool:
    """Whether the user has a reserve list at all (HR, administrators, mentors: their mentees)."""
    return _staff(user) or user.has_role("mentor")


def may_export(user: User) -> bool:
    """The reserve list's XLSX and CSV exports: HR and administrators."""
    return _staff(user)


def may_view_programme(user: User) -> bool:
    """The reserve programme, its targets, events and reports: HR and administrators."""
    return _staff(user)


def may_manage_programme(user: User) -> bool:
    return user.has_role("hr")


# The deadlines overview links a membership's or a plan item's deadline to its page by the same rules.
case_viewer("reserve")(may_view_member)
case_viewer("plan_item")(may_view_plan_item)
