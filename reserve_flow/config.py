"""Configuration: a TOML file plus RESERVE_FLOW_<SECTION>_<KEY> environment overrides.

The file is named by RESERVE_FLOW_CONFIG; without it the built-in defaults below
apply (the embedded SQLite database under ./instance). Everything is validated once
at start-up: a wrong or missing key raises ConfigError with one line naming the key.
"""

from __future__ import annotations

import os
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "RESERVE_FLOW_"


class ConfigError(Exception):
    """A configuration key is missing, unknown or of the wrong kind."""


def _default_instance() -> Path:
    return Path.cwd() / "instance"


# section -> key -> (type, default). A default of None means "required when the
# section is used"; the few that are optional say so with a type tuple.
_SCHEMA: dict[str, dict[str, tuple[type | tuple[type, ...], Any]]] = {
    "database": {
        "url": (str, ""),  # empty: sqlite file in the instance folder
        "echo": (bool, False),
    },
    "app": {
        "secret_key": (str, ""),  # empty: a random key kept in instance/secret_key
        "instance_path": (str, ""),  # empty: ./instance
        "timezone": (str, "Asia/Irkutsk"),
        "language": (str, "ru"),
        "base_url": (str, "http://127.0.0.1:5000"),
        "login_throttle_after": (int, 3),
        "login_throttle_max_seconds": (int, 900),
        # The session cookie is sent over HTTPS only; the demo (plain HTTP on localhost) turns it off.
        "secure_cookies": (bool, True),
        # A signed-in session left alone this long ends.
        "session_idle_minutes": (int, 30),
        # The shortest password accepted (common passwords are refused whatever their length).
        "password_min_length": (int, 12),
        # Login tries per client address, whatever e-mails they try (flask-limiter's notation).
        "login_rate_limit": (str, "20/minute;200/hour"),
        # Where flask-limiter counts ("memory://": per process; e.g. "redis://..." for several).
        "rate_limit_storage_uri": (str, "memory://"),
        "rate_limit_enabled": (bool, True),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto to believe (0: none):
        # the per-address login limit and the Secure cookie need the client's address and scheme.
        "trusted_proxies": (int, 0),
    },
    "uploads": {
        "folder": (str, ""),  # empty: instance/uploads
        "max_size_mb": (int, 10),
    },
    # The Ed25519 key that signs audit checkpoints; kept outside the database on purpose.
    "audit": {
        "signing_key": (str, ""),  # empty: instance/audit-signing-key.pem
    },
    "smtp": {
        "host": (str, "localhost"),
        "port": (int, 25),
        "security": (str, "none"),  # none | starttls | tls
        "username": (str, ""),
        "password": (str, ""),
        "sender": (str, "reserve-flow@localhost"),
        "timeout_seconds": (int, 10),
        "max_attempts": (int, 8),
        # A failed send waits retry_base_seconds, then twice as long each time, at most retry_max_seconds.
        "retry_base_seconds": (int, 60),
        # The cap also bounds how long mail waits after an outage ends.
        "retry_max_seconds": (int, 1800),
    },
    "scheduler": {
        "enabled": (bool, True),
        "scan_interval_seconds": (int, 60),
        "lease_seconds": (int, 120),
        # Local hour at which a reminder falls due on its day.
        "reminder_hour": (int, 9),
    },
    # The appointment order's header and signature (the built-in template's words).
    "orders": {
        "issuer": (str, "МКУ «Районное управление образования» Северо-Байкальского района"),
        "place": (str, "п. Нижнеангарск"),
        "signatory_position": (str, "Начальник МКУ «РУО»"),
        "signatory_name": (str, "Н. С. Иванова"),
        # Before the order: a criminal-record certificate issued at most this many days
        # ago (the one from the contest may be years old).
        "criminal_record_max_age_days": (int, 90),
    },
    # The operator of personal data as the consents and the privacy policy name it
    # (152-FZ art. 9 part 4, art. 18.1): the demo's defaults, to be replaced by the district's.
    "privacy": {
        "operator_name": (
            str,
            "Муниципальное казённое учреждение «Районное управление образования» Северо-Байкальского района",
        ),
        "operator_address": (str, "671700, Республика Бурятия, Северо-Байкальский район, пгт Нижнеангарск"),
        "operator_inn": (str, ""),
        "operator_email": (str, "ruo@example.ru"),
        "operator_phone": (str, ""),
        "responsible_person": (str, "ответственный за организацию обработки персональных данных РУО"),
        # The processing consent's term, as the consent words it.
        "consent_term": (
            str,
            "до достижения целей обработки: на время конкурса и пребывания в кадровом резерве, "
            "а затем на сроки хранения документов, установленные законодательством об архивном деле",
        ),
    },
    # How long what the service holds is kept (the daily retention job destroys what is due).
    "retention": {
        # Documents of applicants a contest did not include: years after the contest.
        "applicant_documents_years": (int, 3),
        # Personnel orders: years after issue.
        "orders_years": (int, 50),
        # Days after the processing consent is withdrawn before what no law keeps is destroyed.
        "withdrawal_days": (int, 30),
    },
}

_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("smtp", "security"): ("none", "starttls", "tls"),
    ("app", "language"): ("ru", "en"),
}


@dataclass
class Settings:
    """Validated configuration. `values[section][key]` holds every key of _SCHEMA."""

    values: dict[str, dict[str, Any]]
    source: str = "defaults"
    instance_path: Path = field(default_factory=_default_instance)

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self.values[section]

    @property
    def database_url(self) -> str:
        return self.values["database"]["url"]

    @property
    def timezone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.values["app"]["timezone"])

    @property
    def uploads_folder(self) -> Path:
        return Path(self.values["uploads"]["folder"])

    @property
    def upload_max_bytes(self) -> int:
        """The largest file an upload may be (`uploads.max_size_mb`), in bytes."""
        return self.values["uploads"]["max_size_mb"] * 1024 * 1024

    @property
    def audit_signing_key(self) -> Path:
        return Path(self.values["audit"]["signing_key"])


def _coerce(section: str, key: str, raw: Any, kind: type | tuple[type, ...], from_env: bool) -> Any:
    name = f"{section}.{key}"
    where = f"environment variable {ENV_PREFIX}{section.upper()}_{key.upper()}" if from_env else name
    if from_env and isinstance(raw, str):
        if kind is bool:
            lowered = raw.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ConfigError(f"{where}: expected true or false, got {raw!r}")
        if kind is int:
            try:
                return int(raw)
            except ValueError:
                raise ConfigError(f"{where}: expected a whole number, got {raw!r}") from None
        return raw
    if kind is int and isinstance(raw, bool):
        raise ConfigError(f"{where}: expected a whole number, got {raw!r}")
    if not isinstance(raw, kind):
        expected = {str: "a string", int: "a whole number", bool: "true or false"}.get(kind, str(kind))  # type: ignore[arg-type]
        raise ConfigError(f"{where}: expected {expected}, got {raw!r}")
    return raw


def load_settings(
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """Read the TOML file (RESERVE_FLOW_CONFIG when `path` is None), apply environment
    and explicit overrides, validate, and fill derived defaults. Raises ConfigError."""
    env = os.environ if env is None else env
    path = path if path is not None else env.get(f"{ENV_PREFIX}CONFIG") or None
    data: dict[str, Any] = {}
    source = "defaults"
    if path:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"RESERVE_FLOW_CONFIG: file {str(file)!r} does not exist")
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML ({exc})") from None
        source = str(file)

    values: dict[str, dict[str, Any]] = {}
    for section, table in data.items():
        if section not in _SCHEMA:
            raise ConfigError(f"[{section}]: unknown section (known: {', '.join(_SCHEMA)})")
        if not isinstance(table, dict):
            raise ConfigError(f"{section}: expected a table [{section}]")
        for key in table:
            if key not in _SCHEMA[section]:
                raise ConfigError(f"{section}.{key}: unknown key (known: {', '.join(_SCHEMA[section])})")
    for section, keys in _SCHEMA.items():
        values[section] = {}
        table = data.get(section, {})
        for key, (kind, default) in keys.items():
            env_name = f"{ENV_PREFIX}{section.upper()}_{key.upper()}"
            if overrides and key in overrides.get(section, {}):
                raw, from_env = overrides[section][key], False
            elif env_name in env:
                raw, from_env = env[env_name], True
            elif key in table:
                raw, from_env = table[key], False
            else:
                raw, from_env = default, False
            value = _coerce(section, key, raw, kind, from_env)
            choices = _CHOICES.get((section, key))
            if choices and value not in choices:
                raise ConfigError(f"{section}.{key}: expected one of {', '.join(choices)}, got {value!r}")
            values[section][key] = value
    # The short names the issue promises, kept as aliases of their sectioned form.
    if f"{ENV_PREFIX}SECRET_KEY" in env and f"{ENV_PREFIX}APP_SECRET_KEY" not in env:
        values["app"]["secret_key"] = env[f"{ENV_PREFIX}SECRET_KEY"]

    try:
        zoneinfo.ZoneInfo(values["app"]["timezone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"app.timezone: expected an IANA time zone such as Asia/Irkutsk, got {values['app']['timezone']!r}"
        ) from None
    for section, key in (
        ("app", "login_throttle_after"),
        ("uploads", "max_size_mb"),
        ("smtp", "max_attempts"),
        ("scheduler", "scan_interval_seconds"),
        ("scheduler", "lease_seconds"),
        ("smtp", "retry_base_seconds"),
        ("smtp", "retry_max_seconds"),
        ("retention", "applicant_documents_years"),
        ("retention", "orders_years"),
        ("retention", "withdrawal_days"),
    ):
        if values[section][key] < 1:
            raise ConfigError(f"{section}.{key}: expected a positive number, got {values[section][key]}")
    if not 0 <= values["scheduler"]["reminder_hour"] <= 23:
        raise ConfigError(
            f"scheduler.reminder_hour: expected an hour from 0 to 23, got {values['scheduler']['reminder_hour']}"
        )
    # The holder renews its lease on every scan; a lease shorter than the interval
    # would lapse between two scans and let a second scheduler act as well.
    if values["scheduler"]["lease_seconds"] <= values["scheduler"]["scan_interval_seconds"]:
        raise ConfigError(
            f"scheduler.lease_seconds: must be longer than scheduler.scan_interval_seconds "
            f"({values['scheduler']['scan_interval_seconds']}), got {values['scheduler']['lease_seconds']}"
        )

    instance = Path(values["app"]["instance_path"] or _default_instance()).resolve()
    values["app"]["instance_path"] = str(instance)
    if not values["database"]["url"]:
        values["database"]["url"] = f"sqlite:///{instance / 'reserve-flow.sqlite3'}"
    if not values["database"]["url"].startswith(("sqlite", "postgresql")):
        raise ConfigError(
            f"database.url: expected a sqlite:/// or postgresql+psycopg:// URL, got {values['database']['url']!r}"
        )
    if not values["uploads"]["folder"]:
        values["uploads"]["folder"] = str(instance / "uploads")
    if not values["audit"]["signing_key"]:
        values["audit"]["signing_key"] = str(instance / "audit-signing-key.pem")
    return Settings(values=values, source=source, instance_path=instance)
