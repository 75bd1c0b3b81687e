"""The access matrix: for every GET page of the app, the answer each role gets, for an
object of its own, someone else's, and a contest whose commission it does not sit on.

Each case names an endpoint, the object its ids are filled with (keys of `Objects`
in test_access_matrix.py) and the expected status per role: 200 (the page), 404 (no such
page for this user: foreign objects and pages of other roles are not told apart from
missing ones), 403 (a signed-in user without the role, where the page says so), 302
(to the login page: anonymous users). `expect(default, **per_role)` fills the roles not
named with `default`; anonymous users get 302 on every page that is not public.
Every GET route must have at least one case here (test_every_get_route_is_in_the_matrix).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("applicant", "secretary", "member", "chair", "hr", "mentor", "signatory", "admin")
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Case:
    endpoint: str
    values: dict[str, str] = field(default_factory=dict)  # url argument -> key of Objects (or a literal "=...")
    expected: dict[str, int] = field(default_factory=dict)
    public: bool = False
    note: str = ""


def expect(default: int, **per_role: int) -> dict[str, int]:
    expected = {role: per_role.get(role, default) for role in ROLES}
    if ANONYMOUS in per_role:
        expected[ANONYMOUS] = per_role[ANONYMOUS]
    return expected


def case(endpoint: str, expected: dict[str, int], note: str = "", public: bool = False, **values: str) -> Case:
    full = dict(expected)
    full.setdefault(ANONYMOUS, 200 if public else 302)
    return Case(endpoint, values, full, public, note)


ALL = expect(200)
NONE = expect(404)
STAFF = expect(404, hr=200, admin=200)
ADMIN = expect(404, admin=200)
COMMISSION = expect(404, secretary=200, member=200, chair=200)
# The registry and the monitoring: the staff and the commission's secretary and chair.
MONITORING = expect(404, secretary=200, chair=200, hr=200, admin=200)

CASES: list[Case] = [
    # --- public pages and the login ---
    case("main.index", ALL, public=True),
    case("auth.login", expect(302, anonymous=200), public=True, note="signed-in users are sent home"),
    case("applicant.register", expect(302, anonymous=200), public=True, note="signed-in users are sent home"),
    case("public.index", ALL, public=True),
    case("public.contest", ALL, public=True, contest_id="contest"),
    case("public.contest", expect(404, anonymous=404), public=True, contest_id="missing", note="a missing contest"),
    case("orders.public_appointments", ALL, public=True),
    case("reserve.public_list", ALL, public=True),
    case("audit_public.head", ALL, public=True),
    case("privacy.policy", ALL, public=True),
    case("api_docs.openapi", ALL, public=True),
    case("api_docs.docs", ALL, public=True),
    case("api_docs.asset", ALL, public=True, name="=swagger-ui.css"),
    # --- a person's own consents: every signed-in user has them ---
    case("privacy.consents", ALL),
    case("api_tokens.index", ALL),
    case("deadlines.feed", expect(404, anonymous=404), public=True, token="=no-such-token"),
    case("static", ALL, public=True, filename="=css/site.css"),
    # --- the applicant's own pages ---
    case("applicant.index", expect(403, applicant=200)),
    case("applicant.profile", expect(403, applicant=200)),
    case("applicant.application", expect(403, applicant=200), application_id="own_application"),
    case("applicant.application", expect(403, applicant=404), application_id="other_application"),
    # --- applications: the owner, the commission of its contest, administrators ---
    case("applications.index", ALL),
    case(
        "applications.show",
        expect(404, applicant=200, secretary=200, member=200, chair=200, admin=200),
        application_id="own_application",
    ),
    case(
        "applications.show",
        expect(404, secretary=200, member=200, chair=200, admin=200),
        application_id="other_application",
    ),
    case(
        "applications.show",
        ADMIN,
        application_id="foreign_application",
        note="an application to a contest whose commission the user does not sit on",
    ),
    case(
        "contest_diagrams.application_svg",
        expect(404, applicant=200, secretary=200, member=200, chair=200, admin=200),
        application_id="own_application",
    ),
    case("contest_diagrams.application_svg", ADMIN, application_id="foreign_application"),
    case(
        "applications.document",
        expect(404, applicant=200, secretary=200, member=200, chair=200, admin=200),
        application_id="own_application",
        document_id="own_document",
    ),
    case("applications.document", ADMIN, application_id="foreign_application", document_id="foreign_document"),
    case(
        "applications.document",
        NONE,
        application_id="other_application",
        document_id="own_document",
        note="a document through another application's address",
    ),
    # --- the secretary's check ---
    case("check.queue", expect(403, secretary=200)),
    case(
        "check.show",
        expect(403, secretary=200),
        application_id="own_application",
        note="the contest's secretary sees its checklist, admitted or not",
    ),
    case("check.show", expect(403, secretary=404), application_id="foreign_application"),
    # --- contests and the commission ---
    case("contests.index", ALL),
    case("contests.new", expect(404, secretary=200)),
    case("contests.show", expect(404, secretary=200, member=200, chair=200, admin=200), contest_id="contest"),
    case("contests.show", ADMIN, contest_id="foreign_contest"),
    case("contests.edit", expect(404, secretary=200), contest_id="contest", note="its own secretary only"),
    case("contests.edit", NONE, contest_id="foreign_contest"),
    case(
        "contest_diagrams.contest_svg",
        expect(404, secretary=200, member=200, chair=200, admin=200),
        contest_id="contest",
    ),
    case("contest_diagrams.contest_svg", ADMIN, contest_id="foreign_contest"),
    case("commission.index", ALL),
    case("commission.contest", COMMISSION, contest_id="contest"),
    case("commission.contest", NONE, contest_id="foreign_contest"),
    case("commission.ranking_table", expect(404, secretary=200, chair=200), contest_id="contest"),
    case("commission.ranking_table", NONE, contest_id="foreign_contest"),
    case("commission.application", COMMISSION, application_id="own_application"),
    case("commission.application", NONE, application_id="foreign_application"),
    case("commission.protocol_file", NONE, protocol_id="missing", kind="=pdf"),
    # --- the reserve: the member, HR, administrators, the member's mentor ---
    case("reserve.index", expect(200, applicant=302), note="a member with one membership is sent to it"),
    case("reserve.show", expect(404, applicant=200, hr=200, mentor=200, admin=200), membership_id="own_membership"),
    case("reserve.show", STAFF, membership_id="other_membership"),
    case(
        "reserve.diagram_svg", expect(404, applicant=200, hr=200, mentor=200, admin=200), membership_id="own_membership"
    ),
    case("reserve.diagram_svg", STAFF, membership_id="other_membership"),
    case(
        "reserve.item",
        expect(404, applicant=302, hr=302, mentor=302, admin=302),
        item_id="own_item",
        note="redirects to the item on the member's page",
    ),
    case("reserve.item", expect(404, hr=302, admin=302), item_id="other_item"),
    case(
        "plan.edit_item",
        expect(404, applicant=200, hr=200, mentor=200, admin=200),
        membership_id="own_membership",
        item_id="own_item",
    ),
    case("plan.edit_item", STAFF, membership_id="other_membership", item_id="other_item"),
    case(
        "plan.edit_item",
        NONE,
        membership_id="other_membership",
        item_id="own_item",
        note="an item through another member's address",
    ),
    case(
        "plan.evidence",
        expect(404, applicant=200, hr=200, mentor=200, admin=200),
        membership_id="own_membership",
        evidence_id="own_evidence",
    ),
    case("plan.evidence", NONE, membership_id="other_membership", evidence_id="own_evidence"),
    case("reserve.export_xlsx", STAFF),
    case("reserve.export_csv", STAFF),
    case("programme.index", STAFF),
    case("programme.show", NONE, programme_id="missing"),
    case("programme.report", NONE, programme_id="missing", year="=2026", kind="=pdf"),
    # --- a person's path ---
    case("history.person_path", expect(404, applicant=200, hr=200, admin=200), user_id="own_user"),
    case("history.person_path", STAFF, user_id="other_user"),
    # --- vacancies and orders: HR and administrators ---
    case("appointments.index", STAFF),
    case("appointments.show", STAFF, vacancy_id="vacancy"),
    case("appointments.show", NONE, vacancy_id="missing"),
    case("appointments.compare", STAFF, vacancy_id="vacancy"),
    case("appointments.attestation_document", NONE, vacancy_id="vacancy", session_id="missing"),
    case("orders.preview", NONE, vacancy_id="vacancy", note="no draft order yet"),
    case("orders.register", expect(404, hr=200, admin=200, signatory=200), note="the signatory signs from it"),
    case("orders.download", NONE, order_id="missing", kind="=pdf"),
    case("orders.show", NONE, order_id="missing"),
    case("orders.template", ADMIN),
    case("orders.template_file", ADMIN, note="the built-in template while none is uploaded"),
    # --- organizations and monitoring ---
    case("organizations.index", MONITORING),
    case("organizations.show", MONITORING, organization_id="organization"),
    case("organizations.show", NONE, organization_id="missing"),
    case("organizations.new", ADMIN),
    case("organizations.edit", ADMIN, organization_id="organization"),
    case("organizations.import_file", ADMIN),
    case("organizations.template", ADMIN, fmt="=xlsx"),
    case("monitoring.index", MONITORING),
    case("monitoring.new", expect(404, admin=200)),
    case("monitoring.show", NONE, year="=2031"),
    case("monitoring.criteria", NONE, year="=2031"),
    case("monitoring.export", NONE, year="=2031"),
    case("monitoring.template", NONE, year="=2031", fmt="=xlsx"),
    # --- the core's pages ---
    case("deadlines.index", expect(403, secretary=200, hr=200), note="the overview: who keeps others' deadlines"),
    case("deadlines.mine", ALL),
    case("notifications.index", ALL),
    case("diagrams.index", ALL),
    case("diagrams.workflow_svg", ALL, name="=application"),
    case("diagrams.workflow_bpmn", ALL, name="=application"),
    case("audit.journal", ADMIN),
    case("privacy.destruction", ADMIN),
    case("admin_outbox.index", ADMIN),
    case("admin.users", ADMIN),
    case("admin.new_user", ADMIN),
    case("admin.edit_user", ADMIN, user_id="own_user"),
]
