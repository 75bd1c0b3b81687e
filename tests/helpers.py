"""Plain helpers the tests import by name: the fixed clock and password of the test
district, what the district fixture built, logging in through the login form, and the
CSRF token of a page. Fixtures are never imported: pytest finds them through conftest.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from reserve_flow.people.models import User

PASSWORD = "correct horse battery"
# A fixed "now" inside the demo contest's acceptance window: Wednesday 2026-11-25, 10:00 Irkutsk.
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@dataclass
class District:
    """Ids of what the district fixture built; load rows in your own session."""

    users: dict[str, int] = field(default_factory=dict)
    organizations: list[int] = field(default_factory=list)
    contest_id: int = 0
    application_id: int = 0  # the applicant's draft, with every mandatory document and consent


def load_user(session, district: District, key: str) -> User:
    return session.get(User, district.users[key])


class AuthActions:
    def __init__(self, client) -> None:
        self.client = client

    def login(self, email: str, password: str = PASSWORD):
        page = self.client.get("/login")
        token = _csrf_token(page.get_data(as_text=True))
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": token})

    def logout(self):
        page = self.client.get("/")
        token = _csrf_token(page.get_data(as_text=True))
        return self.client.post("/logout", data={"csrf_token": token})


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)
