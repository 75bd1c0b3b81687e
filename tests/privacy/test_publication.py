"""Publication follows consent: the public reserve list, a contest's public results and
the public appointments page name a person only with a dissemination consent in force for
that page, and drop the name the moment it is revoked. Names on official records stay as
the act recorded them: a later change of name in the profile reaches neither the public
pages nor a protocol, and is an audited event HR sees on the person's path."""

from __future__ import annotations

import io
import json
import re

import docx
from sqlalchemy import select, update

from reserve_flow.contest.models.contests import Contest
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.privacy.models import DISSEMINATION, ConsentRecord
from tests.fixtures.applicant import fill_profile, page_token
from tests.fixtures.commission import post
from tests.fixtures.history import appoint_member, issue_on
from tests.fixtures.privacy import NOT_PUBLISHED, consent_to_publish, public_text
from tests.fixtures.reserve import TODAY

FIRST = "Заявителева Елена Андреевна"  # the reserve's first member (applicant)
SECOND = "Второв Сергей Павлович"  # the second (applicant2), appointed below


def _decided(runtime, contest_id: int) -> None:
    """Setup only: the contest's closing steps are tested in the contest's own tests."""
    with runtime.transaction() as s:
        s.execute(update(Contest).where(Contest.id == contest_id).values(state="decided"))


def _choose_pages(client, *scopes: str):
    token = page_token(client, "/my/consents")
    return client.post("/my/consents/dissemination", data={"csrf_token": token, **{s: "y" for s in scopes}})


def _pages(client, contest_id: int) -> tuple[str, str, str]:
    return (
        public_text(client, "/public/reserve"),
        public_text(client, f"/public/contests/{contest_id}"),
        public_text(client, "/public/appointments"),
    )


def test_names_appear_only_with_a_dissemination_consent_and_go_when_it_is_revoked(runtime, appointment, client, auth):
    reserve = appointment.reserve
    appoint_member(runtime, appointment, reserve.second)
    issue_on(runtime, reserve.district, appointment.vacancy, TODAY)
    contest_id = reserve.commission.contest_id
    _decided(runtime, contest_id)

    # Nobody consented: the members are listed (counted) without their names, everywhere.
    reserve_page, results, appointments = _pages(client, contest_id)
    for html in (reserve_page, results, appointments):
        assert FIRST not in html and SECOND not in html and NOT_PUBLISHED in html
    assert reserve_page.count(NOT_PUBLISHED) == 1  # the appointed member has left the reserve
    assert results.count(NOT_PUBLISHED) == 2

    # The first member allows every page; the second only the page of appointments.
    auth.login("applicant@example.ru")
    assert _choose_pages(client, "reserve_list", "contest_results", "appointments").status_code == 303
    auth.logout()
    auth.login("applicant2@example.ru")
    assert _choose_pages(client, "appointments").status_code == 303
    auth.logout()
    reserve_page, results, appointments = _pages(client, contest_id)
    assert FIRST in reserve_page and NOT_PUBLISHED not in reserve_page
    assert FIRST in results and SECOND not in results and results.count(NOT_PUBLISHED) == 1
    assert SECOND in appointments and NOT_PUBLISHED not in appointments

    # The first member revokes it in the cabinet: the name is off the pages at once.
    auth.login("applicant@example.ru")
    html = client.get("/my/consents").get_data(as_text=True)
    assert "публичный список кадрового резерва" in html and "152-ФЗ" in html
    with runtime.sessions() as s:
        consent = s.scalars(
            select(ConsentRecord).where(
                ConsentRecord.user_id == reserve.user("applicant"),
                ConsentRecord.kind == DISSEMINATION,
                ConsentRecord.revoked_at.is_(None),
            )
        ).one()
    response = client.post(f"/my/consents/{consent.id}/revoke", data={"csrf_token": _token(html)})
    assert response.status_code == 303
    assert "отозвано" in client.get("/my/consents").get_data(as_text=True)
    auth.logout()
    reserve_page, results, _ = _pages(client, contest_id)
    assert FIRST not in reserve_page and FIRST not in results
    with runtime.sessions() as s:
        kinds = list(
            s.scalars(
                select(AuditEvent.kind).where(
                    AuditEvent.subject_type == "user", AuditEvent.subject_id == reserve.user("applicant")
                )
            )
        )
    assert kinds.count("consent_given") >= 1 and "consent_revoked" in kinds


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_someone_elses_consent_cannot_be_revoked(runtime, reserve, client, auth):
    consent_to_publish(runtime, reserve.user("applicant"))
    with runtime.sessions() as s:
        ids = list(s.scalars(select(ConsentRecord.id).where(ConsentRecord.user_id == reserve.user("applicant"))))
    auth.login("applicant2@example.ru")
    token = page_token(client, "/my/consents")
    for consent_id in ids:
        assert client.post(f"/my/consents/{consent_id}/revoke", data={"csrf_token": token}).status_code == 404
    with runtime.sessions() as s:
        assert all(s.get(ConsentRecord, i).revoked_at is None for i in ids)


def _protocol_text(client, contest_id: int) -> str:
    """Generate a protocol as the secretary and read its DOCX back."""
    auth_page = f"/commission/contests/{contest_id}"
    assert post(client, f"{auth_page}/protocols", token_from=auth_page).status_code == 303
    links = re.findall(r'href="(/commission/protocols/\d+\.docx)"', client.get(auth_page).get_data(as_text=True))
    document = docx.Document(io.BytesIO(client.get(sorted(links)[-1]).data))
    return "\n".join(
        [p.text for p in document.paragraphs]
        + [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    )


def test_a_name_change_after_inclusion_leaves_the_records_as_recorded_and_is_audited(runtime, reserve, client, auth):
    consent_to_publish(runtime, reserve.user("applicant"))
    contest_id = reserve.commission.contest_id
    auth.login("secretary@example.ru")
    assert FIRST in _protocol_text(client, contest_id)
    auth.logout()

    auth.login("applicant@example.ru")
    assert fill_profile(client, full_name="Новикова Елена Андреевна").status_code == 303
    auth.logout()

    reserve_page = public_text(client, "/public/reserve")
    assert FIRST in reserve_page and "Новикова" not in reserve_page
    auth.login("secretary@example.ru")
    later = _protocol_text(client, contest_id)  # a protocol drawn up after the change
    assert FIRST in later and "Новикова" not in later
    auth.logout()

    with runtime.sessions() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "full_name_changed")).one()
        assert (event.subject_type, event.subject_id, event.actor_id) == (
            "user",
            reserve.user("applicant"),
            reserve.user("applicant"),
        )
        assert event.payload == {"old": FIRST, "new": "Новикова Елена Андреевна"}
        assert json.loads(event.data) == {}  # the names are kept erasable, outside the hashed data
    auth.login("hr@example.ru")
    path = client.get(f"/people/{reserve.user('applicant')}/path").get_data(as_text=True)
    assert f"Изменены фамилия, имя, отчество: «{FIRST}» → «Новикова Елена Андреевна»" in path


def test_an_administrators_correction_of_a_name_shows_on_the_path_and_not_on_records(runtime, reserve, client, auth):
    consent_to_publish(runtime, reserve.user("applicant"), ["reserve_list"])
    member = reserve.user("applicant")
    auth.login("admin@example.ru")
    url = f"/admin/users/{member}"
    token = page_token(client, url)
    data = {"csrf_token": token, "full_name": "Заявителева Алёна Андреевна", "roles": ["applicant"], "active": "y"}
    assert client.post(url, data=data).status_code == 303
    auth.logout()
    assert FIRST in public_text(client, "/public/reserve")
    auth.login("hr@example.ru")
    path = client.get(f"/people/{member}/path").get_data(as_text=True)
    assert f"Администратор изменил фамилию, имя, отчество: «{FIRST}» → «Заявителева Алёна Андреевна»" in path
