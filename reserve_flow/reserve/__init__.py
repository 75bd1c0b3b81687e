"""The reserve of heads (roadmap items 9 and 11): membership and its term, individual development
plans with courses and internships, the programme that forms the reserve."""

RESERVE_STAFF = frozenset({"hr", "admin", "mentor"})


def init_app(app) -> None:
    """The reserve's pages and its menu group."""
    from reserve_flow.core.web.menu import Link, add_links
    from reserve_flow.reserve import home
    from reserve_flow.reserve.views import membership, plan, programme

    for blueprint in (membership.bp, plan.bp, programme.bp):
        app.register_blueprint(blueprint)
    from reserve_flow.reserve import api  # noqa: F401  (declares its API blueprint, registered by the core)

    add_links(
        app,
        "Резерв",
        Link("Резервисты", "reserve.index", RESERVE_STAFF),
        Link("Мой резерв", "reserve.index", frozenset({"applicant"}), unless=RESERVE_STAFF),
        Link("Программа формирования резерва", "programme.index", frozenset({"hr", "admin"})),
        position=200,
    )
    home.init_app(app)
