"""The appointment order as a Word template with Jinja placeholders (docxtpl), and its PDF.

The РУО's administrator may replace the template with their own DOCX, edited in Word,
as long as it uses only the placeholders listed in PLACEHOLDERS (shown on the admin
page). Without a replacement the built-in template below, written with python-docx,
is used. The PDF is drawn from the rendered DOCX's paragraphs and tables (text,
alignment, bold), so it says the same words as the DOCX of whichever template was used.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from reserve_flow.contest.protocol_document import _font_files
from reserve_flow.core.files import user_templates

# Every placeholder a template may use: name -> what it becomes (shown to the administrator).
PLACEHOLDERS: dict[str, str] = {
    "issuer": "наименование органа, издающего приказ (РУО)",
    "place": "место издания приказа",
    "number": "номер приказа с индексом реестра, например 45-к (в проекте — ___)",
    "date": "дата приказа, например 05.03.2026 (в проекте — пропуск)",
    "full_name": "фамилия, имя, отчество назначаемого",
    "organization": "полное наименование образовательной организации",
    "organization_short": "краткое наименование образовательной организации",
    "position": "должность, на которую назначается кандидат",
    "start_date": "дата назначения (начала работы), например 01.02.2027",
    "contract": "срок трудового договора, например «срочный трудовой договор на 5 лет»",
    "contract_years": "срок трудового договора в годах (число)",
    "contract_end": "дата окончания срочного трудового договора",
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
    "organization": "МБОУ «Нижнеангарская средняя общеобразовательная школа № 1»",
    "organization_short": "Нижнеангарская СОШ № 1",
    "position": "директор",
    "start_date": "10.03.2026",
    "contract": "срочный трудовой договор на 5 лет",
    "contract_years": 5,
    "contract_end": "09.03.2031",
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
    paragraph("О назначении на должность руководителя", center=True, bold=True)
    paragraph("")
    paragraph(
        "1. Назначить {{ full_name }} на должность «{{ position }}» {{ organization }} с {{ start_date }}.",
        justify=True,
    )
    paragraph("2. Заключить {{ contract }}: с {{ start_date }} по {{ contract_end }}.", justify=True)
    paragraph("3. Контроль за исполнением приказа оставляю за собой.", justify=True)
    paragraph("")
    paragraph("Основание:", bold=True)
    paragraph("{{ grounds }}", justify=True)
    paragraph("")
    paragraph("{{ signatory_position }}  ____________________  {{ signatory_name }}")
    paragraph("")
    paragraph("С приказом ознакомлен(а): ____________________  {{ full_name }}")
    document.core_properties.title = "Приказ о назначении на должность руководителя"
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


def render_pdf(docx: bytes, title: str) -> bytes:
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
