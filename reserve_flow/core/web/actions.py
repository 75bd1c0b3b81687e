"""One way for every view to run an action: call the service (the unit of work) and
map what can go wrong to what the user sees.

- a refusal (core.errors.Refused, a TransitionDenied of the engine): 400 and its Russian message;
- a missing or foreign object (core.errors.NotFound): 404, as if it did not exist (the app's
  error handler for NotFound, reserve_flow.core.web, answers it wherever it is raised);
- a stale version (ConcurrentChange): 409, «someone changed it meanwhile».

Views call `attempt(lambda: service.something(...))`, or `submit(form, ...)` to validate a
form first, and render the outcome; they never commit, fire the engine or write audit
events themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import abort
from flask_wtf import FlaskForm

from reserve_flow.core.errors import Refused
from reserve_flow.core.web.forms import error_text, stale
from reserve_flow.core.web.workflow_ui import language
from reserve_flow.core.workflow.errors import ConcurrentChange, TransitionDenied

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What an action gave: its value, or the message and status of its refusal."""

    value: T | None = None
    error: str | None = None
    status: int = 200
    # Every reason, for a refusal that lists several (an import's bad rows): else the error alone.
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None


def attempt(action: Callable[[], T], *, refused_status: int = 400) -> Outcome[T]:
    """Run `action` (a service call that is its own transaction). Refusals become an
    Outcome with status 400 or 409; NotFound goes on to the app's 404 page.

    `refused_status` is the status of a Refused, for an action whose refusals mean the
    stored state conflicts with the request (409) rather than that the input was bad."""
    try:
        return Outcome(value=action())
    except ConcurrentChange as exc:
        return _refusal(exc.message(language()), 409)
    except TransitionDenied as exc:
        return _refusal(exc.message(language()), 400)
    except Refused as exc:
        # A refusal that knows its text in several languages (message(language)) speaks the page's.
        translated = getattr(exc, "message", None)
        error = translated(language()) if callable(translated) else str(exc)
        return _refusal(error, refused_status, getattr(exc, "problems", ()))


def submit(form: FlaskForm, action: Callable[[], T], *, refused_status: int = 400) -> Outcome[T]:
    """Validate the posted `form`, then attempt(action). A form the page could not have
    sent (no CSRF token, no version) aborts with 400; a field that cannot be read (a bad
    date, a number that is not one) is a 400 Outcome naming the field, nothing run."""
    if not form.validate_on_submit():
        if stale(form):
            abort(400)
        return _refusal(error_text(form), 400)
    return attempt(action, refused_status=refused_status)


def _refusal(error: str, status: int, problems=()) -> Outcome:
    return Outcome(error=error, status=status, problems=tuple(str(p) for p in problems) or (error,))
