"""Who may see what of the appointments: one rule per object kind, asked by every view and
service. Vacancies, their candidates, attestations and orders are HR's work, which
administrators may read; the head of the РУО signs orders; an appointee may download their own signed order; the order
template is the administrator's. Anyone else is told the object does not exist (404)."""

from __future__ import annotations

from reserve_flow.appointments.models import AppointmentOrder
from reserve_flow.people.models import User


def may_view_vacancies(user: User) -> bool:
    """Vacancies, their candidates and attestation documents, and the order register."""
    return user.has_role("hr") or user.has_role("admin")


def may_manage_vacancies(user: User) -> bool:
    return user.has_role("hr")


def may_sign_orders(user: User) -> bool:
    """Signing numbered orders, and the order register and pages: the head of the РУО."""
    return user.has_role("signatory")


def may_download_order(user: User, order: AppointmentOrder) -> bool:
    """A numbered order's page and files: HR, administrators and the signatory; the
    appointee their own once it is signed."""
    return may_view_vacancies(user) or may_sign_orders(user) or (order.signed and order.candidate.user_id == user.id)


def may_manage_order_template(user: User) -> bool:
    return user.has_role("admin")
