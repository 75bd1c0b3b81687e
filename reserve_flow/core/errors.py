"""The refusals every domain raises, so that one rule maps them to what a user sees.

A domain subclasses these (ReserveRefused(Refused), VacancyNotFound(NotFound), ...);
the web maps Refused and TransitionDenied to 400 with the message, NotFound to 404 and
ConcurrentChange to 409 (reserve_flow.core.web.actions). str() of a Refused is the
Russian text shown to the user. Nothing was written when one is raised from a unit of work.
"""

from __future__ import annotations


class Refused(ValueError):
    """A rule of the domain refused the action; the message says why, in Russian."""


class NotFound(LookupError):
    """The object does not exist, or is not the actor's to see (answered alike: 404)."""
