"""E-mail over an encrypted, authenticated SMTP session: STARTTLS on a plain port
and TLS from the first byte, with the server's certificate verified and a login."""

from __future__ import annotations

import ssl

import pytest
import trustme
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select

from reserve_flow.core.notifications.dispatch import dispatch_once
from reserve_flow.core.notifications.models import OutboxMessage
from tests.fixtures.scheduler import SmtpServer, fire
from tests.helpers import NOW

LOGIN, PASSWORD = "robot@example.ru", "mail secret"


def _authenticator(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=(auth_data.login, auth_data.password) == (LOGIN.encode(), PASSWORD.encode()))


@pytest.fixture
def certificate_authority(monkeypatch):
    """A CA of the test's own whose certificates the sender trusts (as it would a real one)."""
    ca = trustme.CA()
    default_context = ssl.create_default_context

    def trusting(*args, **kwargs):
        context = default_context(*args, **kwargs)
        ca.configure_trust(context)
        return context

    monkeypatch.setattr(ssl, "create_default_context", trusting)
    return ca


def _server_context(ca) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # see options
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_mail_goes_over_tls_with_a_login(runtime, district, certificate_authority, security):
    context = _server_context(certificate_authority)
    # aiosmtpd does not count a TLS-from-the-start session as TLS for AUTH: say so.
    options = (
        {"tls_context": context, "require_starttls": True}
        if security == "starttls"
        else {"ssl_context": context, "auth_require_tls": False}
    )
    server = SmtpServer(authenticator=_authenticator, auth_required=True, **options)
    server.start()
    try:
        runtime.settings["smtp"].update(
            host="127.0.0.1", port=server.port, security=security, username=LOGIN, password=PASSWORD, timeout_seconds=5
        )
        fire(runtime, district.application_id, "submit", "applicant", district)
        result = dispatch_once(runtime, NOW)
        assert result.failed == result.retrying == 0
        assert "applicant@example.ru" in {r.to[0] for r in server.received}

        # A wrong password: nothing is lost, the message waits for another try.
        runtime.settings["smtp"].update(password="wrong", timeout_seconds=1)
        received = len(server.received)
        fire(runtime, district.application_id, "withdraw", "applicant", district)
        result = dispatch_once(runtime, NOW)
        assert (result.sent, result.retrying) == (0, 1)
        with runtime.sessions() as s:
            waiting = s.scalars(
                select(OutboxMessage).where(OutboxMessage.channel == "email", OutboxMessage.status == "pending")
            ).all()
        # The withdrawal tells the secretary and the applicant; the pass stops at the first failure.
        tried = [m for m in waiting if m.attempts]
        assert len(waiting) == 2 and len(tried) == 1 and tried[0].attempts == 1 and tried[0].last_error
        assert len(server.received) == received
    finally:
        server.stop()
