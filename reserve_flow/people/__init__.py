"""People: accounts with their roles, login and its throttling, the administrator's pages for users."""
