"""A whole contest through the HTTP layer, one user per role (issue 3's "Done when"):
three applicants end admitted-and-included, returned-then-lapsed and refused; a member
recuses; the chair breaks a tie; the protocol read back from its DOCX holds the votes."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import docx
from sqlalchemy import select

from reserve_flow.contest.models.contests import Application, Contest
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.core.deadlines.scheduler import scan_once
from reserve_flow.people.services.users import create_user
from reserve_flow.reserve.models.membership import ReserveMembership
from tests.fixtures.applicant import PDF, PNG, act, apply, fill_profile, give_consent, upload
from tests.fixtures.privacy import NOT_PUBLISHED, consent_to_publish
from tests.helpers import PASSWORD, _csrf_token

APPLICANTS = {
    "included": ("applicant2@example.ru", "Второв Сергей Павлович"),
    "lapsed": ("lapsed@example.ru", "Медленная Ольга Игоревна"),
    "refused": ("refused@example.ru", "Неподходящий Игорь Олегович"),
}


def post(client, page_url, url, **data):
    """Post a form the way the page at `page_url` does (its CSRF token, its version field)."""
    html = client.get(page_url).get_data(as_text=True)
    version = re.search(r'name="version"(?: type="hidden")? value="(\d+)"', html)
    payload = {"csrf_token": _csrf_token(html), **({"version": version.group(1)} if version else {}), **data}
    return client.post(url, data=payload)


def state(runtime, application_id):
    with runtime.sessions() as s:
        return s.get(Application, application_id).state


def set_clock(runtime, moment):
    runtime.engine.clock = lambda: moment


def test_a_whole_contest(client, auth, district, runtime):
    contest_id = district.contest_id
    users = district.users
    with runtime.transaction() as s:
        for key in ("lapsed", "refused"):
            email, name = APPLICANTS[key]
            create_user(s, email=email, full_name=name, password=PASSWORD, roles=["applicant"])

    # --- applicants register their profiles, apply, upload, consent and submit ---
    ids = {}
    for key, (email, name) in APPLICANTS.items():
        auth.login(email)
        education = {"education_level": "secondary_vocational"} if key == "refused" else {}
        assert fill_profile(client, full_name=name, **education).status_code == 303
        response = apply(client, contest_id)
        ids[key] = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
        assert upload(client, ids[key], "application", "Заявление.pdf", PDF).status_code == 303
        assert upload(client, ids[key], "passport", "Паспорт.png", PNG).status_code == 303
        assert give_consent(client, ids[key]).status_code == 303
        assert act(client, ids[key], "submit").status_code == 303
        auth.logout()

    # --- the secretary checks documents: admit, return with a reason per document, refuse ---
    auth.login("secretary@example.ru")
    check = lambda key: f"/check/{ids[key]}"  # noqa: E731
    assert post(client, check("included"), f"{check('included')}/admit").status_code == 303
    with runtime.sessions() as s:
        passport = s.scalars(
            select(ApplicationDocument).where(
                ApplicationDocument.application_id == ids["lapsed"], ApplicationDocument.kind_code == "passport"
            )
        ).one()
    assert (
        post(
            client, check("lapsed"), f"{check('lapsed')}/return", **{f"reason_{passport.id}": "Скан паспорта нечитаем"}
        ).status_code
        == 303
    )
    assert (
        post(
            client,
            check("refused"),
            f"{check('refused')}/refuse",
            requirement="education",
            comment="Среднее профессиональное образование при требуемом высшем",
        ).status_code
        == 303
    )
    auth.logout()
    assert [state(runtime, ids[k]) for k in ("included", "lapsed", "refused")] == ["admitted", "returned", "refused"]

    # --- the returned application lapses when its fix period ends (3 working days) ---
    lapse_time = datetime(2026, 11, 30, 16, 1, tzinfo=UTC)  # 1 Dec, 00:01 in Irkutsk
    set_clock(runtime, lapse_time)
    scan_once(runtime, lapse_time)
    assert state(runtime, ids["lapsed"]) == "lapsed"
    auth.login(APPLICANTS["lapsed"][0])
    page = client.get(f"/applicant/applications/{ids['lapsed']}").get_data(as_text=True)
    assert "Не исправлено в срок" in page and "Скан паспорта нечитаем" in page
    auth.logout()

    # --- the commission: a recusal, scores, attendance, the vote, a tie the chair breaks ---
    commission = f"/commission/applications/{ids['included']}"
    auth.login("member2@example.ru")
    assert post(client, commission, f"{commission}/recusal", comment="Работали в одной школе").status_code == 303
    refused_score = post(client, commission, f"{commission}/scores", **{"score-1": "7", "score-2": "7"})
    assert refused_score.status_code == 400
    auth.logout()
    with runtime.sessions() as s:
        criteria = [c.id for c in s.get(Contest, contest_id).criteria]
    for email, values in (("chair@example.ru", (9, 8)), ("member@example.ru", (6, 7))):
        auth.login(email)
        scores = {f"score-{c}": str(v) for c, v in zip(criteria, values, strict=True)}
        assert post(client, commission, f"{commission}/scores", **scores).status_code == 303
        auth.logout()
    assert state(runtime, ids["included"]) == "assessed"  # every non-recused member has scored

    auth.login("secretary@example.ru")
    present = [str(users[k]) for k in ("chair", "member", "member2")]
    assert (
        post(
            client,
            f"/commission/contests/{contest_id}",
            f"/commission/contests/{contest_id}/attendance",
            present=present,
        ).status_code
        == 303
    )
    auth.logout()

    auth.login("chair@example.ru")
    assert post(client, commission, f"{commission}/open-vote").status_code == 303
    assert post(client, commission, f"{commission}/vote", choice="include").status_code == 303
    auth.logout()
    auth.login("member@example.ru")
    assert post(client, commission, f"{commission}/vote", choice="not_include").status_code == 303
    second = post(client, commission, f"{commission}/vote", choice="include")
    assert second.status_code == 400  # one vote each
    auth.logout()
    auth.login("member2@example.ru")
    assert post(client, commission, f"{commission}/vote", choice="not_include").status_code == 400  # recused
    auth.logout()
    auth.login("chair@example.ru")
    assert post(client, commission, f"{commission}/close-vote").status_code == 303
    auth.logout()
    assert state(runtime, ids["included"]) == "included"  # 1 : 1, the chair's vote decides
    with runtime.sessions() as s:
        membership = s.scalars(select(ReserveMembership)).one()
        assert membership.application_id == ids["included"] and membership.term_end.year == 2029

    # --- the protocol, read back from its DOCX ---
    auth.login("secretary@example.ru")
    response = post(client, f"/commission/contests/{contest_id}", f"/commission/contests/{contest_id}/protocols")
    assert response.status_code == 303
    contest_page = client.get(f"/commission/contests/{contest_id}").get_data(as_text=True)
    docx_url = re.search(r'href="(/commission/protocols/\d+\.docx)"', contest_page).group(1)
    document = docx.Document(io.BytesIO(client.get(docx_url).data))
    text = "\n".join(
        [p.text for p in document.paragraphs]
        + [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    )
    assert "ПРОТОКОЛ № 1" in text
    assert "Оценщиков Пётр Ильич — по кандидатуре Второв Сергей Павлович: Работали в одной школе" in text
    assert "Второв Сергей Павлович: «за» — Председателев Иван Сергеевич; «против» — Членова Анна Викторовна." in text
    assert "Второв Сергей Павлович (срок пребывания в резерве — до" in text

    # --- acceptance closes, the contest is decided, the results are public ---
    decided_at = datetime(2026, 12, 15, 16, 30, tzinfo=UTC)  # 16 Dec, Irkutsk
    set_clock(runtime, decided_at)
    contest_url = f"/contests/{contest_id}"
    assert post(client, contest_url, f"{contest_url}/fire/close_acceptance").status_code == 303
    assert post(client, contest_url, f"{contest_url}/fire/decide").status_code == 303
    auth.logout()
    results = client.get(f"/public/contests/{contest_id}").get_data(as_text=True)
    # Included, but published only with the separate consent to dissemination.
    assert "Итоги конкурса" in results and NOT_PUBLISHED in results and "Второв Сергей Павлович" not in results
    consent_to_publish(runtime, district.users["applicant2"], ["contest_results"])
    results = client.get(f"/public/contests/{contest_id}").get_data(as_text=True)
    assert "Второв Сергей Павлович" in results and NOT_PUBLISHED not in results
    for key in ("lapsed", "refused"):
        assert APPLICANTS[key][1] not in results
    assert "+7 924" not in results and "1984" not in results  # no other personal data
