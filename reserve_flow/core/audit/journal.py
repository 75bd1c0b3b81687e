"""The audit journal in words an administrator reads: Russian names of event kinds,
subjects, workflow steps and data keys, and an event's data as a list of «key: value»
lines instead of raw JSON. Each area registers its own words (core/audit/views.py
label_event_kinds); the ones here are the core's and the keys shared by several areas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.workflow.registry import Workflows

# Kinds of access to personal data: the journal's filter «Доступ к персональным данным».
ACCESS_FILTER = "access"
ACCESS_KINDS: set[str] = {"personal_file_viewed", "personal_data_exported", "own_data_exported", "personal_data_erased"}

EVENT_KINDS: dict[str, str] = {
    "transition": "Шаг процесса",
    "personal_file_viewed": "Просмотр личного дела",
    "outbox_retried": "Письмо снова поставлено в очередь",
    "personal_data_exported": "Выгрузка персональных данных",
    "personal_data_erased": "Уничтожены персональные данные в журнале",
    "audit_chain_upgraded": "Журнал аудита переведён на версию 2",
}

SUBJECTS: dict[str, str] = {"audit": "Журнал аудита", "export": "Выгрузка", "outbox": "Письмо", "user": "Пользователь"}

DATA_KEYS: dict[str, str] = {
    "act_id": "Акт об уничтожении",
    "events": "События журнала",
    "v1_events": "Событий версии 1",
    "v1_head_hash": "Последний хеш версии 1",
    "file": "Файл",
    "file_name": "Файл",
    "sha256": "Контрольная сумма SHA-256",
    "old_sha256": "Прежняя контрольная сумма",
    "docx_sha256": "SHA-256 файла DOCX",
    "pdf_sha256": "SHA-256 файла PDF",
    "file_sha256": "SHA-256 файла",
    "template": "Шаблон письма",
    "recipient_id": "Получатель (№ пользователя)",
    "user_id": "Пользователь (№)",
    "page": "Страница",
    "year": "Год",
    "number": "Номер",
    "title": "Название",
    "reason": "Причина",
    "note": "Пояснение",
    "text": "Текст",
    "version": "Редакция",
    "format": "Формат",
    "rows": "Строк",
    "filters": "Отбор",
}

_PLAIN = {True: "да", False: "нет", None: "—"}


def _value(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return _PLAIN[value]
    if isinstance(value, dict):
        if set(value) == {"было", "стало"}:
            return f"{_value(value['было'])} → {_value(value['стало'])}"
        return "; ".join(f"{DATA_KEYS.get(k, k)}: {_value(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value) or "—"
    return str(value)


@dataclass(frozen=True)
class JournalRow:
    event: AuditEvent
    kind: str
    subject: str
    step: str  # the workflow step and the states, or ""
    details: list[tuple[str, str]]


def subject_label(event: AuditEvent, workflows: Workflows) -> str:
    noun = SUBJECTS.get(event.subject_type)
    if noun is None:
        definition = next((d for d in workflows.definitions.values() if d.subject == event.subject_type), None)
        noun = definition.label_ru if definition else event.subject_type
    return f"{noun} № {event.subject_id}" if event.subject_id is not None else noun


def _step(event: AuditEvent, workflows: Workflows) -> str:
    if event.kind != "transition":
        return ""
    definition = next((d for d in workflows.definitions.values() if d.subject == event.subject_type), None)
    if definition is None:
        return f"{event.trigger or ''}: {event.from_state or ''} → {event.to_state or ''}"
    transition = next((t for t in definition.transitions if t.trigger == event.trigger), None)
    action = transition.label_ru if transition else ("Начало дела" if event.trigger == "start" else event.trigger)

    def state(name: str | None) -> str:
        found = definition.states.get(name or "")
        return found.label_ru if found else (name or "—")

    if event.from_state is None:
        return f"{action}: {state(event.to_state)}"
    return f"{action}: {state(event.from_state)} → {state(event.to_state)}"


def present(event: AuditEvent, workflows: Workflows) -> JournalRow:
    details = [(DATA_KEYS.get(key, key), _value(value)) for key, value in event.payload.items()]
    if event.reason:
        details.insert(0, ("Причина", event.reason))
    if event.erased:
        assert event.personal is not None
        act = event.personal.erasure_act_id
        details.append(("Персональные данные", f"уничтожены {'по акту № ' + str(act) if act else 'без акта'}"))
    return JournalRow(
        event=event,
        kind=EVENT_KINDS.get(event.kind, event.kind),
        subject=subject_label(event, workflows),
        step=_step(event, workflows),
        details=details,
    )
