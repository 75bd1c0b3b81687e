"""The counting rules on their own: a tally's decision in the cases the HTTP tests do
not reach with the district's small commission."""

from __future__ import annotations

import pytest

from reserve_flow.contest.commission_rules import INCLUDE, NOT_INCLUDE, Tally
from reserve_flow.contest.services.commission import add_years

CHAIR = 1


def tally(eligible, votes, quorum=1):
    return Tally(quorum=quorum, eligible=frozenset(eligible), votes=votes, chair_id=CHAIR)


@pytest.mark.parametrize(
    ("eligible", "votes", "casting", "expected"),
    [
        # More votes for than against, but not more than half of those present: no majority.
        ({1, 2, 3, 4, 5, 6}, {2: True, 3: True, 4: True, 5: False, 6: False}, None, NOT_INCLUDE),
        ({1, 2, 3, 4, 5}, {2: True, 3: True, 4: True, 5: False}, None, INCLUDE),
        # A tie: the chair's own vote decides.
        ({1, 2, 3, 4}, {1: True, 2: True, 3: False, 4: False}, None, INCLUDE),
        ({1, 2, 3, 4}, {1: False, 2: True, 3: True, 4: False}, None, NOT_INCLUDE),
        # A tie, the chair present and silent: the casting vote decides (an explicit one is ignored otherwise).
        ({1, 2, 3}, {2: True, 3: False}, True, INCLUDE),
        ({1, 2, 3}, {2: True, 3: False}, False, NOT_INCLUDE),
        ({1, 2, 3}, {2: True, 3: False}, None, None),
        # A tie, the chair absent or recused (not eligible): no majority for inclusion.
        ({2, 3}, {2: True, 3: False}, True, NOT_INCLUDE),
    ],
)
def test_decisions(eligible, votes, casting, expected):
    assert tally(eligible, votes).decide(casting).trigger == expected


def test_quorum_counts_votes_cast():
    assert not tally({1, 2, 3, 4}, {1: True, 2: True}, quorum=3).has_quorum
    assert tally({1, 2, 3, 4}, {1: True, 2: True, 3: False}, quorum=3).has_quorum


def test_reserve_term_end_keeps_the_day_and_handles_29_february():
    from datetime import date

    assert add_years(date(2026, 11, 25), 3) == date(2029, 11, 25)
    assert add_years(date(2028, 2, 29), 3) == date(2031, 2, 28)
