"""The ranking table: weighted totals from the members' mean scores (recused members'
scores not counted), scores per criterion, votes; for the secretary and the chair."""

from __future__ import annotations

import re

from reserve_flow.contest.models.contests import Contest
from reserve_flow.contest.services.ranking import ranking
from tests.fixtures.commission import (
    recuse,
    score,
    snapshot,
    to_voting,
    vote,
)


def scene(runtime, commission):
    # Criteria: «Программа развития ОО» (weight 2), «Собеседование» (weight 1); max 10 each.
    score(runtime, commission, "chair", commission.first, (9, 8))
    score(runtime, commission, "member", commission.first, (8, 6))
    score(runtime, commission, "member2", commission.first, (10, 7))  # -> assessed
    score(runtime, commission, "member2", commission.second, (10, 10))
    recuse(runtime, commission, "member2", commission.second)  # member2's 10s stop counting
    score(runtime, commission, "chair", commission.second, (5, 4))
    score(runtime, commission, "member", commission.second, (6, 4))  # -> assessed (quorum 2 of 3)
    score(runtime, commission, "member", commission.third, (2, 3))  # one score so far


def test_weighted_totals_and_order(runtime, commission):
    scene(runtime, commission)
    with runtime.sessions() as s:
        rows = ranking(s, s.get(Contest, commission.contest_id))
        assert [r.application.id for r in rows] == [commission.first, commission.second, commission.third]
        first, second, third = rows
        assert first.means == [9.0, 7.0] and first.total == 25.0 and first.scorers == 3  # 9*2 + 7
        assert second.means == [5.5, 4.0] and second.total == 15.0 and second.scorers == 2  # 5.5*2 + 4
        assert third.means == [2.0, 3.0] and third.total == 7.0 and third.scorers == 1


def test_the_secretary_sees_the_ranking_page_with_votes(auth, client, runtime, commission):
    scene(runtime, commission)
    to_voting(runtime, commission, commission.first, scorers=())
    vote(runtime, commission, "chair", commission.first, True)
    vote(runtime, commission, "member2", commission.first, False)
    auth.login("secretary@example.ru")
    html = client.get(f"/commission/contests/{commission.contest_id}/ranking").get_data(as_text=True)
    assert "Рейтинг кандидатов" in html
    assert "макс. 10, вес 2" in html
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", html, re.S)]
    # Place, name, the two criteria's means, total, scorers, votes, state.
    assert cells[:8] == ["1", "Заявителева Елена Андреевна", "9", "7", "25", "3", "1 / 1", "Идёт голосование"]
    assert cells[8:14] == ["2", "Второв Сергей Павлович", "5,5", "4", "15", "2"]
    assert cells[16:22] == ["3", "Третьякова Мария Олеговна", "2", "3", "7", "1"]


def test_the_chair_sees_it_members_do_not(auth, client, runtime, commission):
    url = f"/commission/contests/{commission.contest_id}/ranking"
    auth.login("chair@example.ru")
    assert client.get(url).status_code == 200
    auth.logout()
    before = snapshot(runtime)
    auth.login("member@example.ru")
    assert client.get(url).status_code == 404
    assert "Рейтинг кандидатов" not in client.get(f"/commission/contests/{commission.contest_id}").get_data(
        as_text=True
    )
    assert snapshot(runtime) == before
