"""The administrator's order template is a Jinja template: one that reaches past its
fields into Python is refused at upload, in Russian, and refused again when an order is
rendered from it; nothing it asks for runs on the server."""

from __future__ import annotations

import hashlib
import io

import pytest
from docx import Document
from sqlalchemy import func, select

from reserve_flow.appointments.models import OrderTemplate
from reserve_flow.core.files import storage
from tests.appointments.test_orders import drafted, number_over_http, order_of, upload_template
from tests.fixtures.appointment import vacancy_state, vacancy_version
from tests.helpers import NOW, load_user


def word_file(*paragraphs: str, title: str = "") -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.core_properties.title = title
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def escape_to_shell(marker) -> str:
    """A placeholder-free template line that, rendered by plain Jinja, finds Python's
    builtins through the class hierarchy and touches `marker` with os.system."""
    return (
        "{% for c in ''.__class__.__mro__[1].__subclasses__() %}{% if c.__name__ == 'catch_warnings' %}"
        "{{ c()._module.__builtins__['__import__']('os').system('touch " + str(marker) + "') }}"
        "{% endif %}{% endfor %}"
    )


HOSTILE = {
    "class hierarchy": lambda marker: word_file(
        "ПРИКАЗ № {{ number }}", "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    ),
    "globals of a helper": lambda marker: word_file("{{ cycler.__init__.__globals__ }}"),
    "a field's class": lambda marker: word_file("{{ full_name.__class__.__base__ }}"),
    "subscript by name": lambda marker: word_file("{{ full_name['__class__'] }}"),
    "code in a dead branch": lambda marker: word_file(
        "{% if number == 'never' %}" + escape_to_shell(marker) + "{% endif %}"
    ),
    "shell from the body": lambda marker: word_file("ПРИКАЗ", escape_to_shell(marker)),
    "shell from the properties": lambda marker: word_file("ПРИКАЗ № {{ number }}", title=escape_to_shell(marker)),
    "memory by multiplication": lambda marker: word_file("{{ full_name * 100000 }}"),
    "an unlisted filter": lambda marker: word_file("{{ full_name|attr('upper') }}"),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_template_reaching_past_its_fields_is_refused_at_upload(runtime, appointment, client, auth, tmp_path, kind):
    marker = tmp_path / "ran"
    auth.login("admin@example.ru")
    response = upload_template(client, HOSTILE[kind](marker), "шаблон.docx")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Шаблон «шаблон.docx» не принят." in page
    assert any(word in page for word in ("недопустим", "неизвестное поле")), page
    assert not marker.exists()
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OrderTemplate)) == 0


def test_fields_and_their_filters_still_fill_an_uploaded_template(runtime, appointment, client, auth):
    drafted(runtime, appointment, appointment.reserve.second)
    auth.login("admin@example.ru")
    template = word_file("ПРИКАЗ № {{ number }}", "Назначить {{ full_name|upper }} с {{ start_date }}.")
    assert upload_template(client, template, "шаблон.docx").status_code == 303
    auth.logout()
    auth.login("hr@example.ru")
    version = vacancy_version(runtime, appointment.vacancy)
    assert number_over_http(client, appointment.vacancy, version).status_code == 303
    order = order_of(runtime, appointment.vacancy)
    text = "\n".join(p.text for p in Document(io.BytesIO(client.get(f"/orders/{order.id}.docx").data)).paragraphs)
    assert "Назначить ВТОРОВ СЕРГЕЙ ПАВЛОВИЧ с" in text


def test_a_stored_unsafe_template_is_refused_when_the_order_is_rendered(runtime, appointment, client, auth, tmp_path):
    """A template that slipped in before the upload check (an older version, a restored
    backup) is checked again by the renderer: the order is not issued and nothing runs."""
    drafted(runtime, appointment, appointment.reserve.second)
    marker = tmp_path / "ran"
    content = word_file("ПРИКАЗ № {{ number }}", escape_to_shell(marker))
    stored = storage.store(io.BytesIO(content), "старый.docx", runtime.settings.uploads_folder, 10 * 1024 * 1024)
    with runtime.sessions() as s:
        admin = load_user(s, appointment.district, "admin")
        s.add(
            OrderTemplate(
                storage_key=stored.storage_key,
                sha256=hashlib.sha256(content).hexdigest(),
                original_name="старый.docx",
                uploaded_at=NOW,
                uploaded_by_id=admin.id,
            )
        )
        s.commit()
    auth.login("hr@example.ru")
    before = vacancy_state(runtime, appointment.vacancy)
    response = number_over_http(client, appointment.vacancy, vacancy_version(runtime, appointment.vacancy))
    assert response.status_code == 400
    assert "Шаблон приказа не подходит: В шаблоне недопустимое выражение" in response.get_data(as_text=True)
    assert not marker.exists()
    assert vacancy_state(runtime, appointment.vacancy) == before
