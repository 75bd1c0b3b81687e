"""Sending the outbox after commit: e-mail over SMTP and in-app notifications.

The engine and the scheduler only queue rows (core/notifications/models.py) in the transaction
of the change they tell of; `dispatch_once` sends what is due. A row is claimed by
one conditional UPDATE before it is sent (so two dispatchers never send one
message), and marked sent only after the SMTP server accepted it. A failed send
waits (exponential backoff, at most smtp.retry_max_seconds) and is tried again.
A server that cannot be reached or answers "try later" (4xx) is not the message's
fault: such a message waits as long as the outage lasts and is never failed. Only
the server's permanent refusal (5xx) fails a message at once; an error of the
message itself (a template that does not render) fails it after smtp.max_attempts
tries. Failed messages are listed for administrators (`undelivered`, `retry`,
`retry_all_failed`). A dispatcher
that dies between the server's acceptance and the "sent" mark sends that one
message again once its claim runs out; its Message-ID stays the same, so mail
software can drop the copy.

The inbox half (in-app notifications: list, unread count, mark read) is here too,
because an in-app notification is the same row with channel "inapp".
"""

from __future__ import annotations

import hashlib
import json
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, TemplateNotFound, select_autoescape
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from reserve_flow.core.actors import Actor, directory
from reserve_flow.core.audit.chain import append_event
from reserve_flow.core.db import unit_of_work
from reserve_flow.core.errors import NotFound
from reserve_flow.core.fencing import Fence, LeaseLost, check
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.core.workflow.subjects import CASE_PAGES
from reserve_flow.resources import resource_dir

if TYPE_CHECKING:
    from reserve_flow.core.context import Context

log = logging.getLogger(__name__)

# The generic templates used when a transition has none of its own.
_FALLBACK = "_transition"


# --- rendering ----------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    subject: str  # the e-mail's subject, the in-app notification's title
    summary: str  # one line: the in-app notification's text
    text: str
    html: str


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(resource_dir("templates"))),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def link_path(context: dict[str, Any]) -> str | None:
    """The site path of the case a notification is about, when its domain registered a page."""
    pattern = CASE_PAGES.get(str(context.get("workflow", "")))
    return pattern.format(id=context["subject_id"]) if pattern and context.get("subject_id") else None


def render(message: OutboxMessage, recipient: Actor, base_url: str) -> Rendered:
    """Subject, summary, plain text and HTML of a message, in Russian, from
    templates/core/email/<template>.txt and .html (the generic transition templates when
    there are none). The .txt template sets `subject` and `summary`."""
    env = _environment()
    context = json.loads(message.context or "{}")
    path = link_path(context)
    variables = {
        **context,
        "recipient_name": recipient.full_name,
        "link": base_url.rstrip("/") + path if path else base_url,
    }
    try:
        text_template = env.get_template(f"core/email/{message.template}.txt")
        html_template = env.get_template(f"core/email/{message.template}.html")
    except TemplateNotFound:
        text_template = env.get_template(f"core/email/{_FALLBACK}.txt")
        html_template = env.get_template(f"core/email/{_FALLBACK}.html")
    module = text_template.make_module(variables)
    subject = " ".join(str(getattr(module, "subject", "")).split())
    summary = " ".join(str(getattr(module, "summary", "")).split())
    return Rendered(
        subject=subject or "Уведомление",
        summary=summary,
        text=str(module).strip() + "\n",
        html=html_template.render(variables),
    )


# The standard library's folding of long non-ASCII headers puts the space between
# two words outside the encoded words, where readers drop it («Истёксрок»). Headers
# here stay short of the hard 998-character limit, so they are not folded at all.
_EMAIL_POLICY = policy.SMTP.clone(max_line_length=998)


def build_email(
    message: OutboxMessage, recipient: Actor, rendered: Rendered, sender: str, now: datetime
) -> EmailMessage:
    email = EmailMessage(policy=_EMAIL_POLICY)
    email["Subject"] = rendered.subject
    email["From"] = sender
    email["To"] = Address(display_name=recipient.full_name, addr_spec=recipient.email)
    email["Date"] = format_datetime(now)
    # The same on every try, so that a copy sent after a crash can be recognised.
    digest = hashlib.sha256(message.dedupe_key.encode("utf-8")).hexdigest()[:24]
    domain = sender.rsplit("@", 1)[-1].strip(">") or "reserve-flow"
    email["Message-ID"] = f"<outbox-{message.id}.{digest}@{domain}>"
    email.set_content(rendered.text)
    email.add_alternative(rendered.html, subtype="html")
    return email


# --- SMTP -----------------------------------------------------------------------


class ConnectionFailed(Exception):
    """The SMTP server could not be reached or refused the session (not one message)."""


class SmtpMailer:
    """One SMTP session for a dispatch pass, opened on the first message."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        cfg = self.settings
        try:
            if cfg["security"] == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    cfg["host"], cfg["port"], timeout=cfg["timeout_seconds"], context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(cfg["host"], cfg["port"], timeout=cfg["timeout_seconds"])
                if cfg["security"] == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if cfg["username"]:
                smtp.login(cfg["username"], cfg["password"])
        except (OSError, smtplib.SMTPException) as exc:
            raise ConnectionFailed(f"{cfg['host']}:{cfg['port']}: {exc}") from exc
        return smtp

    def send(self, email: EmailMessage) -> None:
        """Returns once the server accepted the message. Raises ConnectionFailed when
        the session broke, smtplib.SMTPResponseException (or SMTPRecipientsRefused)
        when the server refused this message."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(email)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException):
            raise
        except (OSError, smtplib.SMTPException) as exc:
            self._smtp = None
            raise ConnectionFailed(str(exc) or type(exc).__name__) from exc

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._smtp = None


def _is_permanent(exc: Exception) -> bool:
    """A 5xx answer: trying again will not help (an unknown mailbox, say)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _is_temporary(exc: Exception) -> bool:
    """The server could not be reached, or answered 4xx ("try later"): the message
    itself is fine, so it waits however long that lasts."""
    if isinstance(exc, ConnectionFailed):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return not _is_permanent(exc)
    return isinstance(exc, smtplib.SMTPResponseException) and 400 <= exc.smtp_code < 500


# --- the dispatcher ---------------------------------------------------------------


@dataclass
class DispatchResult:
    sent: int = 0  # e-mails the server accepted
    delivered: int = 0  # in-app notifications
    retrying: int = 0  # failed this time, will be tried again
    failed: int = 0  # failed for good


def retry_delay(attempts: int, base: int, cap: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: base, 2*base, 4*base ... cap."""
    return timedelta(seconds=min(cap, base * 2 ** max(attempts - 1, 0)))


def _claim_hold(smtp: dict[str, Any]) -> timedelta:
    # Longer than any one send can take, so a live dispatcher never loses its claim.
    return timedelta(seconds=max(300, 4 * smtp["timeout_seconds"]))


def dispatch_once(runtime: Context, now: datetime, limit: int = 200, fence: Fence | None = None) -> DispatchResult:
    """Send what is due at `now`: in-app notifications are marked delivered, up to
    `limit` e-mails are claimed one by one and sent over one SMTP session. When the
    server cannot be reached the pass stops sending e-mail (the rest wait untouched).
    `fence` is checked in the delivery's and in each claim's transaction, and again
    just before each e-mail goes to the server; LeaseLost ends the pass."""
    result = DispatchResult()
    with runtime.transaction() as session:
        check(fence, session)
        result.delivered = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.channel == "inapp",
                OutboxMessage.status == "pending",
                OutboxMessage.next_attempt_at <= now,
            )
            .values(status="sent", sent_at=now, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
    with runtime.sessions() as session:
        due = list(
            session.scalars(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.channel == "email",
                    OutboxMessage.status == "pending",
                    OutboxMessage.next_attempt_at <= now,
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(limit)
            )
        )
    if not due:
        return result
    smtp = runtime.settings["smtp"]
    mailer = SmtpMailer(smtp)
    try:
        for message_id in due:
            if not _claim(runtime, message_id, now, _claim_hold(smtp), fence):
                continue  # another dispatcher has it
            try:
                _send_one(runtime, mailer, message_id, now, fence)
            except LeaseLost:
                raise  # the claim runs out and the new leader sends the message
            except ConnectionFailed as exc:
                log.warning("outbox: SMTP unavailable, e-mail waits: %s", exc)
                _record_failure(runtime, message_id, now, str(exc), kind="temporary", result=result)
                break
            except Exception as exc:  # noqa: BLE001 - one bad message must not hold up the others
                log.warning("outbox: message %s not sent: %s", message_id, exc)
                _record_failure(
                    runtime,
                    message_id,
                    now,
                    f"{type(exc).__name__}: {exc}",
                    kind="permanent" if _is_permanent(exc) else "temporary" if _is_temporary(exc) else "own",
                    result=result,
                )
            else:
                result.sent += 1
    finally:
        mailer.close()
    return result


def _claim(runtime: Context, message_id: int, now: datetime, hold: timedelta, fence: Fence | None) -> bool:
    """Take the message for this dispatcher until now + hold, counting a try.
    The WHERE clause is re-checked under the row lock: only one claimant matches."""
    with runtime.transaction() as session:
        check(fence, session)
        claimed = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id, OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now
            )
            .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + hold)
            .execution_options(synchronize_session=False)
        ).rowcount
    return claimed == 1


def _send_one(runtime: Context, mailer: SmtpMailer, message_id: int, now: datetime, fence: Fence | None) -> None:
    settings = runtime.settings
    with runtime.sessions() as session:
        message = session.get(OutboxMessage, message_id)
        recipient = directory().get(session, message.recipient_id) if message else None
        if message is None or recipient is None:
            return
        rendered = render(message, recipient, settings["app"]["base_url"])
        email = build_email(message, recipient, rendered, settings["smtp"]["sender"], now)
    if fence is not None:
        with runtime.transaction() as session:  # the last moment before the mail leaves
            fence(session)
    mailer.send(email)
    with runtime.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="sent", sent_at=now, last_error=None)
            .execution_options(synchronize_session=False)
        )


def _record_failure(
    runtime: Context, message_id: int, now: datetime, error: str, *, kind: str, result: DispatchResult
) -> None:
    """`kind`: permanent (the server refused the message for good: failed now),
    temporary (unreachable server, 4xx: wait, however many tries it takes) or own
    (the message's own error: failed after smtp.max_attempts tries)."""
    smtp = runtime.settings["smtp"]
    with runtime.transaction() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.status != "pending":
            return
        message.last_error = error[:2000]
        if kind == "permanent" or (kind == "own" and message.attempts >= smtp["max_attempts"]):
            message.status = "failed"
            result.failed += 1
        else:
            message.next_attempt_at = now + retry_delay(
                message.attempts, smtp["retry_base_seconds"], smtp["retry_max_seconds"]
            )
            result.retrying += 1


# --- the inbox and the administrator's view ----------------------------------------


def inbox(session: Session, user: Actor, limit: int = 100) -> list[OutboxMessage]:
    """The user's in-app notifications, newest first (queued ones included: they
    are committed, delivery only stamps them)."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient_id == user.id, OutboxMessage.channel == "inapp")
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def unread_count(session: Session, user: Actor) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.recipient_id == user.id, OutboxMessage.channel == "inapp", OutboxMessage.read_at.is_(None)
            )
        )
        or 0
    )


def mark_read(session: Session, user: Actor, message_id: int | None, now: datetime) -> int:
    """Mark one of the user's notifications (or, with None, all of them) read.
    Returns how many changed, committed; another user's notification is never touched."""
    query = (
        update(OutboxMessage)
        .where(OutboxMessage.recipient_id == user.id, OutboxMessage.channel == "inapp", OutboxMessage.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    if message_id is not None:
        query = query.where(OutboxMessage.id == message_id)
    with unit_of_work(session):
        return session.execute(query).rowcount


def undelivered(session: Session) -> list[OutboxMessage]:
    """E-mails that failed for good, then those waiting for another try, oldest first."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == "email",
                (OutboxMessage.status == "failed")
                | ((OutboxMessage.status == "pending") & (OutboxMessage.attempts > 0)),
            )
            .order_by(OutboxMessage.status, OutboxMessage.created_at, OutboxMessage.id)
        )
    )


def _queue_again(session: Session, message: OutboxMessage, actor: Actor, now: datetime) -> None:
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = now
    append_event(
        session,
        kind="outbox_retried",
        actor=actor,
        subject_type="outbox",
        subject_id=message.id,
        now=now,
        data={"template": message.template, "recipient_id": message.recipient_id},
    )


class NotRetryable(NotFound):
    """No such failed message (it does not exist, or it is not failed)."""


def retry(session: Session, message_id: int, actor: Actor, now: datetime) -> OutboxMessage:
    """Put a failed message back in the queue with a fresh count of tries, and record
    who did it in the audit log; committed. Raises NotRetryable."""
    with unit_of_work(session):
        message = session.get(OutboxMessage, message_id)
        if message is None or message.status != "failed":
            raise NotRetryable(message_id)
        _queue_again(session, message, actor, now)
        return message


def retry_all_failed(session: Session, actor: Actor, now: datetime) -> int:
    """Put every failed e-mail back in the queue (after the mail server's problem is
    fixed), each recorded in the audit log as `retry` does; committed. Returns how many."""
    with unit_of_work(session):
        failed = list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.channel == "email", OutboxMessage.status == "failed")
                .order_by(OutboxMessage.id)
                .with_for_update()
            )
        )
        for message in failed:
            _queue_again(session, message, actor, now)
        return len(failed)
