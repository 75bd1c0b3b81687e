"""The demo's reserve: members in every state of the reserve workflow, moved through
its services and the engine, and the district's programme."""

from __future__ import annotations

from sqlalchemy import select

from reserve_flow.appointments.models import Vacancy
from reserve_flow.core.audit.chain import verify_chain
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.demo.district import seed_demo
from reserve_flow.demo.reserve import RESERVE_STATES
from reserve_flow.reserve.models.membership import ReserveMembership
from reserve_flow.reserve.models.plan import PlanItem
from reserve_flow.reserve.models.programme import ReserveProgramme
from tests.fixtures.privacy import NOT_PUBLISHED


def test_the_demo_shows_reserve_members_in_different_states(runtime, client):
    seed_demo(runtime)
    with runtime.sessions() as s:
        states = {m.user.email.split("@")[0]: m.state for m in s.scalars(select(ReserveMembership))}
        assert states == RESERVE_STATES
        ready = s.scalars(select(ReserveMembership).where(ReserveMembership.state == "ready")).one()
        triggers = [
            e.trigger
            for e in s.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.subject_type == "reserve",
                    AuditEvent.subject_id == ready.id,
                    AuditEvent.kind == "transition",
                )
                .order_by(AuditEvent.seq)
            )
        ]
        assert triggers == ["start", "agree_plan", "begin_development", "become_ready"]
        internship = s.scalars(
            select(PlanItem).where(PlanItem.membership_id == ready.id, PlanItem.kind == "internship")
        ).one()
        assert internship.state == "accepted" and internship.mentor_review
        returned = s.scalars(select(PlanItem).where(PlanItem.state == "returned")).one()
        assert returned.membership.state == "developing"
        assert s.scalars(select(ReserveProgramme)).one().targets
        assert verify_chain(s).ok
    html = client.get("/public/reserve").get_data(as_text=True)
    assert html.count("<tr>") == 1 + 4  # the header and the four members still in the reserve
    # Those who consented are named; the one who did not is listed without the name.
    assert "Батуева Туяна Владимировна" in html
    assert html.count(NOT_PUBLISHED) == 1 and "Соколов Алексей Игоревич" not in html


def test_demo_has_vacancies_in_several_states_and_a_published_order(runtime):
    """The HR officer finds a closed vacancy (a failed attestation, then an order),
    one in attestation with a candidate from outside the reserve, and an open one."""
    seed_demo(runtime)
    with runtime.sessions() as session:
        vacancies = {v.organization.short_name: v for v in session.scalars(select(Vacancy))}
        assert {name: v.state for name, v in vacancies.items()} == {
            "Верхнезаимская СОШ": "closed",
            "д/с «Брусничка»": "attestation",
            "Куморская СОШ": "open",
        }
        closed = vacancies["Верхнезаимская СОШ"]
        assert [c.status for c in closed.candidates] == ["not_attested", "appointed"]
        assert closed.order.number_label == "1-к"
        assert closed.organization.head_name == "Николаев Сергей Петрович"
        assert any(c.direct and c.justification for c in vacancies["д/с «Брусничка»"].candidates)
