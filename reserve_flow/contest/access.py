"""Who may see what of a contest: one rule per object kind, asked by every view, service
and the case-viewer registration, so that the same question gets the same answer on
every page (the case page, the check page, the commission's pages, the documents and the
diagrams).

A commission role counts only when the user holds the role *and* the seat for it on
that contest (Contest.holds_role): a member whose member role was taken away but whose
seat remains sees nothing more of the contest than anyone else. Anyone who may not see
an object is told it does not exist (404), so that ids do not leak.
"""

from __future__ import annotations

from reserve_flow.contest.models.contests import Application, Contest
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.core.workflow.subjects import case_viewer
from reserve_flow.people.models import User

COMMISSION_ROLES = ("secretary", "chair", "member")
# The states in which the commission works on an application (scores, votes, decides).
COMMISSION_STATES = ("admitted", "assessed", "voting", "included", "not_included")


def commission_roles(user: User, contest: Contest) -> set[str]:
    """The roles `user` holds on this contest's commission: role and seat both."""
    return {role for role in COMMISSION_ROLES if contest.holds_role(user, role)}


def may_view_contest(user: User, contest: Contest) -> bool:
    """A contest's inner pages (and its diagram): its commission and administrators."""
    return user.has_role("admin") or bool(commission_roles(user, contest))


def may_work_on_contest(user: User, contest: Contest) -> bool:
    """The commission's pages of a contest (attendance, applications, protocols): its commission only."""
    return bool(commission_roles(user, contest))


def may_see_ranking(user: User, contest: Contest) -> bool:
    """The ranking shows everyone's scores: the contest's secretary and chair."""
    return bool(commission_roles(user, contest) & {"secretary", "chair"})


def may_view_application(user: User, application: Application) -> bool:
    """The case page of an application, its documents and diagram: its owner, an
    administrator, or the contest's commission once it has been submitted."""
    if application.applicant_id == user.id or user.has_role("admin"):
        return True
    if application.state == "draft":  # not yet handed to the commission: the applicant's alone
        return False
    return bool(commission_roles(user, application.contest))


def may_view_document(user: User, application: Application, document: ApplicationDocument) -> bool:
    """A stored document of an application: whoever may see the application it belongs to."""
    return document.application_id == application.id and may_view_application(user, application)


# Files that show passport data or criminal-record data: opened by the contest's
# secretary and HR officers only (152-FZ art. 5 part 5); the commission sees that they were checked.
RESTRICTED_KINDS = ("passport", "no_criminal_record")


def may_open_document_file(user: User, application: Application, kind_code: str) -> bool:
    """The file of a document on an application `user` may see: a passport or a criminal-record
    certificate only to its owner, the contest's secretary and HR."""
    if kind_code not in RESTRICTED_KINDS or application.applicant_id == user.id:
        return True
    return application.holds_role(user, "secretary") or user.has_role("hr")


def may_check_application(user: User, application: Application) -> bool:
    """The document check of an application: its contest's secretary."""
    return may_view_application(user, application) and application.holds_role(user, "secretary")


def may_work_on_application(user: User, application: Application) -> bool:
    """The commission's page of an application (scores, votes): admitted or later, for its commission."""
    return application.state in COMMISSION_STATES and may_work_on_contest(user, application.contest)


def may_view_own_application(user: User, application: Application) -> bool:
    """The applicant's own page of an application (documents, consent, submit): its owner as applicant."""
    return application.holds_role(user, "owner")


# The deadlines overview links an application's deadline to its case page by the same rule.
case_viewer("application")(may_view_application)
case_viewer("contest")(may_view_contest)
