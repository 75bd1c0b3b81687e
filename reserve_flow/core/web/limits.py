"""Request rate limits by client address (flask-limiter), for the forms a guesser would
hammer: the login tries many e-mails from one address, which the per-e-mail throttle
(people/services/users.py) does not slow. Counted in `app.rate_limit_storage_uri`
("memory://" by default: per process; a shared store for several processes); turned off
with `app.rate_limit_enabled` (the tests do, but for the test about it). Behind a reverse
proxy the client address must be the real one (see docs/deployment.md)."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])


def _settings() -> dict:
    from reserve_flow.core.web import runtime

    return runtime().settings["app"]


def login_rate() -> str:
    return _settings()["login_rate_limit"]


def limits_off() -> bool:
    return not _settings()["rate_limit_enabled"]
