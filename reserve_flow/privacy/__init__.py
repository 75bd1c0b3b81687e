"""Personal data from consent to destruction (152-FZ): the consents to processing and to
dissemination, what public pages may publish, the retention schedule and the acts of
destruction, the person's export of their data, the privacy policy."""


def init_app(app) -> None:
    """«Мои согласия», the policy at /privacy, the administrator's acts of destruction."""
    from reserve_flow.core.audit.views import label_event_kinds
    from reserve_flow.core.web.menu import Link, add_links
    from reserve_flow.privacy import views

    app.register_blueprint(views.bp)
    label_event_kinds(
        {
            "consent_given": "Согласие дано",
            "consent_revoked": "Согласие отозвано",
            "full_name_changed": "Изменены фамилия, имя, отчество",
            "own_data_exported": "Выгрузка своих персональных данных",
        }
    )
    add_links(app, "Конкурс", Link("Мои согласия", "privacy.consents", frozenset({"applicant"})), position=100)
    add_links(
        app, "Администрирование", Link("Уничтожение данных", "privacy.destruction", frozenset({"admin"})), position=440
    )
