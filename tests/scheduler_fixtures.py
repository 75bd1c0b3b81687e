"""Fixtures for the scheduler and notification tests: a real SMTP server on loopback
(aiosmtpd) that keeps what it received, moments on the Irkutsk clock, and helpers
that move applications through the engine."""

from __future__ import annotations

import email
import socket
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from reserve_flow.contest.models.contests import Application
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.people.models import User
from reserve_flow.people.services.users import create_user
from tests.conftest import NOW, PASSWORD, load_user

IRKUTSK = ZoneInfo("Asia/Irkutsk")


def irkutsk(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=IRKUTSK)


@dataclass
class Received:
    to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.server.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.server.received.append(Received(to=list(envelope.rcpt_tos), message=message))
        return "250 OK: queued"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """An SMTP server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, **options) -> None:
        self.port = _free_port()
        self.options = options  # for aiosmtpd's Controller: TLS contexts, an authenticator
        self.received: list[Received] = []
        self.refuse: set[str] = set()  # addresses answered with 550
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **self.options)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.to]

    def with_subject(self, prefix: str) -> list[Received]:
        return [r for r in self.received if r.subject.startswith(prefix)]


@pytest.fixture
def smtp_server(runtime):
    """A running SMTP server the runtime sends to (security none, no login)."""
    server = SmtpServer()
    server.start()
    runtime.settings["smtp"].update(host="127.0.0.1", port=server.port, security="none",
                                    sender="Кадровый резерв <reserve@example.ru>", timeout_seconds=5)
    yield server
    server.stop()


def fire(runtime, application_id: int, trigger: str, actor_key: str | None, district, *, at: datetime | None = None,
         reason: str | None = None):
    """Fire `trigger` as the district user `actor_key` (None: the system) at moment `at`."""
    previous = runtime.engine.clock
    if at is not None:
        runtime.engine.clock = lambda: at
    try:
        with runtime.transaction() as s:
            actor = load_user(s, district, actor_key) if actor_key else None
            runtime.engine.fire(s.get(Application, application_id), trigger, actor, reason=reason)
    finally:
        runtime.engine.clock = previous


def add_application(runtime, district, key: str, name: str, contest_id: int | None = None) -> int:
    """Another applicant's complete draft in the district's contest (or `contest_id`); returns its id."""
    with runtime.transaction() as s:
        user = create_user(s, email=f"{key}@example.ru", full_name=name, password=PASSWORD, roles=["applicant"])
        application = Application(contest_id=contest_id or district.contest_id, applicant_id=user.id,
                                  consent_given_at=NOW, consent_text_version="2026-1")
        application.documents = [
            ApplicationDocument(kind_code=code, original_name=f"{code}.pdf", content_type="application/pdf",
                                size=1000, sha256="0" * 64)
            for code in ("application", "passport")
        ]
        s.add(application)
        s.flush()
        district.users[key] = user.id
        return application.id


def user_email(runtime, user_id: int) -> str:
    with runtime.sessions() as s:
        return s.get(User, user_id).email


def add_contest(runtime, district, secretary_key: str, secretary_name: str) -> int:
    """A second contest, announced and accepting, whose commission has another
    secretary (a new user `secretary_key`); the district's chair chairs it too."""
    from datetime import date

    from reserve_flow.contest.models.contests import (
        CommissionSeat,
        Contest,
        ContestCriterion,
        ContestDocumentKind,
    )

    with runtime.transaction() as s:
        secretary = create_user(s, email=f"{secretary_key}@example.ru", full_name=secretary_name,
                                password=PASSWORD, roles=["secretary"])
        district.users[secretary_key] = secretary.id
        contest = Contest(title="Конкурс в резерв руководителей ДОО, 2026", announcement="Объявление.",
                          accept_from=date(2026, 11, 1), accept_to=date(2026, 12, 15), check_period_days=5,
                          fix_period_days=3, vote_period_days=5, chair_id=district.users["chair"],
                          secretary_id=secretary.id)
        contest.seats = [CommissionSeat(user_id=district.users["chair"]), CommissionSeat(user_id=secretary.id)]
        contest.criteria = [ContestCriterion(name="Собеседование", max_score=10, position=1)]
        contest.document_kinds = [ContestDocumentKind(code=code, title=title, mandatory=True, position=n)
                                  for n, (code, title) in enumerate((("application", "Заявление"),
                                                                     ("passport", "Паспорт")), 1)]
        s.add(contest)
        s.flush()
        runtime.engine.fire(contest, "announce", secretary)
        runtime.engine.fire(contest, "open_acceptance", secretary)
        return contest.id
