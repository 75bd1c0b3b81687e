"""The Flask app factory."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from reserve_flow.config import Settings, load_settings
from reserve_flow.core.web import sessions
from reserve_flow.resources import resource_dir
from reserve_flow.runtime import Runtime


def _secret_key(settings: Settings) -> str:
    """The configured key, or one generated once and kept in the instance folder."""
    if settings["app"]["secret_key"]:
        return settings["app"]["secret_key"]
    path = Path(settings.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def create_app(
    config: Settings | Mapping[str, Mapping[str, Any]] | None = None, runtime: Runtime | None = None
) -> Flask:
    """Build the app: settings (a Settings, or overrides on top of the file and
    environment), the runtime, extensions, blueprints. Nothing runs at import time."""
    if runtime is None:
        settings = config if isinstance(config, Settings) else load_settings(overrides=config)
        runtime = Runtime(settings)
    app = Flask(
        __name__,
        instance_path=str(runtime.settings.instance_path),
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # a form left open over lunch still submits; the token is per session
    )
    use_runtime(app, runtime)

    proxies = runtime.settings["app"]["trusted_proxies"]
    if proxies:
        # The client's own address and scheme from the proxies' headers (the login limit is per address).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    from reserve_flow.core import web
    from reserve_flow.domains import DOMAINS

    web.init_app(app)
    for domain in DOMAINS:
        domain.init_app(app)
    # After the domains: their API blueprints are declared by their init_app.
    from reserve_flow.core import api

    api.init_app(app)
    return app


def use_runtime(app: Flask, runtime: Runtime) -> None:
    """Point the app at `runtime`: everything the app takes from the runtime and its settings
    is set here and nowhere else, so the tests can build one app and give each test its own runtime."""
    settings = runtime.settings
    app.instance_path = str(settings.instance_path)
    app.config.update(
        SECRET_KEY=_secret_key(settings),
        MAX_CONTENT_LENGTH=(settings["uploads"]["max_size_mb"] + 1) * 1024 * 1024,
        RESERVE_FLOW_LANGUAGE=settings["app"]["language"],
        # Read when the limiter starts with the app (core/web/limits.py); switched per request by the settings.
        RATELIMIT_STORAGE_URI=settings["app"]["rate_limit_storage_uri"],
    )
    sessions.configure(
        app, secure_cookies=settings["app"]["secure_cookies"], idle_minutes=settings["app"]["session_idle_minutes"]
    )
    app.extensions["reserve_flow"] = runtime
