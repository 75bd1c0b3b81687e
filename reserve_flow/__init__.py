"""reserve-flow: the personnel reserve of heads of educational organizations.

`create_app` is looked up lazily, so that importing a core module (reserve_flow.core.db,
say) does not import the app and with it every domain: the core runs without them."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from reserve_flow.app import create_app

        return create_app
    raise AttributeError(f"module 'reserve_flow' has no attribute {name!r}")
