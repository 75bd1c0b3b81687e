"""The texts a person agrees to and the privacy policy, built from the district's
settings ([privacy] in the configuration). A text's SHA-256 is stored with each
acceptance, so what was agreed to can be shown word for word even after the settings
change; the version names the wording of the template."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from reserve_flow.privacy.models import SCOPES

PROCESSING_VERSION = "2026-2"
DISSEMINATION_VERSION = "2026-1"

# What the service holds about an applicant and a reserve member (152-FZ art. 9 part 4 item 3).
DATA_LIST = (
    "фамилия, имя, отчество",
    "дата рождения",
    "адрес электронной почты и номер телефона",
    "фотография (в анкете)",
    "паспортные данные (в копии паспорта)",
    "сведения об образовании и квалификации",
    "сведения о трудовой деятельности, стаже, месте работы и должности",
    "сведения о наличии (отсутствии) судимости и (или) факта уголовного преследования",
    "характеристика с места работы и программа развития организации",
    "оценки конкурсной комиссии, результаты голосования и аттестации",
    "сведения о пребывании в кадровом резерве и выполнении индивидуального плана развития",
)
PURPOSES = (
    "проведение конкурса на включение в кадровый резерв руководителей образовательных организаций",
    "формирование кадрового резерва и работа с ним (индивидуальный план развития, стажировки, обучение)",
    "подбор и назначение на должность руководителя образовательной организации",
)
ACTIONS = (
    "сбор, запись, систематизация, накопление, хранение, уточнение (обновление, изменение), "
    "извлечение, использование, передача (предоставление, доступ) членам конкурсной и аттестационной "
    "комиссий и специалистам по кадрам оператора, блокирование, удаление, уничтожение; "
    "с использованием средств автоматизации и без них"
)
# What may be published, per scope (Roskomnadzor order No. 18 of 24.02.2021: the categories).
PUBLISHED_DATA: dict[str, str] = {
    "reserve_list": "фамилия, имя, отчество и должность, на которую сформирован резерв",
    "contest_results": "фамилия, имя, отчество в итогах конкурса (включение в резерв)",
    "appointments": "фамилия, имя, отчество, организация, должность и реквизиты приказа о назначении",
}
PUBLIC_PATHS: dict[str, str] = {
    "reserve_list": "/public/reserve",
    "contest_results": "/public/",
    "appointments": "/public/appointments",
}


@dataclass(frozen=True)
class ConsentText:
    version: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def operator(settings: Any) -> str:
    """The operator as the texts name it: full name, address and, when set, INN and contacts."""
    privacy = settings["privacy"]
    parts = [privacy["operator_name"], f"адрес: {privacy['operator_address']}"]
    if privacy["operator_inn"]:
        parts.append(f"ИНН {privacy['operator_inn']}")
    contacts = ", ".join(c for c in (privacy["operator_email"], privacy["operator_phone"]) if c)
    if contacts:
        parts.append(f"контакты: {contacts}")
    return "; ".join(parts)


def processing(settings: Any) -> ConsentText:
    """The consent to processing with everything 152-FZ art. 9 part 4 lists."""
    privacy = settings["privacy"]
    text = (
        "В соответствии со статьёй 9 Федерального закона от 27.07.2006 № 152-ФЗ «О персональных данных» "
        f"я даю согласие оператору — {operator(settings)} — на обработку моих персональных данных. "
        f"Цели обработки: {'; '.join(PURPOSES)}. "
        f"Перечень персональных данных: {'; '.join(DATA_LIST)}. "
        f"Действия с персональными данными: {ACTIONS}. "
        f"Срок действия согласия: {privacy['consent_term']}. "
        "Согласие может быть отозвано в любой момент: на странице «Мои согласия» личного кабинета "
        "или письменным заявлением оператору по указанному адресу. После отзыва обработка прекращается, "
        "подать заявление на конкурс становится невозможно, а данные, хранить которые не требует закон, "
        "уничтожаются в течение 30 дней. Распространение (публикация) моих персональных данных этим "
        "согласием не разрешается: для него даётся отдельное согласие."
    )
    return ConsentText(PROCESSING_VERSION, text)


def dissemination(settings: Any, scopes: Iterable[str]) -> ConsentText:
    """The separate consent to dissemination (152-FZ art. 10.1) for the chosen scopes."""
    chosen = [s for s in SCOPES if s in set(scopes)]
    base = settings["app"]["base_url"].rstrip("/")
    where = "; ".join(f"{SCOPES[s]} ({base}{PUBLIC_PATHS[s]}): {PUBLISHED_DATA[s]}" for s in chosen) or "нигде"
    text = (
        "В соответствии со статьёй 10.1 Федерального закона от 27.07.2006 № 152-ФЗ «О персональных данных» "
        f"я даю согласие оператору — {operator(settings)} — на распространение моих персональных данных "
        f"на его информационном ресурсе: {where}. Иные персональные данные не распространяются; "
        "передача распространяемых данных неограниченному кругу лиц иным способом не разрешается. "
        "Согласие действует до его отзыва; отозвать его можно в любой момент на странице «Мои согласия» "
        "личного кабинета, и с этого момента сведения снимаются с публичных страниц."
    )
    return ConsentText(DISSEMINATION_VERSION, text)
