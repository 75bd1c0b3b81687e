"""The commission through the HTTP client: who sees what, recusals, scores, the
assessment's quorum, votes, closing the vote with its quorum and majority rules, the
reserve membership, and the members' notifications. Every refusal is checked to say
why in Russian and to change nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from reserve_flow.contest.models.commission import Recusal, Score, VoteResult
from reserve_flow.contest.models.contests import Application, ContestCriterion
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.core.workflow.errors import GuardFailed
from reserve_flow.reserve.models.membership import ReserveMembership
from tests.fixtures.commission import (
    add_members,
    audit_events,
    post,
    recuse,
    score,
    score_all,
    snapshot,
    state_of,
    to_voting,
    version_of,
    vote,
)
from tests.helpers import _csrf_token, load_user


def app_url(application_id: int, action: str = "") -> str:
    return f"/commission/applications/{application_id}" + (f"/{action}" if action else "")


def criteria(runtime, contest_id) -> list[ContestCriterion]:
    with runtime.sessions() as s:
        return list(
            s.scalars(
                select(ContestCriterion)
                .where(ContestCriterion.contest_id == contest_id)
                .order_by(ContestCriterion.position)
            )
        )


def score_form(runtime, contest_id, values, comments=None) -> dict:
    form = {}
    for i, (criterion, value) in enumerate(zip(criteria(runtime, contest_id), values, strict=True)):
        form[f"score-{criterion.id}"] = str(value)
        form[f"comment-{criterion.id}"] = (comments or ["", ""])[i]
    return form


def refused(response, status: int, text: str) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == status, html[:2000]
    assert text in html, html[:4000]


# --- who may see the commission's pages ---


def test_members_see_their_contest_and_its_admitted_applications(auth, client, commission):
    auth.login("member@example.ru")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/commission/"' in home  # the nav link
    html = client.get("/commission/").get_data(as_text=True)
    assert "Конкурс на включение в резерв руководителей ОО, 2026" in html
    assert "член комиссии" in html
    html = client.get(f"/commission/contests/{commission.contest_id}").get_data(as_text=True)
    for name in ("Заявителева Елена Андреевна", "Второв Сергей Павлович", "Третьякова Мария Олеговна"):
        assert name in html
    assert "не оценено" in html
    assert client.get(app_url(commission.first)).status_code == 200


@pytest.mark.parametrize("key", ["hr", "applicant2", "admin"])
def test_people_off_the_commission_get_404_and_change_nothing(auth, client, commission, runtime, key):
    before = snapshot(runtime)
    auth.login(f"{key}@example.ru")
    assert "/commission/" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/commission/contests/{commission.contest_id}").status_code == 404
    assert client.get(f"/commission/contests/{commission.contest_id}/ranking").status_code == 404
    assert client.get(app_url(commission.second)).status_code == 404
    form = score_form(runtime, commission.contest_id, [5, 5])
    for action, data in (
        ("scores", form),
        ("recusal", {"comment": "нет"}),
        ("vote", {"choice": "include"}),
        ("assess", {"version": "1"}),
        ("open-vote", {"version": "1"}),
        ("close-vote", {"version": "1"}),
    ):
        assert post(client, app_url(commission.second, action), data, token_from="/").status_code == 404
    assert (
        post(
            client,
            f"/commission/contests/{commission.contest_id}/attendance",
            {"present": [str(commission.user(key))]},
            token_from="/",
        ).status_code
        == 404
    )
    assert client.get("/commission/").get_data(as_text=True).count("Конкурс на включение") == 0
    assert snapshot(runtime) == before


def test_applications_not_yet_admitted_are_not_the_commissions(auth, client, district, runtime):
    auth.login("member@example.ru")
    assert client.get(app_url(district.application_id)).status_code == 404  # still a draft


def test_a_member_of_another_contests_commission_gets_404(auth, client, commission, runtime):
    from reserve_flow.people.services.users import create_user

    with runtime.transaction() as s:
        create_user(
            s,
            email="outsider@example.ru",
            full_name="Посторонний Член",
            password="correct horse battery",
            roles=["member", "chair"],
        )
    before = snapshot(runtime)
    auth.login("outsider@example.ru")
    assert client.get(app_url(commission.first)).status_code == 404
    assert post(client, app_url(commission.first, "recusal"), {"comment": "x"}).status_code == 404
    assert snapshot(runtime) == before


# --- scores ---


def test_member_scores_every_criterion_with_comments(auth, client, commission, runtime):
    auth.login("member@example.ru")
    html = client.get(app_url(commission.first)).get_data(as_text=True)
    assert "Программа развития ОО" in html and 'max="10"' in html
    form = score_form(runtime, commission.contest_id, [9, 7], ["Сильная программа", "Уверенно"])
    response = post(client, app_url(commission.first, "scores"), form)
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Оценки сохранены." in html
    assert "Оценили по всем критериям: 1 из 3" in html and "не менее 3" in html
    with runtime.sessions() as s:
        stored = sorted(
            s.execute(
                select(Score.value, Score.comment).where(
                    Score.application_id == commission.first, Score.member_id == commission.user("member")
                )
            ).all()
        )
    assert stored == [(7, "Уверенно"), (9, "Сильная программа")]
    event = audit_events(runtime, "scores_recorded")[-1]
    assert (event.subject_type, event.subject_id, event.actor_id) == (
        "application_assessment",
        commission.first,
        commission.user("member"),
    )

    # A correction while the assessment is open replaces the scores.
    assert (
        post(
            client, app_url(commission.first, "scores"), score_form(runtime, commission.contest_id, [10, 7])
        ).status_code
        == 303
    )
    with runtime.sessions() as s:
        assert (
            s.scalar(
                select(Score.value)
                .join(ContestCriterion)
                .where(Score.member_id == commission.user("member"), ContestCriterion.position == 1)
            )
            == 10
        )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([11, 5], "«Программа развития ОО» — оценка 11 больше максимальной (10)"),
        ([5, -1], "«Собеседование» — оценка не может быть меньше 0"),
        (["семь", 5], "оценка должна быть целым числом от 0 до 10"),
        ([5, ""], "«Собеседование» — нет оценки"),
    ],
)
def test_bad_scores_are_refused_whole_and_change_nothing(auth, client, commission, runtime, values, message):
    score(runtime, commission, "member", commission.first, (4, 4))
    before = snapshot(runtime)
    auth.login("member@example.ru")
    response = post(client, app_url(commission.first, "scores"), score_form(runtime, commission.contest_id, values))
    refused(response, 400, "Оценки не сохранены:")
    refused(response, 400, message)
    assert snapshot(runtime) == before


def test_the_secretary_does_not_score(auth, client, commission, runtime):
    before = snapshot(runtime)
    auth.login("secretary@example.ru")
    response = post(client, app_url(commission.first, "scores"), score_form(runtime, commission.contest_id, [5, 5]))
    refused(response, 400, "Оценивать, голосовать и заявлять о конфликте интересов могут только члены комиссии.")
    assert snapshot(runtime) == before


# --- recusal ---


def test_recusal_then_score_and_vote_are_refused(auth, client, commission, runtime):
    auth.login("member2@example.ru")
    before = snapshot(runtime)
    refused(
        post(client, app_url(commission.first, "recusal"), {"comment": "   "}),
        400,
        "Опишите конфликт интересов: комментарий обязателен.",
    )
    assert snapshot(runtime) == before

    response = post(client, app_url(commission.first, "recusal"), {"comment": "Кандидат — моя сестра"})
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Оценщиков Пётр Ильич: Кандидат — моя сестра" in html
    assert "вы не оцениваете это заявление и не голосуете по нему" in html
    event = audit_events(runtime, "conflict_of_interest_declared")[-1]
    assert (event.actor_id, event.subject_type, event.subject_id, event.reason) == (
        commission.user("member2"),
        "application_assessment",
        commission.first,
        "Кандидат — моя сестра",
    )
    # Kept out of the applicant's case history, which lists the application's own events.
    assert event.subject_type != "application"

    before = snapshot(runtime)
    recusal_message = "Вы заявили о конфликте интересов по этому заявлению и не можете ни оценивать его, ни голосовать."
    refused(
        post(client, app_url(commission.first, "scores"), score_form(runtime, commission.contest_id, [5, 5])),
        400,
        recusal_message,
    )
    refused(
        post(client, app_url(commission.first, "recusal"), {"comment": "ещё раз"}),
        400,
        "Вы уже заявили о конфликте интересов по этому заявлению.",
    )
    assert snapshot(runtime) == before

    # The vote: the recused member is refused even though present.
    to_voting(runtime, commission, commission.first, scorers=("chair", "member"))
    before = snapshot(runtime)
    refused(post(client, app_url(commission.first, "vote"), {"choice": "include"}), 400, recusal_message)
    assert snapshot(runtime) == before


def test_recusal_is_refused_after_the_member_voted(auth, client, commission, runtime):
    to_voting(runtime, commission, commission.first)
    vote(runtime, commission, "member", commission.first, True)
    before = snapshot(runtime)
    auth.login("member@example.ru")
    refused(
        post(client, app_url(commission.first, "recusal"), {"comment": "Вспомнил о родстве"}),
        400,
        "Вы уже проголосовали по этому заявлению: голос не отзывается.",
    )
    assert snapshot(runtime) == before


# --- the assessment and its quorum ---


def test_assessed_waits_for_the_quorum_then_completes_by_itself(auth, client, commission, runtime):
    # Commission of 4 seats (the secretary's included), 2/3 quorum: 3; the voters are 3.
    auth.login("secretary@example.ru")
    for scored in (0, 1, 2):
        if scored:
            score(runtime, commission, ("chair", "member")[scored - 1], commission.first)
        before = snapshot(runtime)
        response = post(client, app_url(commission.first, "assess"), {"version": version_of(runtime, commission.first)})
        refused(
            response,
            400,
            "Действие «Завершить оценку» невозможно: оценки по всем критериям выставили не все, "
            f"кто нужен для кворума: оценили {scored}, нужно не менее 3.",
        )
        assert snapshot(runtime) == before
    score(runtime, commission, "member2", commission.first)
    assert state_of(runtime, commission.first) == "assessed"
    event = audit_events(runtime, "transition")[-1]
    assert (event.trigger, event.actor_id, event.actor_name) == ("assess", None, "система")
    with runtime.sessions() as s:  # the chair is told, and the applicant
        notices = s.scalars(select(OutboxMessage).where(OutboxMessage.audit_event_id == event.id)).all()
        assert {m.recipient_id for m in notices} == {commission.user("chair"), commission.user("applicant")}


def test_the_secretary_completes_the_assessment_once_a_quorum_has_scored(auth, client, commission, runtime):
    add_members(runtime, commission, "member3", "member4")  # 6 seats: quorum 4 of the 5 voters
    for key in ("chair", "member", "member2"):
        score(runtime, commission, key, commission.first)
    auth.login("secretary@example.ru")
    refused(
        post(client, app_url(commission.first, "assess"), {"version": version_of(runtime, commission.first)}),
        400,
        "оценили 3, нужно не менее 4",
    )
    score(runtime, commission, "member3", commission.first)
    assert state_of(runtime, commission.first) == "admitted"  # member4 has not scored yet
    response = post(client, app_url(commission.first, "assess"), {"version": version_of(runtime, commission.first)})
    assert response.status_code == 303
    assert state_of(runtime, commission.first) == "assessed"
    assert audit_events(runtime, "transition")[-1].actor_id == commission.user("secretary")
    # Scoring is over: member4 is told so and nothing changes.
    auth.logout()
    auth.login("member4@example.ru")
    before = snapshot(runtime)
    refused(
        post(client, app_url(commission.first, "scores"), score_form(runtime, commission.contest_id, [5, 5])),
        400,
        "Оценки принимаются, пока заявление допущено и оценка не завершена (сейчас: «Оценено комиссией»).",
    )
    assert snapshot(runtime) == before


def test_a_recusal_lowers_the_quorum_with_the_commission(commission, runtime):
    """4 seats less 1 recused: 3, of which 2/3 is 2; the two remaining voters make it."""
    recuse(runtime, commission, "member2", commission.first)
    score(runtime, commission, "chair", commission.first)
    assert state_of(runtime, commission.first) == "admitted"
    score(runtime, commission, "member", commission.first)
    assert state_of(runtime, commission.first) == "assessed"


def test_a_recused_members_scores_stop_counting(commission, runtime):
    score(runtime, commission, "member2", commission.first)
    score(runtime, commission, "chair", commission.first)
    recuse(runtime, commission, "member2", commission.first)  # after scoring: the scores no longer count
    assert state_of(runtime, commission.first) == "admitted"
    score(runtime, commission, "member", commission.first)
    assert state_of(runtime, commission.first) == "assessed"
    with runtime.sessions() as s:
        assert s.scalar(select(Recusal.comment).where(Recusal.member_id == commission.user("member2")))


# --- the vote ---


def test_members_are_notified_when_scoring_and_voting_open(commission, runtime):
    voters = {commission.user(k) for k in ("chair", "member", "member2")}
    with runtime.sessions() as s:
        admitted = s.scalars(
            select(AuditEvent).where(AuditEvent.trigger == "admit", AuditEvent.subject_id == commission.first)
        ).one()
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.audit_event_id == admitted.id)).all()
        assert {(m.recipient_id, m.channel) for m in rows} >= {(v, c) for v in voters for c in ("email", "inapp")}
    to_voting(runtime, commission, commission.first)
    with runtime.sessions() as s:
        opened = s.scalars(select(AuditEvent).where(AuditEvent.trigger == "open_vote")).one()
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.audit_event_id == opened.id)).all()
        told = voters | {commission.user("applicant")}
        assert {(m.recipient_id, m.channel) for m in rows} == {(v, c) for v in told for c in ("email", "inapp")}
        assert {m.template for m in rows} == {"application.open_vote"}


def test_a_recused_member_is_not_told_the_vote_is_open(commission, runtime):
    recuse(runtime, commission, "member2", commission.first)
    to_voting(runtime, commission, commission.first, scorers=("chair", "member"))
    with runtime.sessions() as s:
        opened = s.scalars(select(AuditEvent).where(AuditEvent.trigger == "open_vote")).one()
        told = {
            m.recipient_id for m in s.scalars(select(OutboxMessage).where(OutboxMessage.audit_event_id == opened.id))
        }
    assert told == {commission.user(k) for k in ("chair", "member", "applicant")}
    assert commission.user("member2") not in told


def test_the_chair_opens_the_vote_from_the_page(auth, client, commission, runtime):
    score_all(runtime, commission, commission.first)
    auth.login("member@example.ru")
    html = client.get(app_url(commission.first)).get_data(as_text=True)
    assert "голосование открывает председатель комиссии" in html and "Открыть голосование" not in html
    auth.logout()
    auth.login("chair@example.ru")
    assert "Открыть голосование" in client.get(app_url(commission.first)).get_data(as_text=True)
    stale = version_of(runtime, commission.first) - 1
    before = snapshot(runtime)
    refused(
        post(client, app_url(commission.first, "open-vote"), {"version": stale}), 409, "уже изменил другой пользователь"
    )
    assert snapshot(runtime) == before
    response = post(client, app_url(commission.first, "open-vote"), {"version": version_of(runtime, commission.first)})
    assert response.status_code == 303
    assert state_of(runtime, commission.first) == "voting"


def test_votes_are_cast_once_by_present_members_only(auth, client, commission, runtime):
    score_all(runtime, commission, commission.first)
    auth.login("member@example.ru")
    before = snapshot(runtime)
    refused(
        post(client, app_url(commission.first, "vote"), {"choice": "include"}),
        400,
        "Голосование по заявлению не открыто (сейчас: «Оценено комиссией»).",
    )
    assert snapshot(runtime) == before

    to_voting(runtime, commission, commission.first, scorers=(), present=("chair", "member", "secretary"))
    response = post(client, app_url(commission.first, "vote"), {"choice": "include"})
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ваш голос учтён." in html and "Ваш голос: «за»." in html
    event = audit_events(runtime, "vote_cast")[-1]
    assert (event.actor_id, event.subject_type, event.data) == (
        commission.user("member"),
        "application_assessment",
        '{"include":true}',
    )

    before = snapshot(runtime)
    for choice in ("include", "not_include"):
        refused(
            post(client, app_url(commission.first, "vote"), {"choice": choice}),
            400,
            "Вы уже проголосовали по этому заявлению: голосуют один раз.",
        )
    assert snapshot(runtime) == before

    auth.logout()
    auth.login("member2@example.ru")  # not marked present
    refused(
        post(client, app_url(commission.first, "vote"), {"choice": "not_include"}),
        400,
        "Секретарь не отметил вас присутствующим на заседании: голосуют только присутствующие.",
    )
    refused(
        post(client, app_url(commission.first, "vote"), {"choice": "abstain"}),
        400,
        "Выберите: включить в резерв или не включать.",
    )
    assert snapshot(runtime) == before


def test_a_second_vote_is_refused_by_the_database_too(commission, runtime):
    from sqlalchemy.exc import IntegrityError

    from reserve_flow.contest.models.commission import Vote

    to_voting(runtime, commission, commission.first)
    vote(runtime, commission, "member", commission.first, True)
    with pytest.raises(IntegrityError):
        with runtime.transaction() as s:
            s.add(
                Vote(
                    application_id=commission.first,
                    member_id=commission.user("member"),
                    include=False,
                    cast_at=s.get(Application, commission.first).created_at,
                )
            )


def close(client, runtime, application_id, casting=None):
    data = {"version": version_of(runtime, application_id)}
    if casting:
        data["casting_vote"] = casting
    return post(client, app_url(application_id, "close-vote"), data)


def test_majority_includes_and_creates_the_reserve_membership(auth, client, commission, runtime):
    to_voting(runtime, commission, commission.first)
    vote(runtime, commission, "chair", commission.first, True)
    vote(runtime, commission, "member", commission.first, True)
    vote(runtime, commission, "member2", commission.first, False)
    auth.login("chair@example.ru")
    response = close(client, runtime, commission.first)
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Решение комиссии: включить в резерв." in html
    assert "«за» — 2, «против» — 1" in html
    assert state_of(runtime, commission.first) == "included"
    with runtime.sessions() as s:
        membership = s.scalars(select(ReserveMembership)).one()
        assert (membership.user_id, membership.application_id, membership.contest_id) == (
            commission.user("applicant"),
            commission.first,
            commission.contest_id,
        )
        assert (membership.included_on, membership.term_end) == (date(2026, 11, 25), date(2029, 11, 25))
        assert (membership.state, membership.version, membership.position_kind) == ("included", 1, "school")
        event = s.scalars(select(AuditEvent).where(AuditEvent.trigger == "include")).one()
        assert event.actor_id == commission.user("chair")
        assert '"votes_for":2' in event.data and '"votes_against":1' in event.data
        notified = {
            m.recipient_id for m in s.scalars(select(OutboxMessage).where(OutboxMessage.audit_event_id == event.id))
        }
        assert commission.user("applicant") in notified


def test_majority_against_does_not_include(auth, client, commission, runtime):
    to_voting(runtime, commission, commission.first)
    vote(runtime, commission, "chair", commission.first, True)
    vote(runtime, commission, "member", commission.first, False)
    vote(runtime, commission, "member2", commission.first, False)
    auth.login("chair@example.ru")
    assert close(client, runtime, commission.first).status_code == 303
    assert state_of(runtime, commission.first) == "not_included"
    with runtime.sessions() as s:
        assert s.scalars(select(ReserveMembership)).all() == []


def test_the_quorum_counts_votes_cast_and_the_chairs_vote_breaks_a_tie(auth, client, commission, runtime):
    """5 seats (the secretary's among them): quorum 4 of the 4 voters, all present."""
    add_members(runtime, commission, "member3")
    to_voting(
        runtime,
        commission,
        commission.first,
        scorers=("chair", "member", "member2", "member3"),
        present=("chair", "member", "member2", "member3", "secretary"),
    )
    vote(runtime, commission, "chair", commission.first, True)
    vote(runtime, commission, "member", commission.first, True)
    vote(runtime, commission, "member2", commission.first, False)
    auth.login("chair@example.ru")
    before = snapshot(runtime)
    refused(
        close(client, runtime, commission.first),
        400,
        "Голосование нельзя закрыть — нет кворума: проголосовали 3 члена комиссии из присутствующих "
        "и не заявивших самоотвод, а для кворума нужно не менее 4.",
    )
    assert snapshot(runtime) == before
    vote(runtime, commission, "member3", commission.first, False)  # 2 : 2 with the chair "for": the chair decides
    assert close(client, runtime, commission.first).status_code == 303
    assert state_of(runtime, commission.first) == "included"


def test_closing_without_a_quorum_is_refused_and_says_so(auth, client, commission, runtime):
    to_voting(runtime, commission, commission.first, present=("chair", "member", "secretary"))
    vote(runtime, commission, "chair", commission.first, True)
    vote(runtime, commission, "member", commission.first, True)
    auth.login("chair@example.ru")
    before = snapshot(runtime)
    response = close(client, runtime, commission.first)
    refused(
        response,
        400,
        "Голосование нельзя закрыть — нет кворума: проголосовали 2 члена комиссии "
        "из присутствующих и не заявивших самоотвод, а для кворума нужно не менее 3.",
    )
    assert snapshot(runtime) == before
    assert state_of(runtime, commission.first) == "voting"
    # The engine refuses it too, whoever fires it, even with a result recorded.
    with pytest.raises(GuardFailed) as refusal:
        with runtime.transaction() as s:
            application = s.get(Application, commission.first)
            s.add(
                VoteResult(
                    application_id=application.id,
                    eligible=2,
                    quorum=2,
                    votes_for=2,
                    votes_against=0,
                    casting_vote=None,
                    decision="include",
                    closed_at=application.created_at,
                    closed_by_id=commission.user("chair"),
                )
            )
            s.flush()
            runtime.engine.fire(application, "include", load_user(s, commission.district, "chair"))
    assert str(refusal.value) == (
        "Действие «Включить в резерв (по итогам голосования)» невозможно: нет кворума: "
        "проголосовали 2 члена комиссии из присутствующих и не заявивших самоотвод, "
        "а для кворума нужно не менее 3."
    )
    assert snapshot(runtime) == before


def test_a_tie_is_broken_by_the_chairs_own_vote(auth, client, commission, runtime):
    recuse(runtime, commission, "member2", commission.first)  # 2 voters left; quorum 2 of 3 seats
    to_voting(runtime, commission, commission.first, scorers=("chair", "member"))
    vote(runtime, commission, "member", commission.first, True)
    vote(runtime, commission, "chair", commission.first, False)
    auth.login("chair@example.ru")
    response = close(client, runtime, commission.first)
    assert response.status_code == 303
    assert state_of(runtime, commission.first) == "not_included"
    with runtime.sessions() as s:
        result = s.get(VoteResult, commission.first)
        assert (result.votes_for, result.votes_against, result.casting_vote, result.decision, result.quorum) == (
            1,
            1,
            None,
            "not_include",
            2,
        )
        event = s.scalars(select(AuditEvent).where(AuditEvent.trigger == "not_include")).one()
        assert "решающий голос председателя — «против»" in event.data


def test_a_tie_without_the_chairs_vote_needs_the_casting_vote(auth, client, commission, runtime):
    add_members(runtime, commission, "member3", "member4")  # 6 seats: quorum 4; 5 voters
    to_voting(
        runtime,
        commission,
        commission.first,
        scorers=("chair", "member", "member2", "member3", "member4"),
        present=("chair", "member", "member2", "member3", "member4", "secretary"),
    )
    for key, include in (("member", True), ("member2", True), ("member3", False), ("member4", False)):
        vote(runtime, commission, key, commission.first, include)
    auth.login("chair@example.ru")
    html = client.get(app_url(commission.first)).get_data(as_text=True)
    assert "Голоса разделились поровну: ваш решающий голос" in html
    before = snapshot(runtime)
    refused(
        close(client, runtime, commission.first),
        400,
        "Голоса разделились поровну (2 «за», 2 «против»): председатель, не голосовавший по заявлению, "
        "подаёт решающий голос при закрытии голосования.",
    )
    assert snapshot(runtime) == before
    assert close(client, runtime, commission.first, casting="include").status_code == 303
    assert state_of(runtime, commission.first) == "included"
    with runtime.sessions() as s:
        assert s.get(VoteResult, commission.first).casting_vote is True
        assert s.scalars(select(ReserveMembership)).one().application_id == commission.first


def test_a_tie_with_the_chair_recused_does_not_include(auth, client, commission, runtime):
    recuse(runtime, commission, "chair", commission.first)
    to_voting(runtime, commission, commission.first, scorers=("member", "member2"))
    vote(runtime, commission, "member", commission.first, True)
    vote(runtime, commission, "member2", commission.first, False)
    auth.login("chair@example.ru")
    assert close(client, runtime, commission.first, casting="include").status_code == 303  # ignored
    assert state_of(runtime, commission.first) == "not_included"
    with runtime.sessions() as s:
        assert s.get(VoteResult, commission.first).casting_vote is None


def test_only_the_chair_closes_the_vote(auth, client, commission, runtime):
    to_voting(runtime, commission, commission.first)
    auth.login("member@example.ru")
    before = snapshot(runtime)
    refused(close(client, runtime, commission.first), 400, "Голосование закрывает председатель комиссии.")
    assert snapshot(runtime) == before


def test_the_engine_itself_refuses_an_include_without_the_vote(auth, client, commission, runtime):
    to_voting(runtime, commission, commission.first)
    vote(runtime, commission, "chair", commission.first, True)
    vote(runtime, commission, "member", commission.first, False)
    vote(runtime, commission, "member2", commission.first, False)
    before = snapshot(runtime)
    # Through the generic case page: the inclusion is the commission page's step, refused here.
    auth.login("chair@example.ru")
    html = client.get(f"/applications/{commission.first}").get_data(as_text=True)
    response = client.post(
        f"/applications/{commission.first}/fire/include",
        data={"csrf_token": _csrf_token(html), "version": version_of(runtime, commission.first)},
    )
    refused(response, 400, "выполняется только на своей странице")
    assert snapshot(runtime) == before
    # Even with a recorded result claiming inclusion, the recount says otherwise.
    with pytest.raises(GuardFailed) as refusal:
        with runtime.transaction() as s:
            application = s.get(Application, commission.first)
            s.add(
                VoteResult(
                    application_id=application.id,
                    eligible=3,
                    quorum=3,
                    votes_for=3,
                    votes_against=0,
                    casting_vote=None,
                    decision="include",
                    closed_at=application.created_at,
                    closed_by_id=commission.user("chair"),
                )
            )
            s.flush()
            runtime.engine.fire(application, "include", load_user(s, commission.district, "chair"))
    assert "решение о включении в резерв не принято: «за» — 1 из 3" in str(refusal.value)
    assert snapshot(runtime) == before


# --- attendance ---


def test_attendance_is_the_secretarys_and_freezes_once_a_vote_is_closed(auth, client, commission, runtime):
    url = f"/commission/contests/{commission.contest_id}/attendance"
    auth.login("member@example.ru")
    before = snapshot(runtime)
    refused(
        post(client, url, {"present": [str(commission.user("member"))]}),
        400,
        "Явку на заседании отмечает секретарь комиссии.",
    )
    assert snapshot(runtime) == before
    auth.logout()

    auth.login("secretary@example.ru")
    present = [str(commission.user(k)) for k in ("chair", "member", "member2")]
    response = post(client, url, {"present": present})
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Явка на заседании сохранена." in html
    assert html.count("checked") == 3
    refused(
        post(client, url, {"present": present + [str(commission.user("hr"))]}),
        400,
        "В списке присутствующих есть люди, не входящие в комиссию.",
    )
    event = audit_events(runtime, "attendance_marked")[-1]
    assert (event.subject_type, event.subject_id) == ("contest", commission.contest_id)

    to_voting(runtime, commission, commission.first, present=("chair", "member", "member2"))
    for key in ("chair", "member", "member2"):
        vote(runtime, commission, key, commission.first, True)
    auth.logout()
    auth.login("chair@example.ru")
    assert close(client, runtime, commission.first).status_code == 303
    auth.logout()
    auth.login("secretary@example.ru")
    before = snapshot(runtime)
    refused(
        post(client, url, {"present": present[:1]}),
        400,
        "Явка уже зафиксирована: по заявлениям конкурса подведены итоги голосования.",
    )
    assert snapshot(runtime) == before


def test_forms_without_the_csrf_token_are_refused(auth, client, commission, runtime):
    to_voting(runtime, commission, commission.first)
    auth.login("member@example.ru")
    before = snapshot(runtime)
    response = client.post(app_url(commission.first, "vote"), data={"choice": "include"})
    assert response.status_code == 400
    assert snapshot(runtime) == before
