"""The organizations of the district (schools, kindergartens, additional education) and the yearly
monitoring of head effectiveness."""

# Who reads the registry and the monitoring that feed appointments.
APPOINTING = frozenset({"hr", "admin", "secretary", "chair"})


def init_app(app) -> None:
    """The registry and monitoring pages, with their links in the appointments group."""
    from reserve_flow.core.web.home import register_home_section
    from reserve_flow.core.web.menu import Link, add_links
    from reserve_flow.organizations.home import monitoring_import
    from reserve_flow.organizations.views import monitoring, organizations

    for blueprint in (organizations.bp, monitoring.bp):
        app.register_blueprint(blueprint)
    from reserve_flow.organizations import api  # noqa: F401  (declares its API blueprint, registered by the core)

    add_links(
        app,
        "Назначения",
        Link("Организации", "organizations.index", APPOINTING),
        Link("Мониторинг эффективности", "monitoring.index", APPOINTING),
        position=350,
    )
    register_home_section(app, "admin", "Администрирование", monitoring_import, position=905)
