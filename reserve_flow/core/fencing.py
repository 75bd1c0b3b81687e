"""Fencing: the check, inside every transaction that claims work, that this process
still holds the right to act.

A leader that stalls (stopped, swapped out, paused by a debugger) and wakes after a
standby took its lease over must not act on what it read before it stalled. The
scheduler hands its work a `Fence`; each transaction that claims work calls it
first, and it raises LeaseLost (rolling the whole transaction back) when the lease
has passed to another holder.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session


class LeaseLost(Exception):
    """Another scheduler holds the lease now: this one must stop acting."""


Fence = Callable[[Session], None]


def check(fence: Fence | None, session: Session) -> None:
    """Run `fence` in `session`'s transaction; no fence (a test, a one-off pass) lets everything through."""
    if fence is not None:
        fence(session)
