"""The secretary's contest: creating it, announcing, the acceptance dates and their
extension, the freeze of its conditions, and the public pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from reserve_flow.contest.models.contests import Contest
from reserve_flow.core.audit.models import AuditEvent
from tests.helpers import _csrf_token, load_user


def form_data(client, url, **overrides):
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data = {
        "csrf_token": _csrf_token(page.get_data(as_text=True)),
        "title": "Конкурс на включение в резерв руководителей ДОУ",
        "announcement": "Объявляется конкурс на включение в резерв руководителей детских садов.",
        "contacts": "РУО, каб. 12, тел. 8 (30130) 4-11-11",
        "organization_kinds": ["kindergarten"],
        "required_education": "высшее педагогическое образование",
        "min_teaching_years": "5",
        "min_management_years": "1",
        "accept_from": "2026-12-01",
        "accept_to": "2026-12-20",
        "check_period_days": "5",
        "fix_period_days": "3",
        "vote_period_days": "5",
        "assessment_date": "2027-01-20",
        "quorum_numerator": "2",
        "quorum_denominator": "3",
        "reserve_term_years": "3",
        "chair_id": "0",
        "member_ids": [],
        "criteria-0-name": "Программа развития",
        "criteria-0-max_score": "10",
        "criteria-0-weight": "2",
        "criteria-1-name": "Собеседование",
        "criteria-1-max_score": "5",
        "criteria-1-weight": "1",
    }
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page.get_data(as_text=True))
    if version:
        data["version"] = version.group(1)
    data.update(overrides)
    return data


@pytest.fixture
def secretary(auth, district):
    auth.login("secretary@example.ru")
    return district


def create(client, district, **overrides):
    overrides.setdefault("chair_id", str(district.users["chair"]))
    overrides.setdefault("member_ids", [str(district.users["member"]), str(district.users["member2"])])
    response = client.post("/contests/new", data=form_data(client, "/contests/new", **overrides))
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def fire(client, contest_id, trigger, **extra):
    page = client.get(f"/contests/{contest_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    return client.post(
        f"/contests/{contest_id}/fire/{trigger}", data={"csrf_token": _csrf_token(page), "version": version, **extra}
    )


def contest_row(runtime, contest_id):
    with runtime.sessions() as s:
        return s.get(Contest, contest_id)


def audit_count(runtime):
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent))


def test_secretary_creates_a_draft_contest_and_is_its_secretary(client, secretary, runtime):
    contest_id = create(client, secretary)
    contest = contest_row(runtime, contest_id)
    assert contest.state == "draft" and contest.secretary_id == secretary.users["secretary"]
    assert [(c.name, c.max_score, c.weight) for c in contest.criteria] == [
        ("Программа развития", 10, 2.0),
        ("Собеседование", 5, 1.0),
    ]
    assert {s.user_id for s in contest.seats} == {
        secretary.users[k] for k in ("chair", "member", "member2", "secretary")
    }
    mandatory = {k.code for k in contest.document_kinds if k.mandatory}
    assert "passport" in mandatory and "programme" not in mandatory
    page = client.get(f"/contests/{contest_id}").get_data(as_text=True)
    assert "Подготовка" in page and "Объявить конкурс" in page


def test_invalid_dates_are_refused_in_russian_and_nothing_is_created(client, secretary, runtime):
    with runtime.sessions() as s:
        before = s.scalar(select(func.count()).select_from(Contest))
    data = form_data(
        client,
        "/contests/new",
        accept_from="2026-12-20",
        accept_to="2026-12-01",
        chair_id=str(secretary.users["chair"]),
    )
    response = client.post("/contests/new", data=data)
    assert response.status_code == 400
    assert "Дата окончания приёма заявлений раньше даты начала" in response.get_data(as_text=True)
    past = form_data(client, "/contests/new", accept_from="2026-10-01", accept_to="2026-11-01")
    assert "уже прошла" in client.post("/contests/new", data=past).get_data(as_text=True)
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Contest)) == before


def test_only_secretaries_create_contests(client, auth, district):
    auth.login("member@example.ru")
    assert client.get("/contests/new").status_code == 404


def test_announce_is_refused_until_the_contest_is_complete(client, secretary, runtime):
    contest_id = create(client, secretary, **{"criteria-0-name": "", "criteria-1-name": ""})
    before = audit_count(runtime)
    response = fire(client, contest_id, "announce")
    assert response.status_code == 400
    assert "конкурс не готов к объявлению: нет критериев оценки" in response.get_data(as_text=True)
    assert contest_row(runtime, contest_id).state == "draft" and audit_count(runtime) == before


def test_announced_contest_is_public_and_a_draft_is_not(client, secretary, runtime):
    contest_id = create(client, secretary)
    assert client.get(f"/public/contests/{contest_id}").status_code == 404
    assert fire(client, contest_id, "announce").status_code == 303
    page = client.get(f"/public/contests/{contest_id}").get_data(as_text=True)
    assert "Объявляется конкурс на включение в резерв руководителей детских садов." in page
    assert "с 01.12.2026 по 20.12.2026 включительно" in page
    assert "Педагогический стаж — не менее 5 лет" in page and "Копия паспорта" in page
    assert "РУО, каб. 12" in page
    assert "Конкурс на включение в резерв руководителей ДОУ" in client.get("/public/").get_data(as_text=True)


def test_acceptance_opens_on_its_date_and_closes_after_its_end(client, secretary, runtime):
    contest_id = create(client, secretary)
    fire(client, contest_id, "announce")
    response = fire(client, contest_id, "open_acceptance")
    assert response.status_code == 400 and "приём заявлений начинается 01.12.2026" in response.get_data(as_text=True)
    runtime.engine.clock = lambda: datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Irkutsk
    assert fire(client, contest_id, "open_acceptance").status_code == 303
    response = fire(client, contest_id, "close_acceptance")
    assert response.status_code == 400
    assert "приём заявлений продолжается до 20.12.2026 включительно" in response.get_data(as_text=True)
    runtime.engine.clock = lambda: datetime(2026, 12, 20, 16, 0, tzinfo=UTC)  # 21 Dec, 00:00 Irkutsk
    assert fire(client, contest_id, "close_acceptance").status_code == 303
    assert contest_row(runtime, contest_id).state == "assessing"


def test_conditions_freeze_when_acceptance_opens(client, secretary, runtime):
    contest_id = secretary.contest_id  # the district's contest is accepting
    before = contest_row(runtime, contest_id)
    response = client.post(
        f"/contests/{contest_id}/edit",
        data=form_data(client, f"/contests/{contest_id}/edit", **{"criteria-0-max_score": "100"}),
    )
    assert response.status_code == 400
    assert "критерии и состав комиссии не меняются" in response.get_data(as_text=True)
    after = contest_row(runtime, contest_id)
    assert [c.max_score for c in after.criteria] == [c.max_score for c in before.criteria]
    assert after.version == before.version


def test_draft_can_be_edited_but_a_stale_form_is_a_conflict(client, secretary, runtime):
    contest_id = create(client, secretary)
    first = form_data(client, f"/contests/{contest_id}/edit", title="Первое название")
    second = form_data(client, f"/contests/{contest_id}/edit", title="Второе название")
    assert client.post(f"/contests/{contest_id}/edit", data=first).status_code == 303
    response = client.post(f"/contests/{contest_id}/edit", data=second)
    assert response.status_code == 409 and "уже изменил другой пользователь" in response.get_data(as_text=True)
    assert contest_row(runtime, contest_id).title == "Первое название"


def extend(client, contest_id, **data):
    page = client.get(f"/contests/{contest_id}").get_data(as_text=True)
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page).group(1)
    return client.post(
        f"/contests/{contest_id}/extend", data={"csrf_token": _csrf_token(page), "version": version, **data}
    )


def test_extension_needs_a_later_date_and_a_reason_and_is_audited(client, secretary, runtime):
    contest_id = secretary.contest_id
    before = audit_count(runtime)
    no_reason = extend(client, contest_id, accept_to="2026-12-25", reason="")
    assert no_reason.status_code == 400 and "Укажите новую дату и причину продления." in no_reason.get_data(
        as_text=True
    )
    earlier = extend(client, contest_id, accept_to="2026-12-10", reason="Мало заявлений")
    assert earlier.status_code == 400 and "должна быть позже 15.12.2026" in earlier.get_data(as_text=True)
    assert audit_count(runtime) == before and contest_row(runtime, contest_id).accept_to.isoformat() == "2026-12-15"
    assert extend(client, contest_id, accept_to="2026-12-25", reason="Мало заявлений").status_code == 303
    assert contest_row(runtime, contest_id).accept_to.isoformat() == "2026-12-25"
    with runtime.sessions() as s:
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (event.trigger, event.reason) == ("extend_acceptance", "Мало заявлений")
    assert '"accept_to_old":"2026-12-15"' in event.data and '"accept_to_new":"2026-12-25"' in event.data


def test_cancel_needs_a_reason(client, secretary, runtime):
    response = fire(client, secretary.contest_id, "cancel", reason="")
    assert response.status_code == 400 and "нужно указать причину" in response.get_data(as_text=True)
    assert fire(client, secretary.contest_id, "cancel", reason="Отмена по приказу РУО").status_code == 303
    assert contest_row(runtime, secretary.contest_id).state == "cancelled"


def test_a_step_without_a_version_is_a_bad_request_and_changes_nothing(client, secretary, runtime):
    page = client.get(f"/contests/{secretary.contest_id}").get_data(as_text=True)
    before = audit_count(runtime)
    response = client.post(
        f"/contests/{secretary.contest_id}/fire/cancel", data={"csrf_token": _csrf_token(page), "reason": "Отмена"}
    )
    assert response.status_code == 400
    assert contest_row(runtime, secretary.contest_id).state != "cancelled" and audit_count(runtime) == before


def test_commission_sees_its_contest_and_others_do_not(client, auth, district):
    auth.login("member@example.ru")
    assert client.get(f"/contests/{district.contest_id}").status_code == 200
    assert "Конкурс на включение в резерв" in client.get("/contests/").get_data(as_text=True)
    assert client.post(
        f"/contests/{district.contest_id}/fire/cancel",
        data={
            "csrf_token": _csrf_token(client.get("/contests/").get_data(as_text=True)),
            "version": "1",
            "reason": "x",
        },
    ).status_code in (400, 409)
    auth.logout()
    for who in ("applicant", "hr"):
        auth.login(f"{who}@example.ru")
        assert client.get(f"/contests/{district.contest_id}").status_code == 404
        assert "Конкурс на включение" not in client.get("/contests/").get_data(as_text=True)
        auth.logout()


def test_a_blocked_action_says_why_before_it_is_tried(client, secretary):
    page = client.get(f"/contests/{secretary.contest_id}").get_data(as_text=True)
    assert "Сейчас недоступно: приём заявлений продолжается до 15.12.2026 включительно." in page
    assert 'type="submit" disabled>Завершить приём заявлений' in page


def test_a_contest_step_is_its_own_transaction_and_a_refused_one_writes_nothing(runtime, district):
    """The service commits the step itself (another session sees it); a stale version or a
    step the engine refuses leaves the contest and the audit chain as they were."""
    from reserve_flow.contest.services import contests as service
    from reserve_flow.core.workflow.errors import ConcurrentChange, TransitionDenied

    def state_and_events():
        with runtime.sessions() as s:
            return s.get(Contest, district.contest_id).state, s.scalar(select(func.count()).select_from(AuditEvent))

    before = state_and_events()
    with runtime.sessions() as s:
        secretary = load_user(s, district, "secretary")
        version = s.get(Contest, district.contest_id).version
        with pytest.raises(ConcurrentChange):
            service.fire_contest(runtime, s, secretary, district.contest_id, "close_acceptance", None, version - 1)
        with pytest.raises(TransitionDenied):
            service.fire_contest(runtime, s, secretary, district.contest_id, "announce", None, version)
    assert state_and_events() == before

    with runtime.sessions() as s:
        secretary = load_user(s, district, "secretary")
        contest = s.get(Contest, district.contest_id)
        later = contest.accept_to.replace(year=contest.accept_to.year + 1)
        service.extend_acceptance(runtime, s, contest.id, secretary, later, "Мало заявлений", contest.version)
    assert state_and_events() == (before[0], before[1] + 1)
