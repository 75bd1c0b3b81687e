"""What public pages may say of a person: the name recorded for the act, and only with a
dissemination consent in force that covers the page (152-FZ art. 10.1). Checked at every
rendering, so a revoked consent or a finished membership takes the name off at once,
on the pages of past contests too."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from reserve_flow.privacy.services.consents import published_scopes

NOT_PUBLISHED = "Сведения не публикуются (нет согласия на распространение)"


class Publication:
    """The consents of a page's people, looked up once per page."""

    def __init__(self, session: Session, scope: str, user_ids: Iterable[int]) -> None:
        self.scope = scope
        self._scopes = published_scopes(session, user_ids)

    def allows(self, user_id: int) -> bool:
        return self.scope in self._scopes.get(user_id, frozenset())

    def name(self, user_id: int, recorded_name: str) -> str | None:
        """The recorded name when the person allows this page to show it; None otherwise."""
        return recorded_name if self.allows(user_id) else None
