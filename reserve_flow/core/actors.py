"""Who acts: the Actor protocol the core works with, the roles the people domain
registers, and the directory through which the core finds users without knowing
their model (the people domain registers both at import time)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from sqlalchemy.orm import Session


@runtime_checkable
class Actor(Protocol):
    """A signed-in person as the core sees one."""

    id: int
    full_name: str
    email: str
    active: bool
    session_version: int

    @property
    def roles(self) -> frozenset[str]: ...

    def has_role(self, role: str) -> bool: ...


# Role code -> {"ru": ..., "en": ...}: the user roles, registered by the people domain.
ROLES: dict[str, dict[str, str]] = {}


def register_role(code: str, *, ru: str, en: str) -> None:
    if code in ROLES and ROLES[code] != {"ru": ru, "en": en}:
        raise ValueError(f"role {code!r} registered twice")
    ROLES[code] = {"ru": ru, "en": en}


class Directory(Protocol):
    """How the core looks people up (the notifications' recipients, the scheduler's
    administrators, the login and the calendar feed)."""

    def get(self, session: Session, user_id: int) -> Actor | None: ...

    def holding(self, session: Session, role: str) -> Sequence[Actor]:
        """Active users holding `role`, in a stable order."""
        ...

    def by_feed_token(self, session: Session, token: str) -> Actor | None: ...


_directory: list[Directory] = []


def register_directory(directory: Directory) -> None:
    _directory[:] = [directory]


def directory() -> Directory:
    if not _directory:
        raise RuntimeError("no people directory registered (import reserve_flow.domains first)")
    return _directory[0]
