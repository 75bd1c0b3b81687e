"""Tokens made where a person makes them: the profile page (the secret shown once, then
only its beginning; revocable there) and `reserve-flow tokens create/list/revoke`."""

from __future__ import annotations

import re

from click.testing import CliRunner
from sqlalchemy import select

from reserve_flow.cli import main
from reserve_flow.core.api.tokens import ApiToken
from tests.helpers import _csrf_token


def test_the_profile_page_makes_a_token_shown_once_and_revokes_it(client, auth, district):
    auth.login("hr@example.ru")
    page = client.get("/profile/tokens")
    assert page.status_code == 200 and "Токенов пока нет" in page.get_data(as_text=True)
    token = _csrf_token(page.get_data(as_text=True))
    made = client.post("/profile/tokens", data={"csrf_token": token, "name": "выгрузка резерва", "days": "30"})
    html = made.get_data(as_text=True)
    secret = re.search(r'<code class="secret">([^<]+)</code>', html).group(1)
    assert "показан один раз" in html
    assert client.get("/api/v1/reserve/members", headers={"Authorization": f"Bearer {secret}"}).status_code == 200

    listed = client.get("/profile/tokens").get_data(as_text=True)
    assert secret not in listed and "выгрузка резерва" in listed and "действует" in listed
    action = re.search(r'action="(/profile/tokens/\d+/revoke)"', listed).group(1)
    revoked = client.post(action, data={"csrf_token": _csrf_token(listed)})
    assert revoked.status_code == 303
    assert "отозван" in client.get("/profile/tokens").get_data(as_text=True)
    assert client.get("/api/v1/reserve/members", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_a_bad_term_is_refused_on_the_page_and_nothing_is_made(client, auth, runtime, district):
    auth.login("hr@example.ru")
    token = _csrf_token(client.get("/profile/tokens").get_data(as_text=True))
    refused = client.post("/profile/tokens", data={"csrf_token": token, "days": "1000"})
    assert refused.status_code == 400 and "366" in refused.get_data(as_text=True)
    with runtime.sessions() as s:
        assert s.scalars(select(ApiToken)).all() == []


def _cli(runtime, monkeypatch, *args):
    monkeypatch.setenv("RESERVE_FLOW_CONFIG", "")
    monkeypatch.setenv("RESERVE_FLOW_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("RESERVE_FLOW_APP_INSTANCE_PATH", str(runtime.settings.instance_path))
    return CliRunner().invoke(main, list(args))


def test_the_command_line_creates_lists_and_revokes_tokens(client, runtime, district, monkeypatch):
    created = _cli(runtime, monkeypatch, "tokens", "create", "admin@example.ru", "--days", "7")
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("rf_")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/audit", headers=headers).status_code == 200

    listed = _cli(runtime, monkeypatch, "tokens", "list", "admin@example.ru")
    assert listed.exit_code == 0 and "active" in listed.output and secret not in listed.output
    token_id = re.search(r"#(\d+)", listed.output).group(1)
    assert _cli(runtime, monkeypatch, "tokens", "revoke", token_id).exit_code == 0
    assert client.get("/api/v1/audit", headers=headers).status_code == 401
    again = _cli(runtime, monkeypatch, "tokens", "revoke", token_id)
    assert again.exit_code != 0 and "уже отозван" in again.output

    unknown = _cli(runtime, monkeypatch, "tokens", "create", "nobody@example.ru")
    assert unknown.exit_code != 0 and "no user" in unknown.output
