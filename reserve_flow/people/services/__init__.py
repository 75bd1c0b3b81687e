"""Operations on accounts: creating users, the administrator's changes of roles and activation."""
