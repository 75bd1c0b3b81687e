"""reserve-flow: the personnel reserve of heads of educational organizations."""

from reserve_flow.app import create_app

__all__ = ["create_app"]
