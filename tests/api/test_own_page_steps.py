"""Steps that have a page and rules of their own run that page's service when fired through
the generic endpoint, their fields in `data`: the reserve's exclusion (a reason from the
fixed list), the contest's extension of acceptance (a later date), and the reserve list
found by a stable id, with the access rule of its page."""

from __future__ import annotations

from sqlalchemy import select

from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.reserve.models.membership import ReserveMembership
from tests.fixtures.reserve import membership_version, state_of

PROBLEM = "application/problem+json"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_excluding_a_member_runs_the_exclusion_form_s_rules(client, runtime, reserve, api_token):
    hr = bearer(api_token("hr"))
    url = f"/api/v1/reserve/{reserve.first}/transitions/exclude"
    version = membership_version(runtime, reserve.first)

    no_reason = client.post(url, json={"version": version, "data": {}}, headers=hr)
    assert no_reason.status_code == 422 and "основание исключения" in no_reason.get_json()["detail"]
    other = client.post(url, json={"version": version, "data": {"reason_code": "other"}}, headers=hr)
    assert other.status_code == 422 and "иную причину" in other.get_json()["detail"]
    assert state_of(runtime, reserve.first) != "excluded"

    done = client.post(url, json={"version": version, "data": {"reason_code": "own_request"}}, headers=hr)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["state"]["code"] == "excluded"
    with runtime.sessions() as s:
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.trigger == "exclude", AuditEvent.subject_id == reserve.first)
        ).one()
        assert event.actor_name == "Кадрова Мария Ивановна" and event.reason == "по собственному желанию"
    # The list says why the member left, by the membership's id.
    members = client.get("/api/v1/reserve/members?state=excluded", headers=hr).get_json()
    assert [(m["id"], m["ended_because"]) for m in members["items"]] == [(reserve.first, "по собственному желанию")]


def test_the_system_s_own_step_is_403_and_a_member_sees_only_their_own_file(client, runtime, reserve, api_token):
    hr = bearer(api_token("hr"))
    version = membership_version(runtime, reserve.first)
    expire = client.post(
        f"/api/v1/reserve/{reserve.first}/transitions/expire_term", json={"version": version}, headers=hr
    )
    assert expire.status_code == 403 and expire.mimetype == PROBLEM

    member = bearer(api_token("applicant"))
    own = client.get("/api/v1/reserve/members", headers=member).get_json()
    assert [m["id"] for m in own["items"]] == [reserve.first]
    assert client.get(f"/api/v1/reserve/members/{reserve.second}", headers=member).status_code == 404
    assert client.get(f"/api/v1/reserve/{reserve.second}", headers=member).status_code == 404
    with runtime.sessions() as s:
        assert s.scalar(select(ReserveMembership.id).where(ReserveMembership.id == reserve.second)) is not None


def test_extending_acceptance_needs_a_date_and_moves_it(client, runtime, district, api_token):
    secretary = bearer(api_token("secretary"))
    case = client.get(f"/api/v1/contest/{district.contest_id}", headers=secretary).get_json()
    url = f"/api/v1/contest/{district.contest_id}/transitions/extend_acceptance"
    bad = client.post(url, json={"version": case["version"], "reason": "мало заявлений", "data": {}}, headers=secretary)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "data.accept_to"
    done = client.post(
        url,
        json={"version": case["version"], "reason": "мало заявлений", "data": {"accept_to": "2026-12-25"}},
        headers=secretary,
    )
    assert done.status_code == 200, done.get_json()
    contest = client.get(f"/api/v1/contests/{district.contest_id}", headers=secretary).get_json()
    assert contest["accept_to"] == "2026-12-25"
