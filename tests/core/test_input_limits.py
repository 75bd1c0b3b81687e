"""Input a browser (or a forged request) can send that no form asks for: ids past the
database's integer, control characters in an upload's file name, zip bombs posing as
DOCX or XLSX files, and the calendar feed's secret showing up in the request log."""

from __future__ import annotations

import io
import logging
import re
import threading
import urllib.request
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

import reserve_flow
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.core.deadlines import services as deadlines
from reserve_flow.core.web import access_log
from reserve_flow.people.models import User
from tests.fixtures.applicant import DOCX, PDF, new_draft, stored_files, upload
from tests.fixtures.reserve import post


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_ids_past_the_integer_range_are_not_found(client, auth, district, number):
    auth.login("admin@example.ru")
    for url in (
        f"/reserve/{number}",
        f"/applications/{number}",
        f"/applications/{district.application_id}/documents/{number}",
        f"/organizations/{number}",
        f"/orders/{number}.pdf",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Страница не найдена" in response.get_data(as_text=True)
    assert client.get(f"/reserve/{2**31 - 1}").status_code == 404  # the largest id: looked up, missing
    journal = client.get(f"/admin/audit?event={number}&before={number}")  # ids in the query: ignored
    assert journal.status_code == 200 and "Журнал" in journal.get_data(as_text=True)


def test_control_characters_are_stripped_from_an_uploads_name(auth, client, runtime, district):
    application_id = new_draft(client, auth, district.contest_id)
    name = "За\x00яв\u202eление\x07.pdf"
    assert upload(client, application_id, "application", name, PDF).status_code == 303
    with runtime.sessions() as s:
        document = s.scalars(
            select(ApplicationDocument).where(ApplicationDocument.application_id == application_id)
        ).one()
    assert document.original_name == "Заявление.pdf"
    download = client.get(f"/applications/{application_id}/documents/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert "%00" not in download.headers["Content-Disposition"]


def test_a_name_of_nothing_but_control_characters_is_refused(auth, client, runtime, district):
    application_id = new_draft(client, auth, district.contest_id)
    response = upload(client, application_id, "application", "\x00\x01\x02", PDF)
    assert response.status_code == 400 and "Выберите файл для загрузки." in response.get_data(as_text=True)
    assert stored_files(runtime) == []


def zip_with(entries: dict[str, bytes], *, base: bytes = DOCX) -> bytes:
    """`base` (a zip) with more entries, deflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            out.writestr(item, source.read(item))
        for name, content in entries.items():
            out.writestr(name, content)
    return buffer.getvalue()


BOMBS = {
    "one part packed a thousandfold": (lambda: {"word/media/zeros.bin": b"\0" * (20 * 1024 * 1024)}, "сжата в 200 раз"),
    "too many parts": (lambda: {f"word/p{i}.xml": b"<p/>" for i in range(1001)}, "больше 1000 частей"),
    "too much unpacked": (
        lambda: {f"word/media/{i}.bin": bytes(range(256)) * 4096 * 26 for i in range(4)},
        "больше 100 МБ",
    ),
}


@pytest.mark.parametrize("kind", BOMBS)
def test_a_docx_bomb_is_refused_before_it_is_opened(auth, client, runtime, district, kind):
    entries, message = BOMBS[kind]
    application_id = new_draft(client, auth, district.contest_id)
    response = upload(client, application_id, "programme", "Программа.docx", zip_with(entries()))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Файл «Программа.docx» не принят" in html and message in html
    assert stored_files(runtime) == []


def test_an_order_template_bomb_is_refused(auth, client, runtime, district):
    from docx import Document

    document = Document()
    document.add_paragraph("ПРИКАЗ № {{ number }}")
    buffer = io.BytesIO()
    document.save(buffer)
    bomb = zip_with(BOMBS["one part packed a thousandfold"][0](), base=buffer.getvalue())
    auth.login("admin@example.ru")
    response = post(
        client,
        "/admin/order-template",
        {"file": (io.BytesIO(bomb), "шаблон.docx")},
        token_from="/admin/order-template",
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "похоже на «zip-бомбу»" in response.get_data(as_text=True)


def test_an_xlsx_bomb_is_refused_before_openpyxl_reads_it(auth, client, runtime, district):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Тип", "Полное наименование"])
    buffer = io.BytesIO()
    book.save(buffer)
    bomb = zip_with({f"xl/p{i}.xml": b"<p/>" for i in range(1001)}, base=buffer.getvalue())
    auth.login("admin@example.ru")
    response = post(
        client,
        "/organizations/import",
        {"file": (io.BytesIO(bomb), "реестр.xlsx")},
        token_from="/organizations/import",
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Книга Excel не принята: в файле больше 1000 частей" in html


def test_the_feed_token_is_masked_in_the_development_servers_request_log(app, runtime, district, caplog):
    with runtime.sessions() as s:
        token = deadlines.new_feed_token(s, s.get(User, district.users["applicant"]))
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            url = f"http://127.0.0.1:{server.server_port}/deadlines/feed/{token}.ics"
            with urllib.request.urlopen(url) as response:
                assert response.status == 200 and b"BEGIN:VCALENDAR" in response.read()
    finally:
        server.shutdown()
        thread.join()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("GET /deadlines/feed/***.ics" in line for line in lines), lines
    assert not any(token in line for line in lines)


def test_the_feed_token_is_masked_in_gunicorns_access_log(app, caplog):
    # gunicorn's access logger formats its atoms from a dict: %(r)s is the request line.
    secret = "s3cr3t-Token_value"
    with caplog.at_level(logging.INFO, logger="gunicorn.access"):
        logging.getLogger("gunicorn.access").info(
            '%(h)s "%(r)s" %(s)s', {"h": "10.0.0.1", "r": f"GET /deadlines/feed/{secret}.ics HTTP/1.1", "s": "200"}
        )
    [record] = [r for r in caplog.records if r.name == "gunicorn.access"]
    assert record.getMessage() == '10.0.0.1 "GET /deadlines/feed/***.ics HTTP/1.1" 200'
    assert access_log.mask("/deadlines/mine") == "/deadlines/mine"


def test_every_upload_form_takes_its_file_through_the_one_cleaning_field():
    package = Path(reserve_flow.__file__).parent
    raw = [
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if path.name != "forms.py" and re.search(r"\bFileField\b", path.read_text(encoding="utf-8"))
    ]
    assert raw == []  # core/web/forms.py's UploadField, not flask_wtf's FileField
