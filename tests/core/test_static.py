"""The site's styles come from one stylesheet that the app serves, packaged with it."""

from __future__ import annotations


def test_every_page_links_the_stylesheet_the_app_serves(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/static/css/site.css"' in page
    sheet = client.get("/static/css/site.css")
    assert sheet.status_code == 200
    assert sheet.mimetype == "text/css"
    assert "--accent:" in sheet.get_data(as_text=True)
