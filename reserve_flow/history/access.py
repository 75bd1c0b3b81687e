"""Who may see a person's path from application to appointment, and how much of it:
one rule for the path page, asked by its view and its service.

HR officers and administrators see anyone's path, a person their own; anyone else is
told it does not exist (404). A step shows what its own page would show the viewer: the
reasons the secretary and the commission gave on an application are shown only to those
who may open that application (contest.access), so that HR, who may not, does not read
the check's reasons here either.
"""

from __future__ import annotations

from reserve_flow.contest import access as contest_access
from reserve_flow.contest.models.contests import Application
from reserve_flow.people.models import User


def may_view_path(user: User, person: User) -> bool:
    return user.has_role("hr") or user.has_role("admin") or user.id == person.id


def may_read_application_reasons(user: User, application: Application) -> bool:
    return contest_access.may_view_application(user, application)


def may_follow_staff_links(user: User) -> bool:
    """The links of a path into the staff's pages (vacancies): HR and administrators."""
    return user.has_role("hr") or user.has_role("admin")
