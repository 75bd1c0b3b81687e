"""A client written from /api/v1/openapi.json alone takes an application from a draft to
the reserve: the applicant creates it, uploads the documents, consents and submits; the
secretary admits it at the document check; the members score it, the secretary marks the
meeting, the chair opens the vote, the members vote and the chair includes it; the HR
officer finds the new member in the reserve.

Nothing of the app is imported here: the fixtures give a test client and the tokens, and
every call is found in the document by its operationId."""

from __future__ import annotations

import io
import re

import pytest

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 32


class Api:
    """Calls by operationId: the path and the method come from the document."""

    def __init__(self, http, document: dict, token: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"}
        self.operations = {
            operation["operationId"]: (method, path)
            for path, methods in document["paths"].items()
            for method, operation in methods.items()
        }

    def call(self, operation_id: str, expect: int = 200, *, json=None, files=None, query=None, **path_params):
        method, template = self.operations[operation_id]
        path = re.sub(r"\{(\w+)\}", lambda m: str(path_params.pop(m.group(1))), template)
        assert not path_params, f"unused parameters {path_params}"
        kwargs = {"headers": self.headers, "query_string": query or {}}
        if json is not None:
            kwargs["json"] = json
        if files is not None:
            kwargs["data"] = files
            kwargs["content_type"] = "multipart/form-data"
        response = self.http.open(path, method=method.upper(), **kwargs)
        assert response.status_code == expect, (operation_id, response.status_code, response.get_data(as_text=True))
        return response.get_json()


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture
def as_user(client, document, api_token):
    return lambda key: Api(client, document, api_token(key))


def test_an_application_goes_from_draft_to_the_reserve_through_the_api(as_user, ready_applicant):
    applicant = as_user(ready_applicant)
    secretary, chair, hr = as_user("secretary"), as_user("chair"), as_user("hr")
    members = [chair, as_user("member"), as_user("member2")]

    # The applicant finds the contest that accepts applications and makes a draft.
    contests = applicant.call("listContests", query={"state": "accepting"})
    assert contests["total"] == 1
    contest = contests["items"][0]
    draft = applicant.call("createApplication", 201, json={"contest_id": contest["id"]})
    assert draft["state"]["code"] == "draft" and draft["documents"] == []
    application_id = draft["id"]

    # Submitting before the documents are there: 422 with the guard's message.
    case = applicant.call("getCase", workflow="application", subject_id=application_id)
    submit = next(t for t in case["triggers"] if t["trigger"] == "submit")
    assert "обязательные документы" in submit["blocked"]
    refused = applicant.call(
        "fireTransition",
        422,
        json={"version": case["version"]},
        workflow="application",
        subject_id=application_id,
        trigger="submit",
    )
    assert "обязательные документы" in refused["detail"]

    mandatory = [k["code"] for k in contest["document_kinds"] if k["mandatory"]]
    for kind, (name, content) in zip(mandatory, [("Заявление.pdf", PDF), ("Паспорт.png", PNG)], strict=True):
        uploaded = applicant.call(
            "uploadDocument",
            201,
            files={"kind": kind, "file": (io.BytesIO(content), name)},
            application_id=application_id,
        )
        assert uploaded["kind"] == kind and uploaded["name"] == name and uploaded["review_status"] == "pending"
    consented = applicant.call("giveConsent", application_id=application_id)
    assert consented["consent_given_at"]

    case = applicant.call("getCase", workflow="application", subject_id=application_id)
    assert next(t for t in case["triggers"] if t["trigger"] == "submit")["blocked"] is None
    moved = applicant.call(
        "fireTransition",
        json={"version": case["version"]},
        workflow="application",
        subject_id=application_id,
        trigger="submit",
    )
    assert moved["state"] == {"code": "submitted", "label": "Подано, на проверке документов"}

    # The secretary admits it at the document check: every document is marked accepted.
    case = secretary.call("getCase", workflow="application", subject_id=application_id)
    assert {"admit", "return_for_fix", "refuse"} <= {t["trigger"] for t in case["triggers"]}
    assert [d["state"] for d in case["deadlines"]] == ["submitted"]
    secretary.call(
        "fireTransition",
        json={"version": case["version"]},
        workflow="application",
        subject_id=application_id,
        trigger="admit",
    )
    checked = secretary.call("getApplication", application_id=application_id)
    assert checked["state"]["code"] == "admitted"
    assert {d["review_status"] for d in checked["documents"]} == {"accepted"}

    # Each member scores every criterion; the last one completes the assessment.
    for member in members:
        scores = [{"criterion_id": c["id"], "value": 8, "comment": "убедительно"} for c in contest["criteria"]]
        mine = member.call("recordScores", json={"scores": scores}, application_id=application_id)
        assert [s["value"] for s in mine["scores"]] == [8] * len(contest["criteria"])
    assert mine["state"]["code"] == "assessed"

    # The meeting: everyone present, the chair opens the vote, the members vote, the chair includes.
    full = secretary.call("getContest", contest_id=contest["id"])
    present = [seat["user_id"] for seat in full["commission"]]
    secretary.call("markAttendance", json={"present": present}, contest_id=contest["id"])
    case = chair.call("getCase", workflow="application", subject_id=application_id)
    chair.call(
        "fireTransition",
        json={"version": case["version"]},
        workflow="application",
        subject_id=application_id,
        trigger="open_vote",
    )
    for member in members:
        member.call("castVote", 201, json={"choice": "include"}, application_id=application_id)
    case = chair.call("getCase", workflow="application", subject_id=application_id)
    included = chair.call(
        "fireTransition",
        json={"version": case["version"]},
        workflow="application",
        subject_id=application_id,
        trigger="include",
    )
    assert included["trigger"] == "include"
    assert included["state"] == {"code": "included", "label": "Включено в резерв"}

    # The history names each step and who took it.
    history = applicant.call("getCase", workflow="application", subject_id=application_id)["history"]
    steps = [(h["action"], h["actor"]) for h in history]
    assert ("Подать заявление", "Второв Сергей Павлович") in steps
    assert ("Допустить к конкурсу", "Секретарёва Ольга Петровна") in steps
    assert ("Включить в резерв (по итогам голосования)", "Председателев Иван Сергеевич") in steps

    # The HR officer finds the new member by a stable id, and their case in the same shape.
    reserve = hr.call("listReserveMembers", query={"q": "Второв"})
    assert reserve["total"] == 1
    member = reserve["items"][0]
    assert member["application_id"] == application_id and member["state"]["code"] == "included"
    again = hr.call("getReserveMember", membership_id=member["id"])
    assert again["id"] == member["id"] and again["full_name"] == "Второв Сергей Павлович"
    case = hr.call("getCase", workflow="reserve", subject_id=member["id"])
    assert case["workflow"] == "reserve" and case["state"]["code"] == "included"
