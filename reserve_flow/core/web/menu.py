"""The site's menu: links grouped by area (contest, reserve, appointments, administration),
each shown to the roles that may open its page. Each domain adds its own links when the
app is built (its init_app calls add_links); the core names no domain's page. A link to a
blueprint that is not registered (an area still being built) stays out of the menu until it is."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_login import current_user


@dataclass(frozen=True)
class Link:
    label: str
    endpoint: str
    roles: frozenset[str]
    unless: frozenset[str] = frozenset()  # roles that get another link to the same page instead


@dataclass(frozen=True)
class Group:
    title: str
    links: tuple[Link, ...]


_KEY = "reserve_flow.menu"


def add_links(app: Flask, title: str, *links: Link, position: int) -> None:
    """Add `links` to the group `title` of `app`'s menu. `position` places them: groups
    stand in the order of their first link's position, links within a group by theirs
    (equal ones in the order added), so the areas may add theirs in any order."""
    entries = app.extensions.setdefault(_KEY, [])
    entries.extend((position, len(entries), title, link) for link in links)


def menu_groups(app: Flask) -> tuple[Group, ...]:
    entries = sorted(app.extensions.get(_KEY, []), key=lambda e: (e[0], e[1]))
    titles = list(dict.fromkeys(e[2] for e in entries))
    return tuple(Group(t, tuple(e[3] for e in entries if e[2] == t)) for t in titles)


@dataclass(frozen=True)
class MenuLink:
    label: str
    url: str
    current: bool


@dataclass(frozen=True)
class MenuGroup:
    title: str
    links: list[MenuLink]

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


def menu_for(roles: frozenset[str], endpoints, current_endpoint: str | None) -> list[MenuGroup]:
    """The groups with at least one link for a user holding `roles`; only links to `endpoints`
    (the registered ones)."""
    groups = []
    for group in menu_groups(current_app):
        links = [
            MenuLink(link.label, url_for(link.endpoint), link.endpoint == current_endpoint)
            for link in group.links
            if link.endpoint in endpoints and roles & link.roles and not roles & link.unless
        ]
        if links:
            groups.append(MenuGroup(group.title, links))
    return groups


def _menu() -> dict:
    if not current_user.is_authenticated:
        return {"menu": []}
    return {"menu": menu_for(current_user.roles, current_app.view_functions, request.endpoint)}


def init_app(app: Flask) -> None:
    app.context_processor(_menu)
    add_links(
        app,
        "Администрирование",
        Link("Журнал аудита", "audit.journal", frozenset({"admin"})),
        Link("Недоставленные письма", "admin_outbox.index", frozenset({"admin"})),
        position=410,
    )
