"""Login and logout; the administrator's pages for users and roles."""
