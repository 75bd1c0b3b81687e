"""The municipal contest for inclusion in the reserve of heads (roadmap item 8): the contest,
applications and their documents, the document check, the commission's recusals, scores and
votes, the protocol, the public announcement and results."""

COMMISSION = frozenset({"secretary", "chair", "member"})


def init_app(app) -> None:
    """The contest's pages (public, applicant's, commission's, the cases' diagrams) and its menu group."""
    from reserve_flow.contest import home
    from reserve_flow.contest.views import applicant, applications, check, commission, contests, diagrams, public
    from reserve_flow.core.web.menu import Link, add_links

    for blueprint in (public.bp, applications.bp, contests.bp, applicant.bp, check.bp, commission.bp, diagrams.bp):
        app.register_blueprint(blueprint)
    from reserve_flow.contest import api  # noqa: F401  (declares its API blueprint, registered by the core)

    add_links(
        app,
        "Конкурс",
        Link("Мои заявления", "applicant.index", frozenset({"applicant"})),
        Link("Профиль заявителя", "applicant.profile", frozenset({"applicant"})),
        Link("Конкурсы комиссии", "contests.index", COMMISSION | {"admin"}),
        Link("Заявления", "applications.index", COMMISSION | {"admin"}),
        Link("Проверка документов", "check.queue", frozenset({"secretary"})),
        Link("Оценка и голосование", "commission.index", COMMISSION),
        position=100,
    )
    home.init_app(app)
