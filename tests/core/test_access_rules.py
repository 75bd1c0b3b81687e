"""One rule per object kind: access that outlives its reason ends everywhere at once.
A commission role counts only with its seat, on every page of the contest and its
applications; a mentor does not read the member's deficits on any form; HR does not read
on the person's path the reasons it may not read on the application."""

from __future__ import annotations

import pytest

from reserve_flow.contest.models.contests import Application
from reserve_flow.contest.services import applications as applications_service
from reserve_flow.contest.services import documents as documents_service
from reserve_flow.people.models import User, UserRole
from reserve_flow.reserve.services import plan as plan_service
from tests.fixtures.reserve import add_item, as_user, internship
from tests.helpers import load_user


def _set_roles(runtime, user_id: int, roles: list[str]) -> None:
    with runtime.transaction() as s:
        user = s.get(User, user_id)
        user.role_rows = [UserRole(role=r) for r in roles]


def test_a_seated_member_whose_member_role_was_removed_opens_nothing_of_the_contest(runtime, commission, client, auth):
    # «member» keeps the seat but now holds only the secretary role (of no contest).
    member = commission.user("member")
    auth.login("member@example.ru")
    application = commission.first
    urls = (
        f"/applications/{application}",
        f"/applications/{application}/diagram.svg",
        f"/contests/{commission.contest_id}",
        f"/contests/{commission.contest_id}/diagram.svg",
        f"/commission/applications/{application}",
        f"/commission/contests/{commission.contest_id}",
    )
    assert [client.get(url).status_code for url in urls] == [200] * len(urls)
    _set_roles(runtime, member, ["secretary"])
    assert [client.get(url).status_code for url in urls] == [404] * len(urls)
    listed = client.get("/applications/").get_data(as_text=True)
    assert f"/applications/{application}" not in listed
    with runtime.sessions() as s:
        user = s.get(User, member)
        document_id = s.get(Application, application).documents[0].id
        with pytest.raises(applications_service.ApplicationNotFound):
            documents_service.open_document(runtime, s, user, application, document_id)


def test_the_contest_page_needs_the_role_as_well_as_the_seat(runtime, district, client, auth):
    _set_roles(runtime, district.users["member2"], [])
    _set_roles(runtime, district.users["hr"], ["hr", "member"])  # a member role but no seat
    for email in ("member2@example.ru", "hr@example.ru"):
        auth.login(email)
        assert client.get(f"/contests/{district.contest_id}").status_code == 404, email
        assert f"/contests/{district.contest_id}" not in client.get("/contests/").get_data(as_text=True)
        auth.logout()


def test_a_mentor_does_not_see_the_members_deficits_on_the_item_form(runtime, reserve, client, auth):
    m = reserve.first
    as_user(runtime, reserve, "hr", plan_service.add_deficit, m, "Слабое знание финансового планирования: 3 из 10")
    item_id = add_item(runtime, reserve, m, internship(reserve))
    auth.login("hr@example.ru")
    assert "3 из 10" in client.get(f"/reserve/{m}/items/{item_id}/edit").get_data(as_text=True)
    auth.logout()
    auth.login("mentor@example.ru")
    for url in (f"/reserve/{m}", f"/reserve/{m}/items/{item_id}/edit"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "3 из 10" not in response.get_data(as_text=True), url


def test_the_path_shows_an_applications_reasons_only_to_who_may_open_the_application(runtime, district, client, auth):
    reason = "Скан паспорта нечитаем, загрузите заново"
    with runtime.transaction() as s:
        application = s.get(Application, district.application_id)
        runtime.engine.fire(application, "submit", load_user(s, district, "applicant"))
        runtime.engine.fire(application, "return_for_fix", load_user(s, district, "secretary"), reason=reason)
    applicant = district.users["applicant"]
    auth.login("hr@example.ru")
    assert client.get(f"/applications/{district.application_id}").status_code == 404
    path = client.get(f"/people/{applicant}/path")
    assert path.status_code == 200
    assert "возвращено на доработку" in path.get_data(as_text=True)  # the step itself is there
    assert reason not in path.get_data(as_text=True)
    auth.logout()
    for email in ("applicant@example.ru", "admin@example.ru"):
        auth.login(email)
        assert reason in client.get(f"/people/{applicant}/path").get_data(as_text=True), email
        auth.logout()
