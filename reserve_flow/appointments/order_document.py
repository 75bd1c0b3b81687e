"""The appointment order as a Word template with Jinja placeholders (docxtpl), and its PDF.

The РУО's administrator may replace the template with their own DOCX, edited in Word,
as long as it uses only the placeholders listed in PLACEHOLDERS (shown on the admin
page). Without a replacement the built-in template below, written with python-docx,
is used. The PDF is LibreOffice's conversion of the rendered DOCX when `soffice` is on PATH
(the district template's letterhead and images survive); otherwise it is drawn from the
DOCX's paragraphs and tables (text, alignment, bold) with fpdf2, so it says the same
words as the DOCX of whichever template was used. The built-in template is A4 with
Russian as its proofing language.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from reserve_flow.contest.protocol_document import _font_files
from reserve_flow.core.files import user_templates

# The order's title as the built-in template heads it and the document properties name it.
ORDER_HEADING = "О назначении на должность руководителя"

# Every placeholder a template may use: name -> what it becomes (shown to the administrator).
PLACEHOLDERS: dict[str, str] = {
    "issuer": "наименование органа, издающего приказ (РУО)",
    "place": "место издания приказа",
    "number": "номер приказа с индексом реестра, например 45-к (в проекте — ___)",
    "date": "дата приказа, например 05.03.2026 (в проекте — пропуск)",
    "full_name": "фамилия, имя, отчество назначаемого (именительный падеж: Иванова Ольга Николаевна)",
    "full_name_accusative": "ФИО назначаемого в винительном падеже: «Назначить Иванову Ольгу Николаевну»",
    "appointee_read": "«ознакомлен» или «ознакомлена» — по полу назначаемого (по отчеству)",
    "organization": "полное наименование образовательной организации",
    "organization_short": "краткое наименование образовательной организации",
    "position": "должность, на которую назначается кандидат (именительный падеж: заведующий)",
    "position_genitive": "должность в родительном падеже: «на должность заведующего»",
    "start_date": "дата назначения (начала работы), например 01.02.2027",
    "contract": "«срочный трудовой договор на 5 лет» или «трудовой договор на неопределённый срок»",
    "contract_years": "срок срочного трудового договора в годах (число; пусто для бессрочного)",
    "contract_end": "дата окончания срочного трудового договора (пусто для бессрочного)",
    "contract_number": "номер трудового договора",
    "contract_date": "дата заключения трудового договора, например 20.01.2027",
    "probation": "испытательный срок: «с испытательным сроком 3 месяца» или «без испытательного срока»",
    "contract_basis": "основание приказа: «трудовой договор от 20.01.2027 № 12»",
    "grounds": "основания приказа, каждое отдельным абзацем",
    "signatory_position": "должность подписывающего приказ",
    "signatory_name": "инициалы и фамилия подписывающего приказ",
}

# Values of a sample order: a replaced template must render with them before it is accepted.
SAMPLE_CONTEXT: dict[str, object] = {
    "issuer": "МКУ «Районное управление образования»",
    "place": "п. Нижнеангарск",
    "number": "45-к",
    "date": "05.03.2026",
    "full_name": "Иванова Наталья Сергеевна",
    "full_name_accusative": "Иванову Наталью Сергеевну",
    "appointee_read": "ознакомлена",
    "organization": "МБОУ «Нижнеангарская средняя общеобразовательная школа № 1»",
    "organization_short": "Нижнеангарская СОШ № 1",
    "position": "директор",
    "position_genitive": "директора",
    "start_date": "10.03.2026",
    "contract": "срочный трудовой договор на 5 лет",
    "contract_years": 5,
    "contract_end": "09.03.2031",
    "contract_number": "12",
    "contract_date": "04.03.2026",
    "probation": "с испытательным сроком 3 месяца",
    "contract_basis": "трудовой договор от 04.03.2026 № 12",
    "grounds": "Протокол заседания конкурсной комиссии\aРешение аттестационной комиссии",
    "signatory_position": "Начальник МКУ «РУО»",
    "signatory_name": "Н. С. Иванова",
}
assert set(SAMPLE_CONTEXT) == set(PLACEHOLDERS)


# The core's refusal of a user's template, under the name this module has always raised.
TemplateInvalid = user_templates.TemplateRefused


def years_phrase(years: int) -> str:
    """5 -> "5 лет", 2 -> "2 года", 1 -> "1 год"."""
    if years % 10 == 1 and years % 100 != 11:
        word = "год"
    elif years % 10 in (2, 3, 4) and years % 100 not in (12, 13, 14):
        word = "года"
    else:
        word = "лет"
    return f"{years} {word}"


def contract_phrase(years: int | None) -> str:
    """The contract's term as the order states it (None: an indefinite term)."""
    if years is None:
        return "трудовой договор на неопределённый срок"
    return f"срочный трудовой договор на {years_phrase(years)}"


def months_phrase(months: int) -> str:
    """1 -> "1 месяц", 3 -> "3 месяца", 6 -> "6 месяцев"."""
    if months % 10 == 1 and months % 100 != 11:
        word = "месяц"
    elif months % 10 in (2, 3, 4) and months % 100 not in (12, 13, 14):
        word = "месяца"
    else:
        word = "месяцев"
    return f"{months} {word}"


def probation_phrase(months: int) -> str:
    return f"с испытательным сроком {months_phrase(months)}" if months else "без испытательного срока"


def join_grounds(lines: list[str]) -> str:
    """Grounds as one value: docxtpl turns "\\a" into a new paragraph of the same style."""
    return "\a".join(line for line in lines if line)


def default_template() -> bytes:
    """The built-in template: the РУО's header, «ПРИКАЗ», number and date, place, the
    heading, the appointment, the contract, the grounds and the signature."""
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(13)

    def paragraph(
        text: str, *, center: bool = False, bold: bool = False, size: int | None = None, justify: bool = False
    ) -> None:
        p = document.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif justify:
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        run = p.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)

    paragraph("{{ issuer }}", center=True, bold=True)
    paragraph("")
    paragraph("ПРИКАЗ", center=True, bold=True, size=16)
    paragraph("№ {{ number }} от {{ date }}", center=True)
    paragraph("{{ place }}", center=True)
    paragraph("")
    paragraph(ORDER_HEADING, center=True, bold=True)
    paragraph("")
    paragraph(
        "В соответствии со статьёй 51 Федерального закона от 29.12.2012 № 273-ФЗ «Об образовании "
        "в Российской Федерации», статьёй 275 Трудового кодекса Российской Федерации, уставом "
        "{{ issuer }}, на основании решений конкурсной и аттестационной комиссий",
        justify=True,
    )
    paragraph("ПРИКАЗЫВАЮ:", bold=True)
    paragraph(
        "1. Назначить {{ full_name_accusative }} на должность {{ position_genitive }} {{ organization }} "
        "с {{ start_date }}.",
        justify=True,
    )
    paragraph(
        "2. Работать по {{ contract }}{% if contract_end %}: с {{ start_date }} по {{ contract_end }}{% endif %}, "
        "{{ probation }}.",
        justify=True,
    )
    paragraph("3. Контроль за исполнением приказа оставляю за собой.", justify=True)
    paragraph("")
    paragraph("Основание: {{ contract_basis }};", justify=True)
    paragraph("{{ grounds }}", justify=True)
    paragraph("")
    paragraph("{{ signatory_position }}  ____________________  {{ signatory_name }}")
    paragraph("")
    paragraph("С приказом {{ appointee_read }}: ____________________  {{ full_name }}")
    paragraph("«___» ______________ 20___ г.")
    _a4_russian(document)
    document.core_properties.title = f"Приказ «{ORDER_HEADING}»"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _a4_russian(document) -> None:
    """A4 pages with the margins of Russian business papers (GOST R 7.0.97: 30/10/20/20 mm)
    and Russian as the proofing language, so Word checks the order in Russian."""
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin, section.right_margin = Mm(30), Mm(10)
        section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    defaults = document.styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")) if defaults is not None else None
    properties = run_defaults.find(qn("w:rPr")) if run_defaults is not None else None
    for target in [properties, document.styles["Normal"].element.get_or_add_rPr()]:
        if target is None:
            continue
        lang = target.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            target.append(lang)
        for attribute in ("w:val", "w:eastAsia", "w:bidi"):
            lang.set(qn(attribute), "ru-RU")


def set_properties(docx: bytes, *, title: str, author: str, created: datetime) -> bytes:
    """The rendered order's document properties: its title, the РУО as author, now."""
    document = Document(io.BytesIO(docx))
    properties = document.core_properties
    properties.title, properties.author, properties.last_modified_by = title, author, author
    properties.created = properties.modified = created.replace(tzinfo=None)
    properties.language = "ru-RU"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render_docx(template: bytes, context: dict[str, object]) -> bytes:
    """The order's DOCX from a template and a context with every placeholder's value, rendered
    in the sandbox of core/files/user_templates.py. Raises TemplateInvalid when the template
    uses anything but the placeholders, has broken markup or reaches for more."""
    return user_templates.render_docx(template, context, PLACEHOLDERS)


def with_footer(docx: bytes, text: str) -> bytes:
    """The rendered order with a small closing line (the audit chain head it was issued at)."""
    document = Document(io.BytesIO(docx))
    document.add_paragraph()
    document.add_paragraph().add_run(text).font.size = Pt(8)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def check_template(template: bytes) -> None:
    """A replacement template is accepted only when it opens as a Word document, uses
    only the known placeholders (in every part docxtpl fills, properties included) and
    renders the sample order. Raises TemplateInvalid."""
    render_docx(template, SAMPLE_CONTEXT)


def docx_text(docx: bytes) -> str:
    """The document's text, paragraph by paragraph (tables row by row)."""
    lines = []
    for block in _blocks(Document(io.BytesIO(docx))):
        if isinstance(block, PdfParagraph):
            lines.append(block.text)
        else:
            lines.extend(" | ".join(row) for row in block)
    return "\n".join(lines)


@dataclass(frozen=True)
class PdfParagraph:
    text: str
    align: str  # fpdf2's "L", "C", "R", "J"
    bold: bool
    size: float


_ALIGN = {WD_ALIGN_PARAGRAPH.CENTER: "C", WD_ALIGN_PARAGRAPH.RIGHT: "R", WD_ALIGN_PARAGRAPH.JUSTIFY: "J"}


def _paragraph(p: Paragraph) -> PdfParagraph:
    style = p.style
    alignment = p.alignment if p.alignment is not None else (style.paragraph_format.alignment if style else None)
    runs = [r for r in p.runs if r.text.strip()]

    def bold(run) -> bool:
        if run.bold is not None:
            return run.bold
        return bool(style is not None and style.font.bold)

    sizes = [r.font.size.pt for r in runs if r.font.size is not None]
    return PdfParagraph(
        text=p.text.replace("\t", "    "),
        align=_ALIGN.get(alignment, "L"),
        bold=bool(runs) and all(bold(r) for r in runs),
        size=max(sizes) if sizes else 12,
    )


def _blocks(document) -> list[PdfParagraph | list[list[str]]]:
    """Body paragraphs and tables in document order."""
    out: list[PdfParagraph | list[list[str]]] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            out.append([[cell.text for cell in row.cells] for row in item.rows])
        else:
            out.append(_paragraph(item))
    return out


# How long LibreOffice may take to convert one order before the fallback is used.
SOFFICE_TIMEOUT_SECONDS = 120


def soffice() -> str | None:
    """LibreOffice's command if it is on PATH."""
    return shutil.which("soffice")


def convert_with_soffice(docx: bytes) -> bytes | None:
    """The DOCX converted by LibreOffice (`soffice --headless --convert-to pdf`), so a
    district template's letterhead, header, footer and images survive; None when
    LibreOffice is not installed or the conversion fails."""
    command = soffice()
    if command is None:
        return None
    with tempfile.TemporaryDirectory(prefix="reserve-flow-order-") as folder:
        source = Path(folder) / "order.docx"
        source.write_bytes(docx)
        try:
            subprocess.run(
                [
                    command,
                    "--headless",
                    "--norestore",
                    f"-env:UserInstallation=file://{folder}/profile",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    folder,
                    str(source),
                ],
                check=True,
                capture_output=True,
                timeout=SOFFICE_TIMEOUT_SECONDS,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        target = Path(folder) / "order.pdf"
        return target.read_bytes() if target.is_file() else None


def render_pdf(docx: bytes, title: str) -> bytes:
    """The order's PDF: LibreOffice's conversion of the DOCX when it is installed, else
    the DOCX re-typeset by fpdf2 (text, alignment, bold; no letterhead images)."""
    converted = convert_with_soffice(docx)
    return converted if converted is not None else retypeset_pdf(docx, title)


def retypeset_pdf(docx: bytes, title: str) -> bytes:
    """The PDF of a rendered order: each paragraph with its alignment and weight, in PT Sans."""
    pdf = FPDF(format="A4")
    regular, bold = _font_files()
    pdf.add_font("PTSans", "", regular)
    pdf.add_font("PTSans", "B", bold)
    pdf.set_title(title)
    pdf.set_margins(25, 20, 15)
    pdf.add_page()
    line = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
    for block in _blocks(Document(io.BytesIO(docx))):
        if isinstance(block, PdfParagraph):
            size = min(max(block.size - 1, 9), 18)
            pdf.set_font("PTSans", "B" if block.bold else "", size)
            if block.text.strip():
                pdf.multi_cell(0, size * 0.5, block.text, align=block.align, **line)
            else:
                pdf.ln(size * 0.4)
        elif block:
            pdf.set_font("PTSans", "", 10)
            with pdf.table(line_height=5, text_align="LEFT") as table:
                for cells in block:
                    row = table.row()
                    for text in cells:
                        row.cell(text)
            pdf.ln(2)
    return bytes(pdf.output())
