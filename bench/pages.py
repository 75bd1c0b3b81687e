"""Page render times and peak memory for a district of realistic size: the HR officer's
reserve list, the public reserve list, the monitoring overview of a year, and the
organizations registry and one organization's page (its monitoring over the years),
through Flask's test client.

Default district: 60 organizations, 300 reserve members in every state of the reserve
workflow (with plan items: courses and internships with mentors), 5 monitoring years
imported through the real CSV path.

    python3 bench/pages.py [--scale 2]
"""

from __future__ import annotations

import re
import time
import tracemalloc
from datetime import timedelta

from common import (
    NOW,
    PASSWORD,
    arguments,
    bench_runtime,
    build_district,
    database,
    describe,
    later,
    milliseconds,
    person,
    scaled,
)
from sqlalchemy import event

from reserve_flow import create_app
from reserve_flow.contest.models.contests import Application, Contest
from reserve_flow.core.audit.chain import append_event
from reserve_flow.demo.monitoring import seed_demo_monitoring
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.people.models import User, UserRole
from reserve_flow.people.services.users import create_user, hash_password
from reserve_flow.reserve.models.membership import ReserveMembership
from reserve_flow.reserve.models.plan import PlanItem, PlanVersion
from reserve_flow.reserve.services.membership import SUBJECT_TYPE

YEARS = 5
RENDERS = 7
# Share of members by reserve state, and what their plans hold (course, internship).
STATES = (("included", 2), ("plan_agreed", 2), ("developing", 3), ("ready", 2), ("excluded", 1))
ITEM_STATES = {
    "included": None,
    "plan_agreed": ("planned", "planned"),
    "developing": ("accepted", "submitted"),
    "ready": ("accepted", "accepted"),
    "excluded": ("cancelled", "cancelled"),
}


def seed(runtime, organizations: int, members: int) -> None:
    district = build_district(runtime, organizations=organizations)
    password_hash = hash_password(PASSWORD)  # members never log in here
    cycle = [state for state, share in STATES for _ in range(share)]
    with runtime.transaction() as s:
        contest = s.get(Contest, district.contest_id)
        hr = s.get(User, district.users["hr"])
        orgs = [s.get(Organization, i) for i in district.organizations]
        mentors = [
            create_user(
                s,
                email=f"mentor{n}@example.ru",
                full_name=f"Наставников Павел № {n}",
                password=PASSWORD,
                roles=["mentor"],
                position="Директор",
                organization_id=orgs[n].id,
            )
            for n in range(min(10, organizations))
        ]
        for n in range(members):
            state = cycle[n % len(cycle)]
            org = orgs[n % organizations]
            user = User(
                email=f"reservist{n}@example.ru",
                full_name=person(n),
                password_hash=password_hash,
                organization_id=org.id,
                position="Заместитель директора по УВР",
            )
            user.role_rows = [UserRole(role="applicant")]
            application = Application(
                contest=contest,
                applicant=user,
                consent_given_at=NOW - timedelta(days=60),
                consent_text_version="2026-1",
                state="included",
            )
            included_on = NOW.date() - timedelta(days=30 + n % 400)
            membership = ReserveMembership(
                user=user,
                contest=contest,
                application=application,
                included_on=included_on,
                term_end=included_on + timedelta(days=3 * 365),
                position_kind=org.kind,
                state=state,
                created_at=NOW,
            )
            items = ITEM_STATES[state]
            if items:
                membership.plan_versions = [
                    PlanVersion(
                        number=1,
                        created_at=NOW,
                        created_by_id=hr.id,
                        hr_agreed_at=NOW,
                        hr_agreed_by_id=hr.id,
                        member_agreed_at=NOW,
                    )
                ]
                membership.items = [
                    PlanItem(
                        kind="course",
                        title="Управление образовательной организацией",
                        due_date=later(120),
                        provider="ГАУ ДПО «БРИОП»",
                        programme="Менеджмент в образовании",
                        hours=72,
                        state=items[0],
                        position=1,
                        created_at=NOW,
                    ),
                    PlanItem(
                        kind="internship",
                        title="Стажировка у директора школы",
                        due_date=later(180),
                        host_organization_id=orgs[(n + 1) % organizations].id,
                        mentor_id=mentors[n % len(mentors)].id,
                        state=items[1],
                        position=2,
                        created_at=NOW,
                    ),
                ]
            s.add(membership)
            s.flush()
            if state == "excluded":  # the list names the reason, from the audit event that ended it
                append_event(
                    s,
                    kind="transition",
                    actor=hr,
                    subject_type=SUBJECT_TYPE,
                    subject_id=membership.id,
                    now=NOW,
                    trigger="exclude",
                    from_state="developing",
                    to_state="excluded",
                    reason="по собственному желанию",
                    data={"reason_code": "own_request", "note": ""},
                )
        admin = s.get(User, district.users["admin"])
        first = NOW.year - YEARS + 1
        for year in range(first, NOW.year + 1):
            seed_demo_monitoring(s, orgs, year, actor=admin, now=NOW, newest=year == NOW.year)


def login(client, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, f"login as {email} failed"


def measure(client, engine, url: str) -> tuple[list[float], float, int, int]:
    """Render `url` RENDERS times: durations, peak traced memory of one more (traced)
    render, the SQL statements of one render and the page's size."""
    statements = []

    def count(*_args) -> None:
        statements.append(1)

    durations = []
    for _ in range(RENDERS):
        start = time.perf_counter()
        answer = client.get(url)
        durations.append(time.perf_counter() - start)
        assert answer.status_code == 200, f"{url}: {answer.status_code}"
    event.listen(engine, "before_cursor_execute", count)
    tracemalloc.start()
    size = len(client.get(url).data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    event.remove(engine, "before_cursor_execute", count)
    return durations, peak, len(statements), size


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    organizations, members = scaled(60, args.scale), scaled(300, args.scale)
    with database() as url, bench_runtime(url) as runtime:
        print(
            f"page benchmark on {describe(url)}, scale {args.scale}: {organizations} organizations, "
            f"{members} reserve members, {YEARS} monitoring years; {RENDERS} renders each"
        )
        start = time.perf_counter()
        seed(runtime, organizations, members)
        print(f"  seeded in {time.perf_counter() - start:.1f} s")
        app = create_app(runtime=runtime)
        with runtime.sessions() as s:
            some_organization = s.get(Organization, 1).id
        pages = (
            ("hr@example.ru", "/reserve/", "reserve list (HR officer)"),
            ("hr@example.ru", "/reserve/?readiness=partial", "reserve list, filtered"),
            (None, "/public/reserve", "public reserve list"),
            ("admin@example.ru", f"/monitoring/{NOW.year}", "monitoring overview of a year"),
            ("admin@example.ru", "/organizations/", "organizations registry"),
            ("admin@example.ru", f"/organizations/{some_organization}", "an organization, 5 years of monitoring"),
        )
        for email, url_path, label in pages:
            client = app.test_client()
            if email:
                login(client, email)
            durations, peak, statements, size = measure(client, runtime.db, url_path)
            print(
                f"  {label:40} {url_path:28} {milliseconds(durations)}, peak {peak / 2**20:5.1f} MiB, "
                f"{statements:4d} SQL statements, {size / 1024:5.0f} KiB"
            )


if __name__ == "__main__":
    main()
