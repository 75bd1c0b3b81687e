"""The administrator's audit journal reads in Russian: kinds of events, their subjects,
workflow steps and data keys by name, data as a key/value list instead of JSON; and
the accesses to personal data (views, exports, destruction) can be listed apart."""

from __future__ import annotations

import re

from reserve_flow.core.audit.chain import append_event
from reserve_flow.core.audit.erasure import erase_personal_data
from tests.core.test_engine import fire
from tests.helpers import NOW, load_user


def rows(html: str) -> list[str]:
    """The journal's rows as text, tags stripped."""
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("</tr>") if row.strip()]


def test_the_journal_names_kinds_subjects_steps_and_data_in_russian(runtime, district, client, auth):
    fire(runtime, district, "applicant", "submit")
    fire(runtime, district, "secretary", "return_for_fix", reason="Нет подписи на заявлении")
    with runtime.transaction() as s:
        append_event(
            s,
            kind="personal_file_viewed",
            actor=load_user(s, district, "secretary"),
            subject_type="application",
            subject_id=district.application_id,
            now=NOW,
            data={"document_id": 3, "sha256": "ab" * 32},
            personal={"file": "Паспорт.pdf"},
        )
    auth.login("admin@example.ru")
    html = client.get("/admin/audit").get_data(as_text=True)
    viewed, returned, submitted = rows(html)[:3]
    assert "Просмотр личного дела" in viewed and f"Заявление № {district.application_id}" in viewed
    assert "Файл Паспорт.pdf" in viewed and "Документ (№ записи) 3" in viewed
    assert "Вернуть на доработку: Подано, на проверке документов → Возвращено на доработку" in returned
    assert "Причина Нет подписи на заявлении" in returned
    assert "Шаг процесса" in submitted and "Секретарёва" not in submitted
    for code in ("personal_file_viewed", "application №", "return_for_fix", '{"', "submitted →"):
        assert code not in " ".join(rows(html)), code
    assert rows(html)[-1].endswith(f"Конкурс № {district.contest_id}")  # the contest announced first


def test_the_access_filter_lists_views_exports_and_erasures_only(runtime, district, client, auth):
    fire(runtime, district, "applicant", "submit")
    with runtime.transaction() as s:
        viewed = append_event(
            s,
            kind="personal_file_viewed",
            actor=load_user(s, district, "secretary"),
            subject_type="application",
            subject_id=district.application_id,
            now=NOW,
        )
        viewed_id = viewed.id
    with runtime.sessions() as s:
        erase_personal_data(s, event_ids=[viewed_id], act_id=12, reason="Акт № 12 об уничтожении")
    auth.login("admin@example.ru")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert '<option value="access"' in html and "Доступ к персональным данным" in html
    listed = rows(client.get("/admin/audit?kind=access").get_data(as_text=True))
    assert len(listed) == 2
    erased, viewed_row = listed
    assert "Уничтожены персональные данные в журнале" in erased and "Акт об уничтожении 12" in erased
    assert "Просмотр личного дела" in viewed_row and "уничтожены по акту № 12" in viewed_row
    assert "данные уничтожены" in viewed_row  # the viewer's name went with the rest
    assert all("Шаг процесса" not in row for row in listed)
    verified = client.post("/admin/audit/verify", data={"csrf_token": _token(html)}, follow_redirects=True)
    assert "Персональные данные уничтожены в событиях: 1" in verified.get_data(as_text=True)


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
