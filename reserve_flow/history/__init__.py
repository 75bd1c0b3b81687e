"""Timelines: each organization's heads, vacancies, orders and monitoring; each person's path from
application to appointment."""


def init_app(app) -> None:
    from reserve_flow.history import views

    app.register_blueprint(views.bp)
