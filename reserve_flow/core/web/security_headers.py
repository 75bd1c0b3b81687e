"""The browser-side safety headers on every response the app sends: pages, error pages,
downloads, exports, stored files and static files alike.

One after_request hook rather than flask-talisman: the headers are fixed strings, and
talisman's defaults (HTTPS redirects, Secure-only session cookies, HSTS) would each
have to be switched off for the demo, which is served over plain http; the session
cookie is the login's business, not this module's. HSTS is sent only when the site's
configured address (app.base_url) is https, so nothing here ever redirects.

The policy allows scripts, styles, images and frames from the site itself and nothing
inline: the pages keep their styles in static/css/site.css and their one script in
static/js/ (tests/core/test_security_headers.py fails on a style="" or an inline
<script> in a template). No other site may frame a page. A stored PDF shown inline may
be framed by the site's own document viewer (`embeddable_by_the_site`), nothing else.
"""

from __future__ import annotations

from flask import Flask, Response, current_app

POLICY = "default-src 'self'; base-uri 'self'; form-action 'self'; object-src 'self'; frame-ancestors 'none'"
# The same, for a stored file the site's own viewer shows in an <iframe>.
EMBEDDABLE_POLICY = POLICY.replace("frame-ancestors 'none'", "frame-ancestors 'self'")

HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000"


def embeddable_by_the_site(response: Response) -> Response:
    """Let the site's own pages (and only they) show `response` in a frame."""
    response.headers["Content-Security-Policy"] = EMBEDDABLE_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    runtime = current_app.extensions.get("reserve_flow")
    if runtime is not None and str(runtime.settings["app"]["base_url"]).startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
