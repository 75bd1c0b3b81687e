"""Appointment of heads (roadmap items 10 and 12): vacancies with their shortlist from the reserve,
attestation, numbered orders of the РУО and their publication."""


def init_app(app) -> None:
    """Vacancies and orders, with their links (the order template's under administration)."""
    from reserve_flow.appointments import home
    from reserve_flow.appointments.views import orders, vacancies
    from reserve_flow.core.web.menu import Link, add_links

    for blueprint in (vacancies.bp, orders.bp):
        app.register_blueprint(blueprint)
    from reserve_flow.appointments import api  # noqa: F401  (declares its API blueprint, registered by the core)

    # HR officers run vacancies; administrators read them; the head of the РУО signs the orders.
    add_links(
        app,
        "Назначения",
        Link("Вакансии и назначения", "appointments.index", frozenset({"hr", "admin"})),
        Link("Приказы о назначении", "orders.register", frozenset({"hr", "admin", "signatory"})),
        position=300,
    )
    home.init_app(app)
    add_links(
        app,
        "Администрирование",
        Link("Шаблон приказа о назначении", "orders.template", frozenset({"admin"})),
        position=430,
    )
