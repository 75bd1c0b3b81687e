"""The site's menu: links grouped by area (contest, reserve, appointments, administration),
each shown to the roles that may open its page. A link to a blueprint that is not
registered (an area still being built) stays out of the menu until it is."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_login import current_user

COMMISSION = frozenset({"secretary", "chair", "member"})
# Who appoints heads and reads the registry and the monitoring that feed appointments.
APPOINTING = frozenset({"hr", "admin", "secretary", "chair"})
RESERVE_STAFF = frozenset({"hr", "admin", "mentor"})


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


MENU: tuple[Group, ...] = (
    Group("Конкурс", (
        Link("Мои заявления", "applicant.index", frozenset({"applicant"})),
        Link("Профиль заявителя", "applicant.profile", frozenset({"applicant"})),
        Link("Конкурсы комиссии", "contests.index", COMMISSION | {"admin"}),
        Link("Заявления", "applications.index", COMMISSION | {"admin"}),
        Link("Проверка документов", "check.queue", frozenset({"secretary"})),
        Link("Оценка и голосование", "commission.index", COMMISSION),
    )),
    Group("Резерв", (
        Link("Резервисты", "reserve.index", RESERVE_STAFF),
        Link("Мой резерв", "reserve.index", frozenset({"applicant"}), unless=RESERVE_STAFF),
        Link("Программа формирования резерва", "programme.index", frozenset({"hr", "admin"})),
    )),
    Group("Назначения", (
        # HR officers run vacancies; administrators read them.
        Link("Вакансии и назначения", "appointments.index", frozenset({"hr", "admin"})),
        Link("Приказы о назначении", "orders.register", frozenset({"hr", "admin"})),
        Link("Организации", "organizations.index", APPOINTING),
        Link("Мониторинг эффективности", "monitoring.index", APPOINTING),
    )),
    Group("Администрирование", (
        Link("Пользователи", "admin.users", frozenset({"admin"})),
        Link("Журнал аудита", "admin.audit", frozenset({"admin"})),
        Link("Недоставленные письма", "admin_outbox.index", frozenset({"admin"})),
        Link("Шаблон приказа о назначении", "orders.template", frozenset({"admin"})),
    )),
)


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
    for group in MENU:
        links = [MenuLink(link.label, url_for(link.endpoint), link.endpoint == current_endpoint)
                 for link in group.links
                 if link.endpoint in endpoints and roles & link.roles and not roles & link.unless]
        if links:
            groups.append(MenuGroup(group.title, links))
    return groups


def _menu() -> dict:
    if not current_user.is_authenticated:
        return {"menu": []}
    return {"menu": menu_for(current_user.roles, current_app.view_functions, request.endpoint)}


def init_app(app: Flask) -> None:
    app.context_processor(_menu)
