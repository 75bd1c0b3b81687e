"""Russian declension of people's names and posts, for documents that must read as a
lawyer writes them («Назначить Иванову Ольгу Николаевну на должность заведующего …»).

Full names are declined by pytrovich (the petrovich rules for Russian anthroponyms),
the gender taken from the patronymic; posts by pymorphy3 (the OpenCorpora dictionary).
Both fall back to the word as written when they cannot tell, so a document never says
less than the nominative.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import pymorphy3
from pytrovich.detector import PetrovichGenderDetector
from pytrovich.enums import Case, Gender, NamePart
from pytrovich.maker import PetrovichDeclinationMaker

Sex = Literal["male", "female", "unknown"]

_CASES = {"genitive": Case.GENITIVE, "dative": Case.DATIVE, "accusative": Case.ACCUSATIVE}
_PYMORPHY_CASES = {"genitive": "gent", "dative": "datv", "accusative": "accs"}


@lru_cache(maxsize=1)
def _maker() -> PetrovichDeclinationMaker:
    return PetrovichDeclinationMaker()


@lru_cache(maxsize=1)
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


def _parts(full_name: str) -> tuple[str, str, str]:
    words = full_name.split()
    last = words[0] if words else ""
    first = words[1] if len(words) > 1 else ""
    middle = " ".join(words[2:])
    return last, first, middle


def gender_of(full_name: str) -> Sex:
    """From the patronymic («…вна» female, «…вич» male; «…кызы», «…оглы» too), else unknown."""
    _last, _first, middle = _parts(full_name)
    if not middle:
        return "unknown"
    try:
        detected = PetrovichGenderDetector().detect(middlename=middle)
    except Exception:  # noqa: BLE001 - an unusual patronymic is simply not told
        return "unknown"
    return {Gender.MALE: "male", Gender.FEMALE: "female"}.get(detected, "unknown")


def decline_name(full_name: str, case: str) -> str:
    """«Иванова Ольга Николаевна» in the given case ("genitive", "dative", "accusative")."""
    sex = gender_of(full_name)
    if sex == "unknown":
        return full_name
    gender = Gender.MALE if sex == "male" else Gender.FEMALE
    target = _CASES[case]
    last, first, middle = _parts(full_name)
    maker = _maker()
    words = [
        maker.make(NamePart.LASTNAME, gender, target, last),
        maker.make(NamePart.FIRSTNAME, gender, target, first) if first else "",
        maker.make(NamePart.MIDDLENAME, gender, target, middle) if middle else "",
    ]
    return " ".join(w for w in words if w)


def accusative(full_name: str) -> str:
    """«Назначить Иванову Ольгу Николаевну …»."""
    return decline_name(full_name, "accusative")


def genitive(full_name: str) -> str:
    return decline_name(full_name, "genitive")


def _decline_post(post: str, case: str) -> str:
    """The post's head phrase declined up to and including its first noun; the words
    after it already depend on it («руководителя дошкольной образовательной организации»)."""
    grammeme = _PYMORPHY_CASES[case]
    words = post.split()
    out: list[str] = []
    for index, word in enumerate(words):
        parses = [p for p in _morph().parse(word) if "nomn" in p.tag]
        last = index == len(words) - 1
        # Before another word an adjective reading comes first: «старший воспитатель»,
        # «заведующий хозяйством» (both are nouns too, substantivized).
        attributive = [p for p in parses if p.tag.POS in ("ADJF", "PRTF")]
        parse = attributive[0] if attributive and not last else (parses[0] if parses else None)
        inflected = parse.inflect({grammeme}) if parse is not None else None
        if inflected is None:
            return " ".join(out + words[index:])
        out.append(_same_case(word, inflected.word))
        # The first noun ends the head phrase: what follows depends on it.
        if parse.tag.POS == "NOUN" or last:
            return " ".join(out + words[index + 1 :])
    return " ".join(out)


def _same_case(original: str, word: str) -> str:
    return word.capitalize() if original[:1].isupper() else word


def genitive_post(post: str) -> str:
    """«директор» -> «директора», «заведующий» -> «заведующего»: «на должность …»."""
    return _decline_post(post, "genitive")


def by_gender(full_name: str, male: str, female: str) -> str:
    """A verb form agreeing with the person: by_gender(name, "отказался", "отказалась");
    both forms, «отказался(-ась)», when the gender cannot be told."""
    sex = gender_of(full_name)
    if sex == "male":
        return male
    if sex == "female":
        return female
    common = len(_common_prefix(male, female))
    return f"{male}(-{female[common:]})" if common else f"{male} ({female})"


def _common_prefix(a: str, b: str) -> str:
    size = 0
    while size < min(len(a), len(b)) and a[size] == b[size]:
        size += 1
    return a[:size]
