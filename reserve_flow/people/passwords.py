"""The password policy: long enough (app.password_min_length, 12 by default) and not one of
the commonly used passwords (common_passwords.txt, bundled with the package), so that a
guess from a leaked-password list does not open an account. Messages in Russian."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from reserve_flow.core.errors import Refused

DEFAULT_MIN_LENGTH = 12


class WeakPassword(Refused):
    """The password does not meet the policy; str() says why, in Russian."""


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = files("reserve_flow.people").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def problem(password: str, min_length: int = DEFAULT_MIN_LENGTH) -> str | None:
    """Why `password` is refused, in Russian; None when it will do."""
    if len(password) < min_length:
        return f"Пароль должен быть не короче {min_length} символов"
    if password.strip().lower() in common_passwords():
        return "Этот пароль слишком распространён и легко подбирается: придумайте другой"
    return None


def check(password: str, min_length: int = DEFAULT_MIN_LENGTH) -> None:
    """Raise WeakPassword when `password` does not meet the policy."""
    reason = problem(password, min_length)
    if reason is not None:
        raise WeakPassword(reason)
