"""The workflow engine: fire() transitions per second on contest applications taken the
whole way through the application workflow (submit, return for correction with a reason,
resubmit, admit, assess, open the vote, include), one transaction per transition as a
request or a service makes it: load the application and the actor, fire, commit.

    python3 bench/engine.py [--scale 2]
"""

from __future__ import annotations

import time
from datetime import timedelta

from common import NOW, PASSWORD, arguments, bench_runtime, build_district, database, describe, person, scaled

from reserve_flow.contest.commission_rules import voters
from reserve_flow.contest.models.commission import MeetingAttendance, Score
from reserve_flow.contest.models.contests import Application, Contest
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.demo.reserve import vote_to_include
from reserve_flow.people.models import User, UserRole
from reserve_flow.people.services.users import hash_password

# (trigger, who fires it, reason)
PATH = (
    ("submit", "owner", None),
    ("return_for_fix", "secretary", "Паспорт отсканирован не полностью: нет страницы с регистрацией."),
    ("resubmit", "owner", None),
    ("admit", "secretary", None),
    ("assess", "secretary", None),
    ("open_vote", "chair", None),
    ("include", "chair", None),
)


def applications(runtime, district, count: int) -> list[tuple[int, int]]:
    """`count` complete drafts (documents, consent) of distinct applicants: (application id, applicant id)."""
    password_hash = hash_password(PASSWORD)  # once: the applicants never log in here
    made = []
    with runtime.transaction() as s:
        contest = s.get(Contest, district.contest_id)
        s.add_all(
            MeetingAttendance(
                contest_id=contest.id,
                member_id=seat.user_id,
                present=True,
                marked_at=NOW,
                marked_by_id=district.users["secretary"],
            )
            for seat in contest.seats
        )
        for n in range(count):
            applicant = User(
                email=f"applicant{n}@example.ru",
                full_name=person(n),
                password_hash=password_hash,
                organization_id=district.organizations[n % len(district.organizations)],
                position="Заместитель директора по УВР",
            )
            applicant.role_rows = [UserRole(role="applicant")]
            application = Application(
                contest=contest,
                applicant=applicant,
                consent_given_at=NOW - timedelta(hours=1),
                consent_text_version="2026-1",
            )
            application.documents = [
                ApplicationDocument(
                    kind_code=code,
                    original_name=f"{code}.pdf",
                    content_type="application/pdf",
                    size=1000,
                    sha256="0" * 64,
                )
                for code in ("application", "passport")
            ]
            s.add(application)
            s.flush()
            made.append((application.id, applicant.id))
    return made


def before(runtime, trigger: str, application_id: int) -> None:
    """What the commission does between transitions (its scores, its votes), not timed."""
    if trigger not in ("assess", "include"):
        return
    with runtime.transaction() as s:
        application = s.get(Application, application_id)
        if trigger == "assess":
            for offset, member in enumerate(voters(application.contest)):
                for criterion in application.contest.criteria:
                    s.add(
                        Score(
                            application_id=application.id,
                            member_id=member.id,
                            criterion_id=criterion.id,
                            value=criterion.max_score - 1 - offset,
                            scored_at=NOW,
                        )
                    )
        else:
            vote_to_include(s, application, NOW)


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    count = scaled(150, args.scale)
    with database() as url, bench_runtime(url) as runtime:
        print(
            f"engine benchmark on {describe(url)}, scale {args.scale}: {count} applications, "
            f"{len(PATH)} transitions each"
        )
        district = build_district(runtime)
        made = applications(runtime, district, count)
        total_seconds = total_fire = 0.0
        for trigger, who, reason in PATH:
            for application_id, _ in made:
                before(runtime, trigger, application_id)
            seconds = in_fire = 0.0
            for application_id, applicant_id in made:
                start = time.perf_counter()
                with runtime.transaction() as s:
                    application = s.get(Application, application_id)
                    actor = s.get(User, applicant_id if who == "owner" else district.users[who])
                    fired = time.perf_counter()
                    runtime.engine.fire(application, trigger, actor, reason=reason)
                    in_fire += time.perf_counter() - fired
                seconds += time.perf_counter() - start
            total_seconds += seconds
            total_fire += in_fire
            print(
                f"  {trigger:15} {count / seconds:7.0f} transitions/s "
                f"({seconds / count * 1000:5.1f} ms each, of which fire() {in_fire / count * 1000:5.1f} ms)"
            )
        transitions = count * len(PATH)
        print(
            f"  all {transitions} transitions: {transitions / total_seconds:7.0f} transitions/s "
            f"({total_seconds / transitions * 1000:.1f} ms each, of which fire() "
            f"{total_fire / transitions * 1000:.1f} ms; the rest loads the rows and commits)"
        )
        with runtime.sessions() as s:
            states = {s.get(Application, a).state for a, _ in made}
        print(f"  applications now: {', '.join(sorted(states))}")


if __name__ == "__main__":
    main()
