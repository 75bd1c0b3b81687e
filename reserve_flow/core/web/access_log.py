"""Secrets that travel in a URL kept out of the request logs.

The private calendar feed is fetched by calendar programs, which cannot log in, so its
token is in the path (/deadlines/feed/<token>.ics) and is the credential itself. Both
servers the app runs under write each request line to a log: Werkzeug's development
server (`reserve-flow demo`) on the "werkzeug" logger, gunicorn on "gunicorn.access".
A filter on those loggers masks the token in every record before any handler sees it.
"""

from __future__ import annotations

import logging
import re

REQUEST_LOGGERS = ("werkzeug", "gunicorn.access")
_FEED_TOKEN = re.compile(r"(/deadlines/feed/)[^/\s?\"]+(\.ics)")
MASK = r"\1***\2"


def mask(text: str) -> str:
    """`text` with every feed token replaced by ***."""
    return _FEED_TOKEN.sub(MASK, text)


class MaskFeedTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install() -> None:
    """Put the filter on the request loggers (once, however many apps are built)."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskFeedTokens) for f in logger.filters):
            logger.addFilter(MaskFeedTokens())
