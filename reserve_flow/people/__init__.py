"""People: accounts with their roles, login and its throttling, the administrator's pages for users."""


def init_app(app) -> None:
    """The login pages and the administrator's pages for users, with their menu link."""
    from reserve_flow.core.web import login_manager
    from reserve_flow.core.web.home import register_home_section
    from reserve_flow.core.web.menu import Link, add_links
    from reserve_flow.people.home import admin_users
    from reserve_flow.people.views import admin, auth

    login_manager.login_view = "auth.login"
    for blueprint in (auth.bp, admin.bp):
        app.register_blueprint(blueprint)
    add_links(app, "Администрирование", Link("Пользователи", "admin.users", frozenset({"admin"})), position=400)
    register_home_section(app, "admin", "Администрирование", admin_users, position=910)
